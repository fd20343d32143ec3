#include "connectors/console_sink.h"

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "connectors/file_sink.h"
#include "connectors/text_value.h"
#include "core/value.h"

namespace sluice::connectors {

ConsoleSink::ConsoleSink(ConsoleSinkOptions options, std::ostream* out)
    : options_(options), out_(out ? out : &std::cout) {}

Status ConsoleSink::Open(const ConnectorContext& ctx, const SchemaPtr& schema) {
  (void)ctx;
  (void)schema;
  return Status::OK();
}

void ConsoleSink::WriteTable(const RecordBatch& batch, int64_t rows) {
  const int n = batch.num_columns();
  std::vector<std::vector<std::string>> cells(static_cast<size_t>(n));
  std::vector<size_t> width(static_cast<size_t>(n));
  for (int c = 0; c < n; ++c) {
    auto& col = cells[static_cast<size_t>(c)];
    width[static_cast<size_t>(c)] = batch.schema()->field(c).name.size();
    for (int64_t r = 0; r < rows; ++r) {
      col.push_back(FormatCell(batch.column(c), r));
      width[static_cast<size_t>(c)] = std::max(width[static_cast<size_t>(c)], col.back().size());
    }
  }
  std::string text;
  auto line = [&](auto cell_of) {
    for (int c = 0; c < n; ++c) {
      const std::string& s = cell_of(c);
      if (c > 0) text += " | ";
      text += s;
      if (c + 1 < n) text.append(width[static_cast<size_t>(c)] - s.size(), ' ');
    }
    text += '\n';
  };
  line([&](int c) -> const std::string& { return batch.schema()->field(c).name; });
  for (int c = 0; c < n; ++c) {
    if (c > 0) text += "-+-";
    text.append(width[static_cast<size_t>(c)], '-');
  }
  text += '\n';
  for (int64_t r = 0; r < rows; ++r) {
    line([&](int c) -> const std::string& { return cells[static_cast<size_t>(c)][static_cast<size_t>(r)]; });
  }
  *out_ << text;
}

Status ConsoleSink::Write(const RecordBatch& batch) {
  if (truncated_ || batch.num_rows() == 0) return Status::OK();
  int64_t rows = batch.num_rows();
  if (options_.max_rows >= 0) rows = std::min(rows, options_.max_rows - printed_);
  if (rows > 0) {
    if (options_.table) {
      WriteTable(batch, rows);
    } else {
      std::string text;
      AppendNdjsonRows(batch, 0, rows, &text);
      *out_ << text;
    }
    printed_ += rows;
  }
  if (rows < batch.num_rows()) {
    *out_ << "... further rows not shown\n";
    truncated_ = true;
  }
  return Status::OK();
}

Status ConsoleSink::Flush() {
  out_->flush();
  return out_->good() ? Status::OK() : Status::IOError("cannot write to the console");
}

Status ConsoleSink::Close() { return Flush(); }

std::unique_ptr<Sink> MakeConsoleSink(OptionReader& options, const ConnectorContext& ctx) {
  (void)ctx;
  Diagnostics* diag = options.diagnostics();
  const size_t errors_before = diag->items().size();
  ConsoleSinkOptions o;
  o.table = options.Enum("format", "ndjson", {"ndjson", "table"}) == "table";
  o.max_rows = options.Int("max_rows", -1, 0, INT64_MAX);
  if (diag->items().size() != errors_before) return nullptr;
  return std::make_unique<ConsoleSink>(o);
}

}  // namespace sluice::connectors
