// ChangeLines: a ChangeSink that records every change as "op | cell | cell ...", for
// operator tests that compare changelogs line by line.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/value.h"
#include "stream/stream_operator.h"

namespace sluice::stream::testing {

class ChangeLines final : public ChangeSink {
 public:
  Status Emit(const warehouse::ChangeBatch& c) override {
    for (int64_t r = 0; r < c.rows->num_rows(); ++r) {
      std::string line = warehouse::ChangeOpName(c.ops[static_cast<size_t>(r)]);
      for (int col = 0; col < c.rows->num_columns(); ++col) line += " | " + FormatCell(c.rows->column(col), r);
      lines.push_back(std::move(line));
    }
    return Status::OK();
  }
  std::vector<std::string> lines;
};

}  // namespace sluice::stream::testing
