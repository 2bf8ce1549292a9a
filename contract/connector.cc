#include "contract/connector.h"

namespace loa {

Outcome Connector::Retract(const PublishRequest& request, const std::string& remote_id) {
  return Outcome::Failed(ErrorClass::kPermanent, "channel " + request.channel +
                                                     " cannot take posts down (remote id " +
                                                     remote_id + "); remove it by hand");
}

}  // namespace loa
