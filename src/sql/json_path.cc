#include "sql/json_path.h"

#include <cctype>

namespace sluice::sql {

namespace {

void AppendToken(std::string_view key, std::string* out) {
  *out += '/';
  for (char c : key) {
    if (c == '~') {
      *out += "~0";
    } else if (c == '/') {
      *out += "~1";
    } else {
      *out += c;
    }
  }
}

Status PathError(std::string_view path, size_t at, const std::string& what) {
  return Status::Invalid("invalid JSON path '" + std::string(path) + "' at character " +
                         std::to_string(at + 1) + ": " + what +
                         "; write e.g. '$.a.b[0]' or '$[\"key with spaces\"]'");
}

}  // namespace

Result<std::string> JsonPathToPointer(std::string_view path) {
  std::string out;
  if (path.empty() || path[0] != '$') {
    AppendToken(path, &out);
    return out;
  }
  size_t i = 1;
  while (i < path.size()) {
    if (path[i] == '.') {
      size_t j = i + 1;
      while (j < path.size() && path[j] != '.' && path[j] != '[') ++j;
      if (j == i + 1) return PathError(path, i, "expected a key after '.'");
      const std::string_view key = path.substr(i + 1, j - i - 1);
      if (key == "*") return PathError(path, i + 1, "wildcards are not supported");
      AppendToken(key, &out);
      i = j;
    } else if (path[i] == '[') {
      if (i + 1 < path.size() && (path[i + 1] == '"' || path[i + 1] == '\'')) {
        const char q = path[i + 1];
        const size_t close = path.find(q, i + 2);
        if (close == std::string_view::npos || close + 1 >= path.size() || path[close + 1] != ']') {
          return PathError(path, i, "unterminated quoted key");
        }
        AppendToken(path.substr(i + 2, close - i - 2), &out);
        i = close + 2;
        continue;
      }
      size_t j = i + 1;
      while (j < path.size() && std::isdigit(static_cast<unsigned char>(path[j]))) ++j;
      if (j == i + 1 || j >= path.size() || path[j] != ']') {
        return PathError(path, i, "expected an array index [N] with N >= 0");
      }
      AppendToken(path.substr(i + 1, j - i - 1), &out);
      i = j + 1;
    } else {
      return PathError(path, i, "expected '.' or '['");
    }
  }
  return out;
}

Result<std::string> JsonIndexToPointer(int64_t index) {
  if (index < 0) return Status::Invalid("JSON array index must not be negative, not " + std::to_string(index));
  return "/" + std::to_string(index);
}

}  // namespace sluice::sql
