// Parser: tokens -> TemplateBody (AST). Recursive descent following Jinja2's grammar and
// operator precedence (lowest first): `x if c else y`, or, and, not, comparisons (chained,
// in, not in), + -, ~, * / // %, **, unary - +, then postfix (.attr, [sub], (call)) with
// filters `|f` and tests `is t` binding tightest.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "transform/jinja_ast.h"

namespace sluice::transform {

struct ParseOptions {
  // Nesting deeper than this (parentheses, brackets, blocks) is refused with an error instead
  // of exhausting the stack.
  int max_nesting = 200;
};

// Lexes and parses `source`. Errors are kParseError with "file:line:col: error: ...": syntax
// errors at the offending token, unclosed blocks at the opening tag, unknown tags with a
// did-you-mean.
Result<std::shared_ptr<const TemplateBody>> ParseTemplate(std::string_view source,
                                                          const std::string& file,
                                                          const ParseOptions& options = {});

}  // namespace sluice::transform
