#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "transform/jinja_filters.h"

// JSON output for the tojson filter; declared in jinja_filters.h.
namespace sluice::transform {

namespace {

void JsonString(std::string_view s, std::string* out) {
  *out += '"';
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp = c;
    size_t n = 1;
    if (c >= 0xF0) {
      n = 4;
      cp = c & 0x07;
    } else if (c >= 0xE0) {
      n = 3;
      cp = c & 0x0F;
    } else if (c >= 0xC0) {
      n = 2;
      cp = c & 0x1F;
    }
    if (i + n > s.size()) n = 1;
    for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += n;
    char buf[16];
    switch (cp) {
      case '"':
        *out += "\\\"";
        continue;
      case '\\':
        *out += "\\\\";
        continue;
      case '\n':
        *out += "\\n";
        continue;
      case '\r':
        *out += "\\r";
        continue;
      case '\t':
        *out += "\\t";
        continue;
      case '\b':
        *out += "\\b";
        continue;
      case '\f':
        *out += "\\f";
        continue;
      default:
        break;
    }
    // Jinja's htmlsafe_json_dumps escapes <, >, & and ' so the JSON is safe in HTML.
    if (cp < 0x20 || cp >= 0x7f || cp == '<' || cp == '>' || cp == '&' || cp == '\'') {
      if (cp >= 0x10000) {
        const uint32_t v = cp - 0x10000;
        std::snprintf(buf, sizeof(buf), "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
      } else {
        std::snprintf(buf, sizeof(buf), "\\u%04x", cp);
      }
      *out += buf;
    } else {
      *out += static_cast<char>(cp);
    }
  }
  *out += '"';
}

Status JsonValue(const Value& v, std::string* out, int depth) {
  if (depth > 100)
    return Status::Invalid("tojson: value is nested too deeply (or refers to itself)");
  switch (v.kind()) {
    case Value::Kind::kNone:
      *out += "null";
      return Status::OK();
    case Value::Kind::kBool:
      *out += v.as_bool() ? "true" : "false";
      return Status::OK();
    case Value::Kind::kInt:
      *out += std::to_string(v.as_int());
      return Status::OK();
    case Value::Kind::kFloat: {
      const double d = v.as_float();
      if (std::isnan(d)) {
        *out += "NaN";
      } else if (std::isinf(d)) {
        *out += d > 0 ? "Infinity" : "-Infinity";
      } else {
        *out += FormatFloat(d);
      }
      return Status::OK();
    }
    case Value::Kind::kString:
      JsonString(v.as_string(), out);
      return Status::OK();
    case Value::Kind::kList: {
      *out += '[';
      bool first = true;
      for (const auto& item : v.as_list()) {
        if (!first) *out += ", ";
        first = false;
        SLUICE_RETURN_NOT_OK(JsonValue(item, out, depth + 1));
      }
      *out += ']';
      return Status::OK();
    }
    case Value::Kind::kDict: {
      std::vector<std::pair<std::string, const Value*>> entries;
      for (const auto& [k, val] : v.as_dict().entries()) {
        if (!k.is_string() && !k.is_number() && !k.is_bool() && !k.is_none()) {
          return Status::Invalid("tojson: dict keys must be strings or numbers");
        }
        entries.emplace_back(k.is_string() ? k.as_string()
                             : k.is_none() ? "null"
                             : k.is_bool() ? (k.as_bool() ? "true" : "false")
                                           : k.ToString(),
                             &val);
      }
      std::stable_sort(entries.begin(), entries.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      *out += '{';
      bool first = true;
      for (const auto& [k, val] : entries) {
        if (!first) *out += ", ";
        first = false;
        JsonString(k, out);
        *out += ": ";
        SLUICE_RETURN_NOT_OK(JsonValue(*val, out, depth + 1));
      }
      *out += '}';
      return Status::OK();
    }
    default:
      return Status::Invalid("tojson: a '" + std::string(v.TypeName()) +
                             "' cannot be written as JSON");
  }
}

}  // namespace

Result<std::string> ToJson(const Value& v) {
  std::string out;
  SLUICE_RETURN_NOT_OK(JsonValue(v, &out, 0));
  return out;
}

}  // namespace sluice::transform
