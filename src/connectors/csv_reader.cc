#include "connectors/csv_reader.h"

#include <algorithm>
#include <cstring>

#include "connectors/text_value.h"
#include "core/time.h"

namespace sluice::connectors {

namespace {

using FieldRef = CsvReader::FieldRef;

enum class Scan { kRecord, kNeedMore, kBad };

struct ScanOut {
  int64_t end = 0;       // offset just past the record and its line end
  int64_t newlines = 0;  // '\n' bytes inside the record and its line end
  const char* error = nullptr;
};

// Splits records into fields. Fields of a record are appended to `fields`; quoted
// fields with doubled quotes are unescaped into `scratch`, which must have room for
// as many bytes as the input holds.
class CsvTokenizer {
 public:
  CsvTokenizer(char delimiter, char quote, std::vector<FieldRef>* fields, char* scratch,
               size_t* scratch_used)
      : quote_(quote), delim_(delimiter), fields_(fields), scratch_(scratch), used_(scratch_used) {
    std::memset(special_, 0, sizeof(special_));
    special_[static_cast<uint8_t>(delimiter)] = 1;
    special_[static_cast<uint8_t>('\n')] = 1;
    special_[static_cast<uint8_t>('\r')] = 1;
  }

  Scan Next(const char* d, int64_t size, int64_t pos, bool at_eof, ScanOut* out) {
    const size_t first = fields_->size();
    int64_t p = pos;
    int64_t nl = 0;
    auto need_more = [&] {
      fields_->resize(first);
      return Scan::kNeedMore;
    };
    while (true) {
      if (p < size && d[p] == quote_) {
        int64_t q = p + 1;
        int64_t seg = q;
        size_t dst_start = SIZE_MAX;
        while (true) {
          const void* hit = q < size ? std::memchr(d + q, quote_, static_cast<size_t>(size - q))
                                     : nullptr;
          if (hit == nullptr) {
            if (!at_eof) return need_more();
            fields_->resize(first);
            out->end = size;
            out->newlines = nl + CountNewlines(d + q, size - q);
            out->error = "unterminated quoted field (a quote opened here is never closed)";
            return Scan::kBad;
          }
          const int64_t h = static_cast<const char*>(hit) - d;
          nl += CountNewlines(d + q, h - q);
          if (h + 1 < size && d[h + 1] == quote_) {  // a doubled quote: one literal quote
            if (dst_start == SIZE_MAX) dst_start = *used_;
            std::memcpy(scratch_ + *used_, d + seg, static_cast<size_t>(h + 1 - seg));
            *used_ += static_cast<size_t>(h + 1 - seg);
            q = h + 2;
            seg = q;
            continue;
          }
          if (h + 1 >= size && !at_eof) return need_more();  // might be a doubled quote
          if (dst_start == SIZE_MAX) {
            fields_->push_back({d + seg, static_cast<uint32_t>(h - seg), true});
          } else {
            std::memcpy(scratch_ + *used_, d + seg, static_cast<size_t>(h - seg));
            *used_ += static_cast<size_t>(h - seg);
            fields_->push_back({scratch_ + dst_start, static_cast<uint32_t>(*used_ - dst_start), true});
          }
          p = h + 1;
          break;
        }
        if (p < size && d[p] != delim_ && d[p] != '\n' && d[p] != '\r') {
          const void* e = std::memchr(d + p, '\n', static_cast<size_t>(size - p));
          if (e == nullptr && !at_eof) return need_more();
          fields_->resize(first);
          out->end = e ? static_cast<const char*>(e) - d + 1 : size;
          out->newlines = nl + (e ? 1 : 0);
          out->error = "unexpected text after a closing quote (double a quote inside a quoted field)";
          return Scan::kBad;
        }
      } else {
        const int64_t s = p;
        while (p < size && !special_[static_cast<uint8_t>(d[p])]) ++p;
        fields_->push_back({d + s, static_cast<uint32_t>(p - s), false});
      }
      if (p >= size) {
        if (!at_eof) return need_more();
        out->end = size;
        out->newlines = nl;
        return Scan::kRecord;
      }
      const char c = d[p];
      if (c == delim_) {
        ++p;
        continue;
      }
      if (c == '\n') {
        out->end = p + 1;
        out->newlines = nl + 1;
        return Scan::kRecord;
      }
      // '\r': CRLF or a lone CR
      if (p + 1 >= size && !at_eof) return need_more();
      const bool crlf = p + 1 < size && d[p + 1] == '\n';
      out->end = p + (crlf ? 2 : 1);
      out->newlines = nl + (crlf ? 1 : 0);
      return Scan::kRecord;
    }
  }

 private:
  char quote_;
  char delim_;
  std::vector<FieldRef>* fields_;
  char* scratch_;
  size_t* used_;
  uint8_t special_[256];
};

// The record text without its line end, for bad-record reports.
std::string_view RawRecord(const char* data, int64_t begin, int64_t end) {
  while (end > begin && (data[end - 1] == '\n' || data[end - 1] == '\r')) --end;
  return std::string_view(data + begin, static_cast<size_t>(end - begin));
}

bool IsBlank(const std::vector<FieldRef>& fields, size_t first) {
  return fields.size() - first == 1 && fields[first].size == 0 && !fields[first].quoted;
}

// Skips the byte order mark and `skip_rows` lines. Returns the offset after them, or -1
// when more data is needed. Adds the lines skipped to *lines.
int64_t SkipLead(const char* d, int64_t size, bool at_eof, bool file_start, int64_t skip_rows,
                 int64_t* lines) {
  int64_t p = 0;
  if (file_start) {
    static constexpr char kBom[] = "\xEF\xBB\xBF";
    const int64_t n = std::min<int64_t>(size, 3);
    if (std::memcmp(d, kBom, static_cast<size_t>(n)) == 0) {
      if (n < 3 && !at_eof) return -1;
      if (n == 3) p = 3;
    }
  }
  for (int64_t k = 0; k < skip_rows; ++k) {
    if (p == size) {  // the data so far ends right after the BOM or a skipped line
      if (!at_eof) return -1;
      break;
    }
    const void* e = std::memchr(d + p, '\n', static_cast<size_t>(size - p));
    if (e == nullptr) {
      if (!at_eof) return -1;
      p = size;
      break;
    }
    p = static_cast<const char*>(e) - d + 1;
    ++*lines;
  }
  return p;
}

}  // namespace

CsvReader::CsvReader(SchemaPtr schema, CsvOptions options, BadRecordReporter* reporter,
                     int64_t batch_rows)
    : RecordReader(std::move(schema), reporter, batch_rows), options_(std::move(options)) {}

CsvReader::~CsvReader() = default;

Result<bool> CsvReader::ParsePreamble(const char* data, int64_t size, bool at_eof,
                                      FileCursor* cursor) {
  int64_t lines = 0;
  const int64_t lead = SkipLead(data, size, at_eof, cursor->offset == 0, options_.skip_rows, &lines);
  if (lead < 0) return false;
  const int n = schema_->num_fields();
  cursor->column_field.assign(static_cast<size_t>(n), 0);
  int64_t end = lead;
  if (!options_.header) {
    for (int c = 0; c < n; ++c) cursor->column_field[static_cast<size_t>(c)] = c;
    cursor->expected_fields = n;
  } else if (lead < size) {
    std::vector<FieldRef> header;
    std::unique_ptr<char[]> scratch(new char[static_cast<size_t>(size - lead) + 1]);
    size_t used = 0;
    CsvTokenizer tok(options_.delimiter, options_.quote, &header, scratch.get(), &used);
    ScanOut out;
    Scan s;
    int64_t start = lead;
    while (true) {  // the first non-blank record is the header
      header.clear();
      s = tok.Next(data, size, start, at_eof, &out);
      if (s != Scan::kRecord || !IsBlank(header, 0)) break;
      start = out.end;
      lines += out.newlines;
      if (start >= size) {  // only blank lines so far
        s = Scan::kNeedMore;
        break;
      }
    }
    if (s == Scan::kNeedMore) {
      if (!at_eof) return false;
      cursor->expected_fields = -1;  // blank lines only: no records follow
      cursor->offset += size;
      cursor->line += lines;
      cursor->started = true;
      return true;
    }
    const std::string where = cursor->file + ":" + std::to_string(cursor->line + lines);
    if (s == Scan::kBad) return Status::ParseError(where + ": cannot read the CSV header: " + out.error);
    for (int c = 0; c < n; ++c) {
      const std::string& name = schema_->field(c).name;
      int found = -1;
      for (size_t f = 0; f < header.size() && found < 0; ++f) {
        if (EqualsIgnoreCase(TrimSpaces(std::string_view(header[f].data, header[f].size)), name)) {
          found = static_cast<int>(f);
        }
      }
      if (found < 0) {
        std::string names;
        for (const FieldRef& f : header) {
          names += (names.empty() ? "" : ", ") + std::string(f.data, f.size);
        }
        return Status::Invalid(where + ": column '" + name + "' is not in the CSV header (" +
                               names + "); fix the header, the column name, or set header: false");
      }
      cursor->column_field[static_cast<size_t>(c)] = found;
    }
    cursor->expected_fields = static_cast<int>(header.size());
    end = out.end;
    lines += out.newlines;
  } else {
    if (!at_eof) return false;  // no header yet
    cursor->expected_fields = -1;  // an empty file: no records follow
  }
  cursor->offset += end;
  cursor->line += lines;
  cursor->started = true;
  return true;
}

Result<int64_t> CsvReader::ParseRecords(const char* data, int64_t size, bool at_eof,
                                        int64_t max_rows, FileCursor* cursor) {
  records_.clear();
  fields_.clear();
  scratch_used_ = 0;
  if (scratch_capacity_ < static_cast<size_t>(size)) {
    scratch_capacity_ = std::max(static_cast<size_t>(size), scratch_capacity_ * 2);
    scratch_.reset(new char[scratch_capacity_]);
  }
  CsvTokenizer tok(options_.delimiter, options_.quote, &fields_, scratch_.get(), &scratch_used_);
  const int64_t room = max_rows - pending_rows();
  int64_t pos = 0;
  int64_t line = cursor->line;
  ScanOut out;
  while (static_cast<int64_t>(records_.size()) < room && pos < size) {
    const size_t first = fields_.size();
    const Scan s = tok.Next(data, size, pos, at_eof, &out);
    if (s == Scan::kNeedMore) break;
    const int64_t rec_line = line;
    line += out.newlines;
    const int64_t begin = pos;
    pos = out.end;
    if (s == Scan::kBad) {
      reporter_->Report(cursor->file, rec_line, RawRecord(data, begin, pos), out.error);
      continue;
    }
    if (IsBlank(fields_, first)) {
      fields_.resize(first);
      continue;
    }
    const int64_t nf = static_cast<int64_t>(fields_.size() - first);
    if (nf != cursor->expected_fields) {
      fields_.resize(first);
      reporter_->Report(cursor->file, rec_line, RawRecord(data, begin, pos),
                        "expected " + std::to_string(cursor->expected_fields) + " fields, found " +
                            std::to_string(nf));
      continue;
    }
    records_.push_back({begin, pos, rec_line, static_cast<uint32_t>(first)});
  }
  ConvertRecords(data, *cursor);
  cursor->offset += pos;
  cursor->line = line;
  return pos;
}

void CsvReader::NoteError(size_t record, std::string message) {
  if (record_bad_[record]) return;
  record_bad_[record] = 1;
  errors_.emplace_back(record, std::move(message));
}

template <typename ParseAppend>
void CsvReader::ConvertColumn(int c, int field_index, ParseAppend&& parse_append) {
  Column* col = builder_.column(c);
  const Field& field = schema_->field(c);
  const bool varchar = field.type.id == TypeId::kVarchar;
  const size_t n = records_.size();
  for (size_t r = 0; r < n; ++r) {
    const FieldRef& f = fields_[records_[r].first_field + static_cast<uint32_t>(field_index)];
    if (IsNull(f, varchar)) {
      col->AppendNull();
      if (!field.nullable) NoteError(r, "column '" + field.name + "' is NOT NULL but the value is missing");
      continue;
    }
    const std::string_view text(f.data, f.size);
    if (const char* problem = parse_append(text, col)) {
      col->AppendNull();
      NoteError(r, CellError(field, text, problem));
    }
  }
}

void CsvReader::ConvertRecords(const char* data, const FileCursor& cursor) {
  const size_t n = records_.size();
  if (n == 0) return;
  const int64_t base = builder_.num_rows();
  record_bad_.assign(n, 0);
  errors_.clear();
  for (int c = 0; c < schema_->num_fields(); ++c) {
    const int fi = cursor.column_field[static_cast<size_t>(c)];
    builder_.column(c)->Reserve(static_cast<int64_t>(n));
    switch (schema_->field(c).type.id) {
      case TypeId::kVarchar:
        ConvertColumn(c, fi, [](std::string_view s, Column* col) -> const char* {
          col->AppendString(s);
          return nullptr;
        });
        break;
      case TypeId::kInt64:
        ConvertColumn(c, fi, [](std::string_view s, Column* col) -> const char* {
          int64_t v;
          if (ParseInt64Text(TrimSpaces(s), &v)) return (col->Append<int64_t>(v), nullptr);
          return AppendTextValue(s, col);  // fails again, with the precise problem
        });
        break;
      case TypeId::kDouble:
        ConvertColumn(c, fi, [](std::string_view s, Column* col) -> const char* {
          double v;
          if (ParseDoubleText(TrimSpaces(s), &v)) return (col->Append<double>(v), nullptr);
          return "is not a number";
        });
        break;
      case TypeId::kTimestamp:
        ConvertColumn(c, fi, [](std::string_view s, Column* col) -> const char* {
          int64_t v;
          if (ParseTimestamp(TrimSpaces(s), &v)) return (col->Append<int64_t>(v), nullptr);
          return AppendTextValue(s, col);
        });
        break;
      default:  // the remaining types share the generic path
        ConvertColumn(c, fi, [](std::string_view s, Column* col) -> const char* {
          return AppendTextValue(s, col);
        });
        break;
    }
  }
  if (errors_.empty()) return;
  std::sort(errors_.begin(), errors_.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [r, message] : errors_) {
    const RecordRef& rec = records_[r];
    MarkBad(base + static_cast<int64_t>(r));
    reporter_->Report(cursor.file, rec.line, RawRecord(data, rec.begin, rec.end), std::move(message));
  }
}

Result<SchemaPtr> CsvReader::InferSchema(std::string_view text, bool at_eof,
                                         const CsvOptions& options, const std::string& file,
                                         int max_rows) {
  const char* d = text.data();
  const int64_t size = static_cast<int64_t>(text.size());
  int64_t lines = 0;
  const int64_t lead = SkipLead(d, size, at_eof, true, options.skip_rows, &lines);
  std::vector<FieldRef> fields;
  std::unique_ptr<char[]> scratch(new char[text.size() + 1]);
  size_t used = 0;
  CsvTokenizer tok(options.delimiter, options.quote, &fields, scratch.get(), &used);
  int64_t pos = lead < 0 ? size : lead;
  std::vector<std::string> names;
  ScanOut out;
  if (options.header) {
    while (pos < size) {  // the first non-blank record
      fields.clear();
      const Scan s = tok.Next(d, size, pos, at_eof, &out);
      if (s == Scan::kNeedMore) break;
      if (s == Scan::kBad) {
        return Status::ParseError(file + ": cannot read the CSV header: " + out.error);
      }
      pos = out.end;
      if (IsBlank(fields, 0)) continue;
      for (size_t f = 0; f < fields.size(); ++f) {
        std::string name(TrimSpaces(std::string_view(fields[f].data, fields[f].size)));
        if (name.empty()) name = "column" + std::to_string(f + 1);
        names.push_back(std::move(name));
      }
      break;
    }
  }
  std::vector<TypeGuess> guesses(names.size());
  int rows = 0;
  while (pos < size && rows < max_rows) {
    fields.clear();
    const Scan s = tok.Next(d, size, pos, at_eof, &out);
    if (s == Scan::kNeedMore) break;
    pos = out.end;
    if (s == Scan::kBad || IsBlank(fields, 0)) continue;
    if (!options.header && names.empty()) {
      for (size_t f = 0; f < fields.size(); ++f) names.push_back("column" + std::to_string(f + 1));
      guesses.resize(names.size());
    }
    if (fields.size() != names.size()) continue;
    ++rows;
    for (size_t f = 0; f < fields.size(); ++f) {
      const std::string_view v(fields[f].data, fields[f].size);
      if (!fields[f].quoted && v == options.null_string) continue;
      if (TrimSpaces(v).empty()) continue;
      guesses[f].ObserveText(v);
    }
  }
  if (names.empty()) {
    return Status::Invalid(file + ": cannot infer the columns of an empty CSV file; declare 'columns'");
  }
  std::vector<Field> out_fields;
  for (size_t f = 0; f < names.size(); ++f) {
    for (const Field& prev : out_fields) {
      if (EqualsIgnoreCase(prev.name, names[f])) {
        return Status::Invalid(file + ": the CSV header names column '" + names[f] +
                               "' twice; rename one or declare 'columns'");
      }
    }
    out_fields.push_back(Field{names[f], guesses[f].Result(), true});
  }
  return MakeSchema(std::move(out_fields));
}

}  // namespace sluice::connectors
