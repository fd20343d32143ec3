// Minimal JSON writing helpers shared by every component that emits JSON text (logs,
// NDJSON sinks, CLI output, bad-record files). Reading JSON uses simdjson.
#pragma once

#include <string>
#include <string_view>

#include "core/column.h"

namespace sluice {

// Appends `s` as a JSON string literal (with quotes), escaping quotes, backslashes and
// control characters; bytes >= 0x80 are copied as-is (UTF-8 passes through).
void AppendJsonString(std::string* out, std::string_view s);
// Appends row i of `col` as a JSON value: null, true/false, numbers (DECIMAL with exact
// digits; NaN and infinities as the strings "NaN", "Infinity", "-Infinity"), everything
// else a JSON string (timestamps as "2024-01-01T00:00:00.123456Z").
void AppendJsonCell(const Column& col, int64_t i, std::string* out);
inline std::string JsonString(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

}  // namespace sluice
