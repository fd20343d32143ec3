// The example project (the repository's examples/shop/), embedded into the binary at
// build time by cmake/embed_files.cmake, for `sluice init`.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace sluice::project {

struct EmbeddedFile {
  std::string_view path;  // relative, '/'-separated, e.g. "sources/shop.yaml"
  std::string_view data;  // the file's bytes
};

// Every file of examples/shop/ except state (.sluice/) and DuckDB files (*.duckdb*),
// sorted by path. The views point into static storage.
const std::vector<EmbeddedFile>& ShopExampleFiles();

}  // namespace sluice::project
