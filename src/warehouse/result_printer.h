// Prints query results for people (an aligned table) and for programs (CSV, JSON), as
// `sluice query --format table|csv|json` does. Lives in the warehouse module because it
// needs nothing from the CLI and is tested with the warehouse.
#pragma once

#include <ostream>
#include <vector>

#include "core/record_batch.h"
#include "core/schema.h"

namespace sluice::warehouse {

enum class OutputFormat {
  // An ASCII box: header, separator, one line per row, and "(N rows)". Numbers are
  // right-aligned, NULL prints as NULL, control characters as escapes (\n, \t), and
  // values wider than kMaxCellWidth characters are cut with "…".
  kTable,
  // RFC 4180 quoting with a header line; lines end in "\n". NULL is an empty field,
  // an empty string is "" (quoted), so the two stay distinguishable.
  kCsv,
  // One JSON array of objects, one object per line. Numbers (including DECIMAL, with
  // its exact digits) are JSON numbers; NaN and infinities, timestamps, dates and
  // intervals are strings; NULL is null.
  kJson,
};

inline constexpr int kMaxCellWidth = 40;

// Writes the rows of `batches` (which all have `schema`) to `out` in `format`.
void PrintResult(const Schema& schema, const std::vector<RecordBatchPtr>& batches,
                 OutputFormat format, std::ostream& out);

}  // namespace sluice::warehouse
