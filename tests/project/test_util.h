// Helpers for the project module's tests: throwaway project folders and diagnostics lookup.
#pragma once

#include "common/temp_dir.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "core/diagnostics.h"

namespace sluice::project::testing {

using sluice::test::TempDir;

using sluice::test::ScopedEnv;

// The first diagnostic whose message contains `needle`, or nullptr.
inline const Diagnostic* FindError(const Diagnostics& diag, std::string_view needle) {
  for (const auto& d : diag.items()) {
    if (d.message.find(needle) != std::string::npos) return &d;
  }
  return nullptr;
}

}  // namespace sluice::project::testing
