// Lexer: template text -> tokens. Data between tags becomes one kData token (with Jinja's
// whitespace control already applied: `{%-`, `-%}`, `{{-`, `-}}`, `{#-`, `-#}` strip all
// whitespace, newlines included, on their side). Comments are dropped; `{% raw %}` bodies
// become kData. Jinja2 defaults: trim_blocks and lstrip_blocks off, line endings normalised
// to "\n", and one trailing newline at the end of the template removed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sluice::transform {

enum class TokenKind {
  kData,        // literal template text
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,        // identifier (keywords too: if, for, in, not, ...)
  kString,      // text holds the unescaped value
  kInt,
  kFloat,
  kOperator,  // text holds the operator: + - * / // % ** ~ == != < <= > >= = ( ) [ ] { } , . : |
  kEof,
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  std::string text;
  int64_t int_value = 0;
  double float_value = 0.0;
  int line = 1;    // 1-based, of the token's first character
  int column = 1;  // 1-based byte column
};

// Tokenizes `source`. Errors (kParseError, "file:line:col: error: ..."): unterminated string,
// comment, raw block or tag (reported at its opening), an unexpected character, an integer
// literal out of int64 range. The last token is always kEof.
Result<std::vector<Token>> Tokenize(std::string_view source, const std::string& file);

}  // namespace sluice::transform
