#include "core/config.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "core/time.h"

namespace sluice {

const ConfigValue* ConfigValue::Find(std::string_view key) const {
  for (const auto& e : entries) {
    if (e.key == key) return &e.value;
  }
  return nullptr;
}

const char* ConfigValue::KindName() const {
  switch (kind) {
    case Kind::kNull: return "nothing";
    case Kind::kScalar: return "a value";
    case Kind::kList: return "a list";
    case Kind::kMap: return "a map";
  }
  return "?";
}

ConfigValue ConfigValue::Scalar(std::string text, SourceLocation where) {
  ConfigValue v;
  v.kind = Kind::kScalar;
  v.scalar = std::move(text);
  v.location = std::move(where);
  return v;
}

ConfigValue ConfigValue::Map(SourceLocation where) {
  ConfigValue v;
  v.kind = Kind::kMap;
  v.location = std::move(where);
  return v;
}

ConfigValue& ConfigValue::Set(std::string key, ConfigValue value) {
  kind = Kind::kMap;
  SourceLocation where = value.location;
  entries.push_back(ConfigEntry{std::move(key), std::move(where), std::move(value)});
  return entries.back().value;
}

OptionReader::OptionReader(const ConfigValue& map, Diagnostics* diag)
    : map_(map), diag_(diag), valid_map_(map.is_map()) {
  if (!valid_map_) {
    diag_->Error(map.location, std::string("expected a map of options, found ") + map.KindName(),
                 "write 'key: value' lines");
  }
}

const ConfigValue* OptionReader::Use(std::string_view key, bool want_scalar) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
  if (!valid_map_) return nullptr;
  const ConfigValue* v = map_.Find(key);
  if (v == nullptr || v->is_null()) return nullptr;
  if (want_scalar && !v->is_scalar()) {
    diag_->Error(v->location,
                 "'" + std::string(key) + "' must be a single value, found " + v->KindName());
    return nullptr;
  }
  return v;
}

std::string OptionReader::String(std::string_view key, std::string fallback) {
  const ConfigValue* v = Use(key, true);
  return v ? v->scalar : std::move(fallback);
}

std::optional<std::string> OptionReader::OptionalString(std::string_view key) {
  const ConfigValue* v = Use(key, true);
  if (!v) return std::nullopt;
  return v->scalar;
}

std::string OptionReader::RequiredString(std::string_view key, std::string_view hint) {
  const ConfigValue* v = Use(key, true);
  if (v) return v->scalar;
  if (valid_map_ && map_.Find(key) == nullptr) {
    diag_->Error(map_.location, "missing required key '" + std::string(key) + "'",
                 std::string(hint));
  }
  return "";
}

int64_t OptionReader::Int(std::string_view key, int64_t fallback, int64_t min, int64_t max) {
  const ConfigValue* v = Use(key, true);
  if (!v) return fallback;
  errno = 0;
  char* end = nullptr;
  const long long n = std::strtoll(v->scalar.c_str(), &end, 10);
  if (v->scalar.empty() || *end != '\0' || errno == ERANGE) {
    diag_->Error(v->location, "'" + std::string(key) + "' must be an integer, found '" +
                                  (v->secret ? "<secret>" : v->scalar) + "'");
    return fallback;
  }
  if (n < min || n > max) {
    diag_->Error(v->location, "'" + std::string(key) + "' is " + std::to_string(n) +
                                  ", outside the allowed range",
                 "use a value from " + std::to_string(min) + " to " + std::to_string(max));
    return fallback;
  }
  return n;
}

double OptionReader::Double(std::string_view key, double fallback, double min, double max) {
  const ConfigValue* v = Use(key, true);
  if (!v) return fallback;
  char* end = nullptr;
  const double d = std::strtod(v->scalar.c_str(), &end);
  if (v->scalar.empty() || *end != '\0') {
    diag_->Error(v->location, "'" + std::string(key) + "' must be a number, found '" +
                                  (v->secret ? "<secret>" : v->scalar) + "'");
    return fallback;
  }
  if (d < min || d > max) {
    diag_->Error(v->location, "'" + std::string(key) + "' is " + v->scalar +
                                  ", outside the allowed range",
                 "use a value from " + std::to_string(min) + " to " + std::to_string(max));
    return fallback;
  }
  return d;
}

bool OptionReader::Bool(std::string_view key, bool fallback) {
  const ConfigValue* v = Use(key, true);
  if (!v) return fallback;
  const std::string& s = v->scalar;
  if (s == "true" || s == "yes" || s == "on" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "no" || s == "off" || s == "False" || s == "FALSE") return false;
  diag_->Error(v->location, "'" + std::string(key) + "' must be true or false, found '" + s + "'");
  return fallback;
}

int64_t OptionReader::Duration(std::string_view key, int64_t fallback_micros) {
  const ConfigValue* v = Use(key, true);
  if (!v) return fallback_micros;
  Result<int64_t> d = ParseDuration(v->scalar);
  if (!d.ok()) {
    diag_->Error(v->location, "'" + std::string(key) + "': " + d.status().message());
    return fallback_micros;
  }
  return *d;
}

std::string OptionReader::Enum(std::string_view key, std::string fallback,
                               const std::vector<std::string>& allowed) {
  const ConfigValue* v = Use(key, true);
  if (!v) return fallback;
  if (std::find(allowed.begin(), allowed.end(), v->scalar) != allowed.end()) return v->scalar;
  diag_->Error(v->location, "'" + std::string(key) + "' has unknown value '" + v->scalar + "'",
               SuggestionHint(v->scalar, allowed));
  return fallback;
}

std::vector<std::string> OptionReader::StringList(std::string_view key) {
  const ConfigValue* v = Use(key, false);
  std::vector<std::string> out;
  if (!v) return out;
  if (v->is_scalar()) {
    out.push_back(v->scalar);
  } else if (v->is_list()) {
    for (const auto& item : v->items) {
      if (item.is_scalar()) {
        out.push_back(item.scalar);
      } else {
        diag_->Error(item.location, "'" + std::string(key) + "' must list plain values, found " +
                                        item.KindName());
      }
    }
  } else {
    diag_->Error(v->location, "'" + std::string(key) + "' must be a list, found " + v->KindName());
  }
  return out;
}

const ConfigValue* OptionReader::Node(std::string_view key) { return Use(key, false); }

SourceLocation OptionReader::LocationOf(std::string_view key) const {
  const ConfigValue* v = valid_map_ ? map_.Find(key) : nullptr;
  return v ? v->location : map_.location;
}

void OptionReader::Error(std::string_view key, std::string message, std::string hint) {
  diag_->Error(LocationOf(key), std::move(message), std::move(hint));
}

void OptionReader::Finish() {
  if (!valid_map_) return;
  for (const auto& e : map_.entries) {
    if (std::find(known_.begin(), known_.end(), e.key) != known_.end()) continue;
    diag_->Error(e.key_location, "unknown key '" + e.key + "'", SuggestionHint(e.key, known_));
  }
}

int64_t ParseByteSize(const std::string& text) {
  size_t i = 0;
  const auto digit = [&](size_t at) {
    return std::isdigit(static_cast<unsigned char>(text[at])) || text[at] == '.';
  };
  while (i < text.size() && digit(i)) ++i;
  if (i == 0) return -1;
  double number = 0;
  try {
    size_t used = 0;
    number = std::stod(text.substr(0, i), &used);
    if (used != i) return -1;
  } catch (const std::exception&) {
    return -1;
  }
  size_t u = i;
  while (u < text.size() && text[u] == ' ') ++u;
  std::string unit;
  for (; u < text.size(); ++u) {
    unit += static_cast<char>(std::toupper(static_cast<unsigned char>(text[u])));
  }
  double scale = 0;
  if (unit.empty() || unit == "B") {
    scale = 1;
  } else if (unit == "KB" || unit == "K" || unit == "KIB") {
    scale = 1024.0;
  } else if (unit == "MB" || unit == "M" || unit == "MIB") {
    scale = 1024.0 * 1024;
  } else if (unit == "GB" || unit == "G" || unit == "GIB") {
    scale = 1024.0 * 1024 * 1024;
  } else {
    return -1;
  }
  const double bytes = number * scale;
  if (!(bytes < 9.0e18)) return -1;
  return static_cast<int64_t>(bytes);
}

}  // namespace sluice
