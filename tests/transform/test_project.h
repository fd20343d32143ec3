// Helpers for transform tests: throwaway project folders written file by file.
//
//   TempDir dir;
//   WriteFile(dir.path(), "dbt_project.yml", "name: shop\n");
//   WriteFile(dir.path(), "models/orders.sql", "select 1 as id");
#pragma once

#include "common/temp_dir.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace sluice::transform::testing {

// Writes `text` to <dir>/<relpath>, creating folders.
inline void WriteFile(const std::string& dir, const std::string& relpath, std::string_view text) {
  const std::filesystem::path p = std::filesystem::path(dir) / relpath;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << text;
}

using sluice::test::TempDir;

using sluice::test::ScopedEnv;

}  // namespace sluice::transform::testing
