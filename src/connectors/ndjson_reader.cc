#include "connectors/ndjson_reader.h"

#include <simdjson.h>

#include <cstring>

#include "connectors/text_value.h"
#include "core/time.h"

namespace sluice::connectors {

namespace od = simdjson::ondemand;
static_assert(kReadPadding >= static_cast<int64_t>(simdjson::SIMDJSON_PADDING));

namespace {

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool IsBlankLine(const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') return false;
  }
  return true;
}

std::string JsonError(simdjson::error_code e) {
  return std::string("invalid JSON (") + simdjson::error_message(e) + ")";
}

const char* KindName(od::json_type t) {
  switch (t) {
    case od::json_type::array: return "a JSON array";
    case od::json_type::object: return "a JSON object";
    case od::json_type::number: return "a number";
    case od::json_type::string: return "a string";
    case od::json_type::boolean: return "a boolean";
    case od::json_type::null: return "null";
  }
  return "a JSON value";
}

// A bad-value message: the value's JSON text for scalars, its kind for containers.
std::string Mismatch(const Field& field, od::value& v, od::json_type t, const char* problem) {
  if (t == od::json_type::object || t == od::json_type::array) {
    return "column '" + field.name + "' (" + field.type.ToString() + "): found " + KindName(t);
  }
  return CellError(field, TrimRight(v.raw_json_token()), problem);
}

const char* TypeProblem(TypeId id) {
  switch (id) {
    case TypeId::kBoolean: return "is not a boolean";
    case TypeId::kInt32:
    case TypeId::kInt64: return "is not an integer";
    case TypeId::kDouble:
    case TypeId::kDecimal: return "is not a number";
    case TypeId::kTimestamp: return "is not a timestamp (use an ISO 8601 string or epoch milliseconds)";
    case TypeId::kDate: return "is not a date (use a \"YYYY-MM-DD\" string)";
    case TypeId::kInterval: return "is not an interval";
    case TypeId::kVarchar: return "is not a string";
  }
  return "has the wrong type";
}

// Appends `v` to `col` (of field's type). On failure appends nothing and sets *error.
bool AppendJson(od::value& v, const Field& field, Column* col, std::string* error) {
  od::json_type t;
  if (auto e = v.type().get(t)) return (*error = JsonError(e), false);
  if (t == od::json_type::null) {
    if (!field.nullable) {
      *error = "column '" + field.name + "' is NOT NULL but the value is null";
      return false;
    }
    col->AppendNull();
    return true;
  }
  const TypeId id = field.type.id;
  if (t == od::json_type::string) {
    // The string as written when it has no escapes (no copy), else unescaped.
    std::string_view s = TrimRight(v.raw_json_token());
    s = s.substr(1, s.size() >= 2 ? s.size() - 2 : 0);
    if (std::memchr(s.data(), '\\', s.size()) != nullptr) {
      if (auto e = v.get_string().get(s)) return (*error = JsonError(e), false);
    }
    if (const char* problem = AppendTextValue(s, col)) {
      *error = CellError(field, s, problem);
      return false;
    }
    return true;
  }
  switch (id) {
    case TypeId::kVarchar: {
      std::string_view raw;
      if (t == od::json_type::object) {
        od::object o;
        if (auto e = v.get_object().get(o)) return (*error = JsonError(e), false);
        if (auto e = o.raw_json().get(raw)) return (*error = JsonError(e), false);
      } else if (t == od::json_type::array) {
        od::array a;
        if (auto e = v.get_array().get(a)) return (*error = JsonError(e), false);
        if (auto e = a.raw_json().get(raw)) return (*error = JsonError(e), false);
      } else {
        raw = v.raw_json_token();
      }
      col->AppendString(TrimRight(raw));
      return true;
    }
    case TypeId::kInt64:
    case TypeId::kInt32:
    case TypeId::kTimestamp: {
      if (t != od::json_type::number) break;
      int64_t x;
      const auto e = v.get_int64().get(x);
      if (e != simdjson::SUCCESS &&
          TrimRight(v.raw_json_token()).find_first_of(".eE") == std::string_view::npos) {
        *error = Mismatch(field, v, t, id == TypeId::kTimestamp ? "is out of range" : "is out of range for INT64");
        return false;
      }
      if (e) break;
      if (id == TypeId::kInt64) return (col->Append<int64_t>(x), true);
      if (id == TypeId::kInt32) {
        if (x < INT32_MIN || x > INT32_MAX) {
          *error = Mismatch(field, v, t, "is out of range for INT32");
          return false;
        }
        return (col->Append<int32_t>(static_cast<int32_t>(x)), true);
      }
      // TIMESTAMP: epoch milliseconds
      if (x > INT64_MAX / 1000 || x < INT64_MIN / 1000) {
        *error = Mismatch(field, v, t, "is out of range for epoch milliseconds");
        return false;
      }
      return (col->Append<int64_t>(x * 1000), true);
    }
    case TypeId::kDouble: {
      if (t != od::json_type::number) break;
      double x;
      if (v.get_double().get(x)) break;
      return (col->Append<double>(x), true);
    }
    case TypeId::kDecimal: {
      if (t != od::json_type::number) break;
      const std::string_view raw = TrimRight(v.raw_json_token());
      int64_t x;
      switch (ParseDecimalText(raw, field.type.precision, field.type.scale, &x)) {
        case DecimalParse::kOk: return (col->Append<int64_t>(x), true);
        case DecimalParse::kTooLarge:
          *error = CellError(field, raw, "has too many digits for the precision");
          return false;
        case DecimalParse::kNotNumber: break;
      }
      break;
    }
    case TypeId::kBoolean: {
      if (t == od::json_type::boolean) {
        bool b;
        if (v.get_bool().get(b)) break;
        return (col->Append<uint8_t>(b ? 1 : 0), true);
      }
      if (t != od::json_type::number) break;
      uint8_t b;
      if (!ParseBoolText(TrimRight(v.raw_json_token()), &b)) break;
      return (col->Append<uint8_t>(b), true);
    }
    case TypeId::kDate:
    case TypeId::kInterval: break;
  }
  *error = Mismatch(field, v, t, TypeProblem(id));
  return false;
}

}  // namespace

struct NdjsonReader::Impl {
  od::parser parser;
  std::vector<std::string> names;
  std::vector<uint32_t> seen;  // seen[c] == stamp: column c has a value in this row
  uint32_t stamp = 0;
  std::string error;

  explicit Impl(const Schema& schema) {
    for (const Field& f : schema.fields()) names.push_back(f.name);
    seen.assign(names.size(), 0);
    // Room for typical lines up front; iterate() grows it (and reports failure) itself.
    const simdjson::error_code e = parser.allocate(1 << 16);
    (void)e;
  }

  // The column whose name equals the key starting at `raw` (just after its opening quote,
  // as written, escapes not decoded), or -1. Tries the column after the previous key
  // first: most lines list their keys in the same order.
  int Lookup(const char* raw, int* hint) const {
    const int n = static_cast<int>(names.size());
    auto equals = [raw](const std::string& name) {
      const size_t len = name.size();
      if (raw[len] != '"') return false;  // cheap reject first; keys are short
      for (size_t i = 0; i < len; ++i) {
        if (raw[i] != name[i]) return false;
      }
      return true;
    };
    if (*hint < n && equals(names[static_cast<size_t>(*hint)])) return (*hint)++;
    for (int c = 0; c < n; ++c) {
      if (equals(names[static_cast<size_t>(c)])) return (*hint = c + 1, c);
    }
    for (int c = 0; c < n; ++c) {
      const std::string& name = names[static_cast<size_t>(c)];
      if (raw[name.size()] == '"' && EqualsIgnoreCase(std::string_view(raw, name.size()), name)) {
        return (*hint = c + 1, c);
      }
    }
    return -1;
  }

  // Parses one line into a row of `r`'s pending batch. Returns false (and sets `error`)
  // when the row is bad; the row is then still appended (with nulls) and must be marked.
  bool ParseLine(NdjsonReader* r, const char* line, size_t len, size_t capacity) {
    if (++stamp == 0) {  // wrapped: forget old stamps
      seen.assign(seen.size(), 0);
      stamp = 1;
    }
    bool ok = ParseObject(r, line, len, capacity);
    const Schema& schema = *r->schema_;
    for (size_t c = 0; c < seen.size(); ++c) {
      if (seen[c] == stamp) continue;
      r->builder_.column(static_cast<int>(c))->AppendNull();
      const Field& f = schema.field(static_cast<int>(c));
      if (ok && !f.nullable) {
        error = "column '" + f.name + "' is NOT NULL but the key is missing";
        ok = false;
      }
    }
    return ok;
  }

  bool ParseObject(NdjsonReader* r, const char* line, size_t len, size_t capacity) {
    od::document doc;
    if (auto e = parser.iterate(line, len, capacity).get(doc)) return (error = JsonError(e), false);
    od::object obj;
    if (auto e = doc.get_object().get(obj)) {
      if (e == simdjson::INCORRECT_TYPE) {
        od::json_type t;
        error = doc.type().get(t) ? std::string("the line is not a JSON object")
                                  : std::string("the line is ") + KindName(t) + ", not a JSON object";
      } else {
        error = JsonError(e);
      }
      return false;
    }
    const Schema& schema = *r->schema_;
    int hint = 0;
    for (auto fr : obj) {
      if (auto e = fr.error()) return (error = JsonError(e), false);
      od::field& field = fr.value_unsafe();  // no copy: copies of simdjson values are slow
      const int c = Lookup(field.key().raw(), &hint);
      if (c < 0 || seen[static_cast<size_t>(c)] == stamp) continue;
      if (!AppendJson(field.value(), schema.field(c), r->builder_.column(c), &error)) return false;
      seen[static_cast<size_t>(c)] = stamp;
    }
    const char* rest = nullptr;
    if (!doc.current_location().get(rest)) {
      error = "unexpected text after the JSON object";
      return false;
    }
    return true;
  }
};

NdjsonReader::NdjsonReader(SchemaPtr schema, BadRecordReporter* reporter, int64_t batch_rows)
    : RecordReader(std::move(schema), reporter, batch_rows),
      impl_(std::make_unique<Impl>(*schema_)) {}

NdjsonReader::~NdjsonReader() = default;

Result<bool> NdjsonReader::ParsePreamble(const char* data, int64_t size, bool at_eof,
                                         FileCursor* cursor) {
  int64_t skip = 0;
  if (cursor->offset == 0) {
    static constexpr char kBom[] = "\xEF\xBB\xBF";
    const int64_t n = std::min<int64_t>(size, 3);
    if (std::memcmp(data, kBom, static_cast<size_t>(n)) == 0) {
      if (n < 3 && !at_eof) return false;
      if (n == 3) skip = 3;
    }
  }
  cursor->offset += skip;
  cursor->started = true;
  return true;
}

Result<int64_t> NdjsonReader::ParseRecords(const char* data, int64_t size, bool at_eof,
                                        int64_t max_rows, FileCursor* cursor) {
  int64_t pos = 0;
  int64_t line = cursor->line;
  while (pos < size && pending_rows() < max_rows) {
    const void* nl = std::memchr(data + pos, '\n', static_cast<size_t>(size - pos));
    int64_t end, next;
    if (nl == nullptr) {
      if (!at_eof) break;
      end = next = size;
    } else {
      end = static_cast<const char*>(nl) - data;
      next = end + 1;
    }
    int64_t len = end - pos;
    if (len > 0 && data[end - 1] == '\r') --len;
    const char* p = data + pos;
    if (!IsBlankLine(p, static_cast<size_t>(len))) {
      const int64_t row = pending_rows();
      const size_t capacity = static_cast<size_t>(size - pos + kReadPadding);
      if (!impl_->ParseLine(this, p, static_cast<size_t>(len), capacity)) {
        MarkBad(row);
        reporter_->Report(cursor->file, line, std::string_view(p, static_cast<size_t>(len)),
                          std::move(impl_->error));
      }
    }
    pos = next;
    if (nl != nullptr) ++line;
  }
  cursor->offset += pos;
  cursor->line = line;
  return pos;
}

Result<SchemaPtr> NdjsonReader::InferSchema(const char* data, int64_t size, bool at_eof,
                                            const std::string& file, int max_lines) {
  od::parser parser;
  std::vector<std::string> names;
  std::vector<TypeGuess> guesses;
  int64_t pos = (size >= 3 && std::memcmp(data, "\xEF\xBB\xBF", 3) == 0) ? 3 : 0;
  int lines = 0;
  while (pos < size && lines < max_lines) {
    const void* nl = std::memchr(data + pos, '\n', static_cast<size_t>(size - pos));
    if (nl == nullptr && !at_eof) break;
    const int64_t end = nl ? static_cast<const char*>(nl) - data : size;
    const char* p = data + pos;
    const size_t len = static_cast<size_t>(end - pos);
    const size_t capacity = static_cast<size_t>(size - pos + kReadPadding);
    pos = end + 1;
    if (IsBlankLine(p, len)) continue;
    ++lines;
    od::document doc;
    od::object obj;
    if (parser.iterate(p, len, capacity).get(doc) || doc.get_object().get(obj)) continue;
    for (auto fr : obj) {
      od::field field;
      std::string_view key;
      if (std::move(fr).get(field) || field.unescaped_key().get(key)) break;
      size_t c = 0;
      while (c < names.size() && names[c] != key) ++c;
      if (c == names.size()) {
        names.emplace_back(key);
        guesses.emplace_back();
      }
      od::value v = field.value();
      od::json_type t;
      if (v.type().get(t)) break;
      switch (t) {
        case od::json_type::null: break;
        case od::json_type::boolean: guesses[c].ObserveJsonBool(); break;
        case od::json_type::number: {
          int64_t x;
          if (ParseInt64Text(TrimRight(v.raw_json_token()), &x)) {
            guesses[c].ObserveJsonInt();
          } else {
            guesses[c].ObserveJsonDouble();
          }
          break;
        }
        case od::json_type::string: {
          std::string_view s;
          if (v.get_string().get(s)) break;
          guesses[c].ObserveJsonString(s);
          break;
        }
        default: guesses[c].ObserveJsonOther(); break;
      }
    }
  }
  if (names.empty()) {
    return Status::Invalid(file + ": cannot infer columns: no JSON object with keys in the first " +
                           std::to_string(max_lines) + " lines; declare 'columns'");
  }
  std::vector<Field> fields;
  for (size_t c = 0; c < names.size(); ++c) fields.push_back(Field{names[c], guesses[c].Result(), true});
  return MakeSchema(std::move(fields));
}

}  // namespace sluice::connectors
