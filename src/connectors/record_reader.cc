#include "connectors/record_reader.h"

#include <cstring>
#include <memory>

namespace sluice::connectors {

void BadRecordReporter::Report(const std::string& file, int64_t line, std::string_view raw,
                               std::string error) {
  ++count_;
  if (!handler_) return;
  BadRecord r;
  r.connector = connector_;
  r.location = file + ":" + std::to_string(line);
  r.raw.assign(raw.substr(0, kMaxRawBytes));
  r.error = std::move(error);
  handler_(std::move(r));
}

RecordReader::RecordReader(SchemaPtr schema, BadRecordReporter* reporter, int64_t batch_rows)
    : schema_(schema), reporter_(reporter), builder_(std::move(schema), batch_rows) {}

Result<int64_t> RecordReader::Parse(const char* data, int64_t size, bool at_eof,
                                    int64_t max_rows, FileCursor* cursor) {
  int64_t pre = 0;
  if (!cursor->started) {
    const int64_t before = cursor->offset;
    SLUICE_ASSIGN_OR_RETURN(bool done, ParsePreamble(data, size, at_eof, cursor));
    if (!done) return int64_t{0};
    pre = cursor->offset - before;
  }
  SLUICE_ASSIGN_OR_RETURN(int64_t used,
                          ParseRecords(data + pre, size - pre, at_eof, max_rows, cursor));
  return pre + used;
}

RecordBatchPtr RecordReader::TakeBatch() {
  const int64_t rows = builder_.num_rows();
  if (rows == 0) return nullptr;
  RecordBatchPtr batch = builder_.Finish();
  if (bad_rows_.empty()) return batch;
  std::vector<int32_t> keep;
  keep.reserve(static_cast<size_t>(rows));
  size_t b = 0;
  for (int32_t r = 0; r < rows; ++r) {
    if (b < bad_rows_.size() && bad_rows_[b] == r) {
      while (b < bad_rows_.size() && bad_rows_[b] == r) ++b;  // a row may be marked twice
      continue;
    }
    keep.push_back(r);
  }
  bad_rows_.clear();
  if (keep.empty()) return nullptr;
  std::vector<ColumnPtr> cols;
  cols.reserve(static_cast<size_t>(batch->num_columns()));
  for (int c = 0; c < batch->num_columns(); ++c) {
    auto col = std::make_shared<Column>(batch->column(c).type());
    col->AppendSelected(batch->column(c), keep.data(), static_cast<int64_t>(keep.size()));
    cols.push_back(std::move(col));
  }
  return std::make_shared<const RecordBatch>(schema_, std::move(cols),
                                             static_cast<int64_t>(keep.size()));
}

int64_t CountNewlines(const char* data, int64_t size) {
  int64_t n = 0;
  const char* p = data;
  const char* end = data + size;
  while (p < end) {
    const void* hit = std::memchr(p, '\n', static_cast<size_t>(end - p));
    if (hit == nullptr) break;
    ++n;
    p = static_cast<const char*>(hit) + 1;
  }
  return n;
}

Result<std::vector<RecordBatchPtr>> ReadAllText(RecordReader* reader, std::string_view text,
                                                const std::string& file, int64_t batch_rows) {
  std::unique_ptr<char[]> buf(new char[text.size() + static_cast<size_t>(kReadPadding)]);
  if (!text.empty()) std::memcpy(buf.get(), text.data(), text.size());
  std::memset(buf.get() + text.size(), 0, static_cast<size_t>(kReadPadding));
  FileCursor cursor;
  cursor.file = file;
  std::vector<RecordBatchPtr> out;
  const int64_t size = static_cast<int64_t>(text.size());
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(int64_t used, reader->Parse(buf.get() + cursor.offset,
                                                        size - cursor.offset, true, batch_rows,
                                                        &cursor));
    const bool full = reader->pending_rows() >= batch_rows;
    if (full || cursor.offset >= size || used == 0) {
      if (RecordBatchPtr b = reader->TakeBatch()) out.push_back(std::move(b));
    }
    if (cursor.offset >= size || (used == 0 && !full)) break;
  }
  return out;
}

}  // namespace sluice::connectors
