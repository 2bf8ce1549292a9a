// Builds the connector for a configured channel.
#pragma once

#include <memory>

#include "base/result.h"
#include "config/config.h"
#include "contract/connector.h"

namespace loa {

// Builds the connector for a configured channel (reads its secrets).
Result<std::unique_ptr<Connector>> MakeConnector(const ChannelConfig& channel,
                                                 const Config& config);

}  // namespace loa
