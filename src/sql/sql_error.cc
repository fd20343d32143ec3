#include "sql/sql_error.h"

namespace sluice::sql {

namespace {

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

std::string FormatSqlError(std::string_view script, const std::string& file, int line, int column,
                           const std::string& message) {
  std::string out = file;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  out += ": error: " + message;
  if (line <= 0) return out;
  // Find the line.
  size_t start = 0;
  for (int l = 1; l < line; ++l) {
    const size_t nl = script.find('\n', start);
    if (nl == std::string_view::npos) return out;
    start = nl + 1;
  }
  size_t end = script.find('\n', start);
  if (end == std::string_view::npos) end = script.size();
  std::string_view text = script.substr(start, end - start);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  out += "\n  ";
  out += text;
  if (column <= 0) return out;
  out += "\n  ";
  int col = 1;
  for (size_t i = 0; i < text.size() && col < column; ++i) {
    if (IsContinuationByte(text[i])) continue;
    out += text[i] == '\t' ? '\t' : ' ';
    ++col;
  }
  for (; col < column; ++col) out += ' ';
  out += '^';
  return out;
}

std::string ErrorContext::Where(SourcePos pos) const {
  std::string out = file;
  if (pos.line > 0) out += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
  return out;
}

}  // namespace sluice::sql
