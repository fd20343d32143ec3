// Rendering of SQL errors: "file:line:col: error: message", the offending line and a
// caret under the token, as compilers print them.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace sluice::sql {

// A position in a script: 1-based line and column (columns count characters, not
// bytes) and the 0-based byte offset. line == 0 means unknown.
struct SourcePos {
  int line = 0;
  int column = 0;
  int offset = 0;
};

// Formats `message` at line:column of `script`:
//   file:3:8: error: unknown column 'totl' ...
//     SELECT totl FROM shop.orders
//            ^
// The quoted line keeps its tabs so the caret lines up. With line <= 0 or a line past
// the end of the script only the first line is produced.
std::string FormatSqlError(std::string_view script, const std::string& file, int line, int column,
                           const std::string& message);

// Where errors of one script are reported: the script text and its file name.
struct ErrorContext {
  std::string_view script;
  std::string file;

  // A ParseError / Invalid / NotImplemented status whose message is already formatted.
  Status ParseError(SourcePos pos, const std::string& message) const {
    return Status::ParseError(Format(pos, message));
  }
  Status Invalid(SourcePos pos, const std::string& message) const {
    return Status::Invalid(Format(pos, message));
  }
  Status NotSupported(SourcePos pos, const std::string& feature) const {
    return Status::NotImplemented(Format(pos, feature + " is not supported yet"));
  }
  std::string Format(SourcePos pos, const std::string& message) const {
    return FormatSqlError(script, file, pos.line, pos.column, message);
  }
  // "file:line:col" (for runtime errors that do not quote the line).
  std::string Where(SourcePos pos) const;
};

}  // namespace sluice::sql
