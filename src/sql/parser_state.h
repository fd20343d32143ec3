// Internal to the parser (parser.cc, parser_expr.cc): the token cursor and the
// recursive-descent methods. Not part of the module's API.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sql/ast.h"
#include "sql/lexer.h"

namespace sluice::sql {

class Parser {
 public:
  Parser(const ErrorContext& ctx, std::vector<Token> tokens)
      : ctx_(ctx), tokens_(std::move(tokens)) {}

  // Token at `k` from the cursor (negative looks back); past the end is the kEnd token.
  const Token& Peek(int k = 0) const {
    const long i = static_cast<long>(pos_) + k;
    if (i < 0) return tokens_.front();
    if (i >= static_cast<long>(tokens_.size())) return tokens_.back();
    return tokens_[static_cast<size_t>(i)];
  }
  void Advance() {
    if (pos_ + 1 < tokens_.size()) ++pos_;
  }
  bool AtStatementEnd() const;
  void SkipToStatementEnd();

  Result<Statement> ParseStatement();
  Result<std::shared_ptr<SelectStmt>> ParseSelectBody();
  // SELECT ... [UNION ALL SELECT ...]: the query of a statement or a subquery.
  Result<std::shared_ptr<const SelectStmt>> ParseQuery();
  // Parses operators that bind tighter than `min_prec` (0 = a whole expression).
  Result<ParsedExprPtr> ParseExpr(int min_prec);

  Status Error(const Token& at, const std::string& message) const;

 private:
  Status Expect(std::string_view op);
  Status ExpectKeyword(std::string_view kw);
  static bool IsReserved(const Token& t);
  Result<Identifier> ParseIdentifier(const char* what);
  // A FROM clause: items joined with [INNER|LEFT [OUTER]] JOIN ... ON.
  Result<TableRef> ParseFrom();
  Result<TableRef> ParseTableRef();
  // CREATE MATERIALIZED VIEW v WITH (k = v, ...): cursor on '('.
  Status ParseOptions(Statement* st);
  Status ParseCreateSource(Statement* st);
  Status ParseStreamName(TableRef* ref);
  Status ParseWindowCall(TableRef* ref);
  Result<SelectItem> ParseSelectItem();
  Status CheckUnsupportedAfterFrom();

  Result<ParsedExprPtr> ParsePrefix();
  Result<ParsedExprPtr> ParsePrimary();
  Result<ParsedExprPtr> ParseNumber();
  Result<ParsedExprPtr> ParseTypedLiteral();
  Result<ParsedExprPtr> ParseCase();
  Result<ParsedExprPtr> ParseCast();
  Result<ParsedExprPtr> ParseFunction();
  Result<ParsedExprPtr> ParseColumnRef();
  Result<std::unique_ptr<OverClause>> ParseOver();
  Status ParseFrame(OverClause* over);
  // Infix/postfix operator at the cursor applied to `left`.
  Result<ParsedExprPtr> ParseInfix(ParsedExprPtr left, int prec);
  // Operators that are function calls (~, ~*, !~, !~*, ->, ->>); cursor on the operator.
  Result<ParsedExprPtr> ParseFunctionOperator(ParsedExprPtr left, int prec);
  // The rest of EXTRACT(field FROM expr) after '('.
  Result<ParsedExprPtr> ParseExtract(ParsedExprPtr e);
  Result<DataType> ParseTypeName();
  // Precedence of the infix operator at the cursor, 0 if none.
  int InfixPrecedence() const;

  ParsedExprPtr NewExpr(ExprKind kind, const Token& at) const {
    auto e = std::make_unique<ParsedExpr>();
    e->kind = kind;
    e->pos = at.pos;
    e->begin = at.pos.offset;
    e->end = at.end;
    return e;
  }
  // Sets e->end to the end of the last consumed token.
  void Close(ParsedExpr* e) const { e->end = Peek(-1).end; }

  const ErrorContext& ctx_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

}  // namespace sluice::sql
