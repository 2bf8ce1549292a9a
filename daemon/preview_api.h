// GET /preview/ID[?channel=C][&format=text] of the control API
// (docs/control-api.md): the preview page (daemon/preview.h) of a stored
// item, its images read from the state folder's media copy, or the text
// summary `loa preview ID` prints.
#pragma once

#include <string>

#include "daemon/control_api.h"

namespace loa {

// The answer for `id` (the path's second part, unchecked).
ControlAnswer PreviewAnswer(const ControlRequest& request, const std::string& id,
                            const ControlSources& sources);

}  // namespace loa
