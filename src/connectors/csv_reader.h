// CsvReader: parses CSV (RFC 4180 and the common variants) into typed batches.
//
//   - fields separated by `delimiter`; records end at LF, CRLF or a lone CR
//   - quoted fields may hold the delimiter, CR and LF; a doubled quote is one quote
//   - a UTF-8 byte order mark at the start of a file is skipped
//   - `skip_rows` physical lines are skipped at the start of each file, before the header
//   - with `header`, the header names map fields to schema columns by name (ASCII
//     case-insensitive); extra header fields are ignored; a declared column missing from
//     the header fails the file
//   - an unquoted field equal to `null_string` is NULL; for non-VARCHAR columns an empty
//     or all-space field is NULL too; a quoted empty field is the empty string
//   - empty lines are skipped (before the header too)
// Bad records (wrong field count, unterminated quote at end of input, text after a
// closing quote, values that do not parse) are reported with the file and the physical
// line where the record starts, and skipped.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/record_reader.h"
#include "connectors/text_value.h"

namespace sluice::connectors {

struct CsvOptions {
  bool header = true;       // the first record (after skip_rows) names the fields
  char delimiter = ',';
  char quote = '"';
  std::string null_string;  // an unquoted field equal to this is NULL
  int64_t skip_rows = 0;    // physical lines skipped at the start of each file
};

class CsvReader final : public RecordReader {
 public:
  CsvReader(SchemaPtr schema, CsvOptions options, BadRecordReporter* reporter,
            int64_t batch_rows = kDefaultBatchRows);
  ~CsvReader() override;

  Result<bool> ParsePreamble(const char* data, int64_t size, bool at_eof,
                             FileCursor* cursor) override;
  Result<int64_t> ParseRecords(const char* data, int64_t size, bool at_eof, int64_t max_rows,
                               FileCursor* cursor) override;

  // Infers a schema from the start of a file (`data`, complete when `at_eof`): column
  // names from the header (or column1, column2, ... without one), types from up to
  // `max_rows` records by TypeGuess. Fails on an empty file or duplicate header names.
  static Result<SchemaPtr> InferSchema(std::string_view data, bool at_eof,
                                       const CsvOptions& options, const std::string& file,
                                       int max_rows = 1000);

  struct FieldRef {
    const char* data;
    uint32_t size;
    bool quoted;
  };

 private:
  struct RecordRef {
    int64_t begin, end, line;
    uint32_t first_field;
  };
  void ConvertRecords(const char* data, const FileCursor& cursor);
  bool IsNull(const FieldRef& f, bool varchar) const {
    if (!f.quoted && f.size == options_.null_string.size() &&
        std::string_view(f.data, f.size) == options_.null_string) {
      return true;
    }
    if (varchar) return false;
    return f.size == 0 || ((f.data[0] == ' ' || f.data[0] == '\t') &&
                           TrimSpaces(std::string_view(f.data, f.size)).empty());
  }
  template <typename ParseAppend>
  void ConvertColumn(int c, int field_index, ParseAppend&& parse_append);
  void NoteError(size_t record, std::string message);

  CsvOptions options_;
  std::vector<FieldRef> fields_;
  std::vector<RecordRef> records_;
  std::unique_ptr<char[]> scratch_;  // unescaped quoted fields of the current Parse call
  size_t scratch_capacity_ = 0;
  size_t scratch_used_ = 0;
  std::vector<uint8_t> record_bad_;
  std::vector<std::pair<size_t, std::string>> errors_;
};

}  // namespace sluice::connectors
