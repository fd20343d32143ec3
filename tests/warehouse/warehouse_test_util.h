// Helpers shared by the warehouse tests: a temporary folder and sample batches.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/record_batch.h"
#include "warehouse/warehouse.h"

namespace sluice::warehouse::testing {

// A fresh folder under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sluice-wh-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Runs `sql` and returns its single value as text ("NULL" for null), or the error.
inline std::string Scalar(Connection* conn, const std::string& sql) {
  Result<QueryResult> r = conn->Query(sql);
  if (!r.ok()) return "error: " + r.status().ToString();
  if (r->batches.empty() || r->batches[0]->num_rows() == 0) return "(no rows)";
  return r->batches[0]->ToString().substr(0, r->batches[0]->ToString().find('\n'));
}

}  // namespace sluice::warehouse::testing
