#include "fuzz/fuzz_check.h"

#include <cstdio>
#include <cstdlib>

#include "core/json.h"
#include "core/value.h"

namespace sluice::fuzz {

void Violation(std::string_view what, std::string_view detail) {
  std::fprintf(stderr, "fuzz property violated: %.*s\n%.*s\n", static_cast<int>(what.size()),
               what.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

void CheckBatch(const RecordBatch& batch, const Schema& schema) {
  if (batch.num_columns() != schema.num_fields()) {
    Violation("batch column count differs from its schema", schema.ToString());
  }
  const int64_t rows = batch.num_rows();
  for (int c = 0; c < batch.num_columns(); ++c) {
    const Column& col = batch.column(c);
    if (!(col.type() == schema.field(c).type)) {
      Violation("batch column type differs from its schema",
                col.type().ToString() + " vs " + schema.ToString());
    }
    if (col.length() != rows) {
      Violation("column length differs from the batch's row count", schema.field(c).name);
    }
    const size_t width = static_cast<size_t>(col.type().ByteWidth());
    const size_t slots = static_cast<size_t>(rows) + (col.type().IsVarLength() ? 1 : 0);
    if (col.data_buffer().size() < slots * width) {
      Violation("value buffer shorter than the column", schema.field(c).name);
    }
    if (col.type().IsVarLength()) {
      const int32_t* off = col.offsets();
      for (int64_t i = 0; i < rows; ++i) {
        if (off[i] < 0 || off[i + 1] < off[i] ||
            static_cast<size_t>(off[i + 1]) > col.string_buffer().size()) {
          Violation("VARCHAR offsets out of order or past the string data",
                    schema.field(c).name);
        }
      }
    }
  }
  std::string text;
  std::string json;
  for (int64_t i = 0; i < rows; ++i) {
    for (int c = 0; c < batch.num_columns(); ++c) {
      const Column& col = batch.column(c);
      text.clear();
      if (col.IsValid(i)) AppendCellText(col, i, &text);
      if (!col.type().IsVarLength() && text.find('\0') != std::string::npos) {
        Violation("cell text holds a NUL byte", col.type().ToString());
      }
      json.clear();
      AppendJsonCell(col, i, &json);
    }
  }
  (void)batch.ToString();
}

}  // namespace sluice::fuzz
