// Helpers shared by the warehouse tests: a temporary folder and sample batches.
#pragma once

#include "common/temp_dir.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/record_batch.h"
#include "warehouse/warehouse.h"

namespace sluice::warehouse::testing {

using sluice::test::TempDir;

// Runs `sql` and returns its single value as text ("NULL" for null), or the error.
inline std::string Scalar(Connection* conn, const std::string& sql) {
  Result<QueryResult> r = conn->Query(sql);
  if (!r.ok()) return "error: " + r.status().ToString();
  if (r->batches.empty() || r->batches[0]->num_rows() == 0) return "(no rows)";
  return r->batches[0]->ToString().substr(0, r->batches[0]->ToString().find('\n'));
}

}  // namespace sluice::warehouse::testing
