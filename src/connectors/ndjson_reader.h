// NdjsonReader: parses newline-delimited JSON (one object per line) into typed batches,
// with simdjson's On-Demand API.
//
//   - each non-blank line must be one JSON object; top-level keys map to columns by name
//     as written in the line (exact match first, then ASCII case-insensitive; a key
//     spelled with escapes such as "\u0069d" does not match "id"); unknown keys are
//     ignored; when a key repeats, the first occurrence wins
//   - a missing key or JSON null is NULL
//   - numbers: INT32/INT64 take integers in range; DOUBLE takes any number; DECIMAL takes
//     the number's exact digits (extra fraction digits rounded half away from zero)
//   - TIMESTAMP takes an ISO 8601 string or an integer of epoch milliseconds
//   - every type also accepts a JSON string holding its text form (as in CSV)
//   - VARCHAR takes strings (unescaped), and numbers, booleans, objects and arrays as
//     their raw JSON text
// Bad records (invalid JSON, a value that is not an object, a value of the wrong kind)
// are reported with file:line and skipped. A line's end of line is LF or CRLF; a UTF-8
// byte order mark at the start of a file is skipped.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/record_reader.h"

namespace sluice::connectors {

class NdjsonReader final : public RecordReader {
 public:
  NdjsonReader(SchemaPtr schema, BadRecordReporter* reporter,
               int64_t batch_rows = kDefaultBatchRows);
  ~NdjsonReader() override;

  Result<bool> ParsePreamble(const char* data, int64_t size, bool at_eof,
                             FileCursor* cursor) override;
  Result<int64_t> ParseRecords(const char* data, int64_t size, bool at_eof, int64_t max_rows,
                               FileCursor* cursor) override;

  // Infers a schema from up to `max_lines` lines of `data` (file bytes followed by
  // kReadPadding readable bytes): columns are the top-level keys in first-seen order,
  // typed by TypeGuess (strings become DATE or TIMESTAMP when every value parses so,
  // otherwise VARCHAR; integers INT64; other numbers DOUBLE; objects/arrays VARCHAR).
  // Lines that are not JSON objects are ignored. Fails when no key is found.
  static Result<SchemaPtr> InferSchema(const char* data, int64_t size, bool at_eof,
                                       const std::string& file, int max_lines = 1000);

 private:
  struct Impl;  // keeps simdjson out of this header
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::connectors
