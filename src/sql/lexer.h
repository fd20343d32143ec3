// Lexer: splits a SQL script into tokens, each with its position.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "sql/sql_error.h"

namespace sluice::sql {

enum class TokenKind {
  kEnd,               // end of the script (always the last token)
  kIdentifier,        // name or keyword, as written
  kQuotedIdentifier,  // "Name" with "" unescaped; never a keyword, case-sensitive
  kInteger,           // 123
  kDecimal,           // 12.50, .5, 3.
  kFloat,             // 1e3, 1.5E-3
  kString,            // 'it''s' with '' unescaped
  kOperator,          // ( ) , . ; * + - / % || = <> != < <= > >= :: [ ] ^
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;  // unescaped for strings and quoted identifiers
  SourcePos pos;     // of the first character
  int end = 0;       // byte offset one past the token

  // True for an unquoted identifier equal to `keyword` ignoring ASCII case.
  bool IsKeyword(std::string_view keyword) const;
  bool IsOperator(std::string_view op) const { return kind == TokenKind::kOperator && text == op; }
  // How the token reads in messages: "keyword FROM", "'abc'", "end of input", ...
  std::string Describe() const;
};

// Tokenizes `script`, skipping whitespace, `-- line` and `/* block */` comments
// (block comments nest, as in PostgreSQL). Fails with a formatted ParseError at the
// offending position for an unterminated string, quoted identifier or comment, or a
// character that starts no token.
Result<std::vector<Token>> Tokenize(const ErrorContext& ctx);

}  // namespace sluice::sql
