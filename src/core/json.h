// Minimal JSON writing helpers shared by every component that emits JSON text (logs,
// NDJSON sinks, CLI output, bad-record files). Reading JSON uses simdjson.
#pragma once

#include <string>
#include <string_view>

namespace sluice {

// Appends `s` as a JSON string literal (with quotes), escaping quotes, backslashes and
// control characters; bytes >= 0x80 are copied as-is (UTF-8 passes through).
void AppendJsonString(std::string* out, std::string_view s);
inline std::string JsonString(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

}  // namespace sluice
