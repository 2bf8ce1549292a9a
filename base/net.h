// Which hosts count as this machine: plain http:// is allowed only to them
// (config validation and the HTTP connectors apply the same rule).
#pragma once

#include <string_view>

namespace loa {

// localhost, *.localhost, 127.0.0.0/8 and ::1 (host without IPv6 brackets;
// a trailing dot is ignored).
bool IsLoopbackHost(std::string_view host);

}  // namespace loa
