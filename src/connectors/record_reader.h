// RecordReader: the part shared by the text-format readers of the file source (CSV and
// NDJSON). A reader turns bytes of one file into rows of a fixed schema, a buffer at a
// time, keeping per-file progress in a FileCursor that the caller owns, so one reader can
// interleave many files (follow mode) and resume any of them at a byte offset.
//
// Readers are usable without the file source: see ReadAllText for the simplest use.
// Not thread-safe; one thread drives a reader.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/connector.h"
#include "core/record_batch.h"
#include "core/status.h"

namespace sluice::connectors {

// Bytes that must be readable (any content) after the end of every buffer handed to
// RecordReader::Parse; simdjson reads ahead up to this much.
inline constexpr int64_t kReadPadding = 64;
// Bad records carry at most this much of their raw text.
inline constexpr size_t kMaxRawBytes = 4096;

// Progress of one file, owned by the caller and passed to every Parse call for that file.
struct FileCursor {
  std::string file;        // the path as shown in messages and positions
  int64_t offset = 0;      // bytes of the file consumed so far
  int64_t line = 1;        // 1-based physical line number at `offset`
  bool started = false;    // the preamble (byte order mark, skipped rows, header) is done
  std::vector<int> column_field;  // CSV: for each schema column, its field index in a record
  int expected_fields = -1;       // CSV: fields per record (header width, or schema width)
};

// Reports bad records to the context's handler and counts them.
class BadRecordReporter {
 public:
  BadRecordReporter(std::string connector, BadRecordHandler handler)
      : connector_(std::move(connector)), handler_(std::move(handler)) {}
  // "file:line" location; `raw` is cut to kMaxRawBytes.
  void Report(const std::string& file, int64_t line, std::string_view raw, std::string error);
  int64_t count() const { return count_; }

 private:
  std::string connector_;
  BadRecordHandler handler_;
  int64_t count_ = 0;
};

class RecordReader {
 public:
  // `reporter` must outlive the reader.
  RecordReader(SchemaPtr schema, BadRecordReporter* reporter, int64_t batch_rows);
  virtual ~RecordReader() = default;

  const SchemaPtr& schema() const { return schema_; }

  // Consumes the file preamble from `data` (the file's bytes from cursor->offset, which
  // is 0 when !cursor->started). Returns true when done (cursor advanced past it and
  // marked started), false when more bytes are needed (nothing consumed). Fails when the
  // file cannot be read at all (e.g. a declared column missing from the CSV header).
  virtual Result<bool> ParsePreamble(const char* data, int64_t size, bool at_eof,
                                     FileCursor* cursor) = 0;

  // Parses complete records of `data` (the file's bytes from cursor->offset, followed by
  // kReadPadding readable bytes) into the pending batch until it holds `max_rows` rows or
  // no complete record remains. A record is complete when its line ends, or at the end
  // of `data` when `at_eof`. Runs the preamble first if needed. Advances cursor->offset
  // and cursor->line past what was consumed and returns the number of bytes consumed.
  // Bad records are reported and skipped; errors are failures of the file as a whole.
  Result<int64_t> Parse(const char* data, int64_t size, bool at_eof, int64_t max_rows,
                        FileCursor* cursor);

  // Parse without the preamble: `data` starts at a record boundary of a started file.
  // Same contract otherwise.
  virtual Result<int64_t> ParseRecords(const char* data, int64_t size, bool at_eof,
                                       int64_t max_rows, FileCursor* cursor) = 0;

  // Rows added since the last TakeBatch, rows later found bad included.
  int64_t pending_rows() const { return builder_.num_rows(); }
  // The pending rows without the bad ones, as a batch; nullptr when there are none.
  RecordBatchPtr TakeBatch();

 protected:
  // Marks row `row` of the pending batch as bad; it is dropped by TakeBatch.
  void MarkBad(int64_t row) { bad_rows_.push_back(static_cast<int32_t>(row)); }

  SchemaPtr schema_;
  BadRecordReporter* reporter_;
  BatchBuilder builder_;
  std::vector<int32_t> bad_rows_;  // ascending
};

// Reads all of `text` as one complete file named `file` and returns its batches of at
// most `batch_rows` rows (bad records go to the reader's reporter).
Result<std::vector<RecordBatchPtr>> ReadAllText(RecordReader* reader, std::string_view text,
                                                const std::string& file, int64_t batch_rows);

// Counts '\n' bytes in [data, data + size).
int64_t CountNewlines(const char* data, int64_t size);

}  // namespace sluice::connectors
