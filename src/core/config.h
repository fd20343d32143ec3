// ConfigValue: a configuration tree (maps, lists, scalars) that remembers where each
// value was written, and OptionReader: typed, validated access to one map of options
// that reports every problem with its location and flags keys nobody asked for.
//
// The project loader builds ConfigValue trees from YAML (and later from SQL WITH
// clauses); connectors read their options through OptionReader, so every component
// validates its options the same way and a typo always gets a "did you mean".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"

namespace sluice {

struct ConfigEntry;

class ConfigValue {
 public:
  enum class Kind { kNull, kScalar, kList, kMap };

  Kind kind = Kind::kNull;
  SourceLocation location;
  std::string scalar;                // kScalar: the text, after ${ENV} substitution
  bool secret = false;               // kScalar: the text came from an environment variable
  std::vector<ConfigValue> items;    // kList
  std::vector<ConfigEntry> entries;  // kMap, in file order

  bool is_map() const { return kind == Kind::kMap; }
  bool is_list() const { return kind == Kind::kList; }
  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_null() const { return kind == Kind::kNull; }
  // The entry's value for `key` in a map, or nullptr.
  const ConfigValue* Find(std::string_view key) const;
  const char* KindName() const;

  static ConfigValue Scalar(std::string text, SourceLocation where = {});
  static ConfigValue Map(SourceLocation where = {});
  // Adds an entry to a map (for building trees in code and tests).
  ConfigValue& Set(std::string key, ConfigValue value);
};

struct ConfigEntry {
  std::string key;
  SourceLocation key_location;
  ConfigValue value;
};

class OptionReader {
 public:
  // `map` must outlive the reader. A non-map value is reported once, and every
  // getter then returns its fallback. `diag` must outlive the reader.
  OptionReader(const ConfigValue& map, Diagnostics* diag);

  bool Has(std::string_view key) const { return map_.Find(key) != nullptr; }
  std::string String(std::string_view key, std::string fallback);
  // Reports "missing required key" at the map when absent; returns "" then.
  std::string RequiredString(std::string_view key, std::string_view hint = "");
  std::optional<std::string> OptionalString(std::string_view key);
  int64_t Int(std::string_view key, int64_t fallback, int64_t min, int64_t max);
  double Double(std::string_view key, double fallback, double min, double max);
  bool Bool(std::string_view key, bool fallback);
  // A duration ("30s", "250ms"), in microseconds.
  int64_t Duration(std::string_view key, int64_t fallback_micros);
  // One of `allowed` (exact match); otherwise reported with a suggestion.
  std::string Enum(std::string_view key, std::string fallback,
                   const std::vector<std::string>& allowed);
  // A list of scalars; a single scalar counts as a list of one.
  std::vector<std::string> StringList(std::string_view key);
  // The raw value for nested structures (marked as used), or nullptr.
  const ConfigValue* Node(std::string_view key);

  // Where `key`'s value was written (the map's location when absent).
  SourceLocation LocationOf(std::string_view key) const;
  const SourceLocation& location() const { return map_.location; }
  void Error(std::string_view key, std::string message, std::string hint = "");
  Diagnostics* diagnostics() { return diag_; }

  // Reports every key of the map that no getter asked for:
  // "unknown key 'sinks' (did you mean 'sink'?)". Call once, after reading all options.
  void Finish();

 private:
  const ConfigValue* Use(std::string_view key, bool want_scalar);

  const ConfigValue& map_;
  Diagnostics* diag_;
  std::vector<std::string> known_;
  bool valid_map_;
};

// A size: a whole number of bytes, or one with a unit B, KB, MB, GB (powers of 1024,
// case-insensitive, "256MB", "1.5GB"). -1 when malformed.
int64_t ParseByteSize(const std::string& text);

}  // namespace sluice
