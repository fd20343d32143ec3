// How the Jinja engine words its errors: "file:line:col: error: message (hint)", the same shape
// as core Diagnostics, so a template error reads like every other sluice error.
#pragma once

#include <string>

#include "core/diagnostics.h"
#include "core/status.h"

namespace sluice::transform {

// A Status with code `code` and message "where: error: message" (+ " (hint)" when non-empty).
inline Status TemplateError(StatusCode code, const SourceLocation& where,
                            const std::string& message, const std::string& hint = "") {
  Diagnostic d{where, message, hint};
  return Status(code, d.ToString());
}

}  // namespace sluice::transform
