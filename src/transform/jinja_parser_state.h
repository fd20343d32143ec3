// The template parser's state and grammar, shared by jinja_parser.cc (statements) and
// jinja_parser_expr.cc (expressions). Internal to the transform module: use ParseTemplate.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "transform/jinja_ast.h"
#include "transform/jinja_error.h"
#include "transform/jinja_lexer.h"
#include "transform/jinja_parser.h"

namespace sluice::transform::internal {

// How a token reads in "expected X, found Y" messages.
std::string DescribeToken(const Token& t);

// Recursive-descent parser over a token vector. One use: construct, then Run().
class Parser {
 public:
  Parser(std::vector<Token> tokens, std::shared_ptr<const std::string> file,
         const ParseOptions& options)
      : tokens_(std::move(tokens)), file_(std::move(file)), options_(options) {}

  Result<std::shared_ptr<const TemplateBody>> Run() {
    auto body = std::make_shared<TemplateBody>();
    body->file = file_;
    std::string end;
    SLUICE_RETURN_NOT_OK(Subparse({}, nullptr, &body->nodes, &end));
    return std::shared_ptr<const TemplateBody>(std::move(body));
  }

 private:
  // ---- token helpers ----
  const Token& Cur() const { return tokens_[pos_]; }
  const Token& Peek(size_t n = 1) const { return tokens_[std::min(pos_ + n, tokens_.size() - 1)]; }
  void Advance() {
    if (pos_ + 1 < tokens_.size()) ++pos_;
  }
  bool IsOp(std::string_view op) const {
    return Cur().kind == TokenKind::kOperator && Cur().text == op;
  }
  bool IsName(std::string_view name) const {
    return Cur().kind == TokenKind::kName && Cur().text == name;
  }
  bool AcceptOp(std::string_view op) {
    if (!IsOp(op)) return false;
    Advance();
    return true;
  }
  SourceLocation Loc(int line, int column) const { return SourceLocation{*file_, line, column}; }
  Status ErrorAt(const Token& t, const std::string& msg, const std::string& hint = "") const {
    return TemplateError(StatusCode::kParseError, Loc(t.line, t.column), msg, hint);
  }
  Status Unexpected(const std::string& expected) const {
    return ErrorAt(Cur(), "expected " + expected + ", found " + DescribeToken(Cur()));
  }
  Status ExpectOp(std::string_view op) {
    if (!AcceptOp(op)) return Unexpected("'" + std::string(op) + "'");
    return Status::OK();
  }
  Status ExpectBlockEnd() {
    if (Cur().kind != TokenKind::kBlockEnd) return Unexpected("'%}'");
    Advance();
    return Status::OK();
  }
  Result<std::string> ExpectName(const std::string& what) {
    if (Cur().kind != TokenKind::kName) return Unexpected(what);
    std::string name = Cur().text;
    Advance();
    return name;
  }

  // RAII nesting counter: refuses templates nested deeper than options_.max_nesting.
  class DepthGuard {
   public:
    explicit DepthGuard(Parser* p) : p_(p) { ++p_->depth_; }
    ~DepthGuard() { --p_->depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;

   private:
    Parser* p_;
  };
  Status CheckDepth() const {
    if (depth_ > options_.max_nesting) {
      return ErrorAt(Cur(), "template is nested too deeply (more than " +
                                std::to_string(options_.max_nesting) + " levels)");
    }
    return Status::OK();
  }

  ExprPtr NewExpr(ExprKind kind, const Token& at) const {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = at.line;
    e->column = at.column;
    return e;
  }
  ExprPtr NewExprAt(ExprKind kind, const Expr& at) const {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = at.line;
    e->column = at.column;
    return e;
  }
  // Computes e's height from its children; refuses trees taller than the nesting budget
  // (long operator chains such as 1+1+...+1 build deep trees without parentheses).
  Result<ExprPtr> Finish(ExprPtr e) {
    int depth = 0;
    for (const auto& c : e->children) {
      if (c) depth = std::max(depth, c->depth);
    }
    for (const auto& kv : e->kwargs) depth = std::max(depth, kv.second->depth);
    e->depth = depth + 1;
    if (e->depth > options_.max_nesting * 4) {
      return TemplateError(StatusCode::kParseError, Loc(e->line, e->column),
                           "expression is too deeply nested (more than " +
                               std::to_string(options_.max_nesting * 4) + " levels)",
                           "split it with {% set %}");
    }
    return e;
  }
  // A binary node located at its operator, where errors about it point.
  Result<ExprPtr> Binary(ExprKind kind, std::string op, const Token& at, ExprPtr left,
                         ExprPtr right) {
    ExprPtr e = NewExpr(kind, at);
    e->name = std::move(op);
    e->children.push_back(std::move(left));
    e->children.push_back(std::move(right));
    return Finish(std::move(e));
  }

  // ---- statements (jinja_parser.cc) ----

  // Parses nodes until a `{% <end> %}` tag with <end> in `ends` (returned in *end with the
  // cursor on the tag name's following token) or the end of the template (allowed only when
  // `opener` is null).
  Status Subparse(std::initializer_list<std::string_view> ends, const Token* opener, NodeList* out,
                  std::string* end);
  Status ParseStatement(const Token& tag, const Token* opener,
                        std::initializer_list<std::string_view> ends, NodeList* out);
  Status ParseIf(const Token& tag, Node* n);
  Status ParseTargets(std::vector<std::string>* targets);
  Status ParseFor(const Token& tag, Node* n);
  Status ParseSet(const Token& tag, Node* n);
  Status ParseParams(std::vector<MacroParam>* params);
  Status ParseMacro(const Token& tag, Node* n);
  Status ParseCallBlock(const Token& tag, Node* n);

  // ---- expressions (jinja_parser_expr.cc) ----

  // One expression, or several separated by commas (a tuple without parentheses).
  Result<ExprPtr> ParseTuple(bool with_condexpr);
  Result<ExprPtr> ParseExpression(bool with_condexpr);
  Result<ExprPtr> ParseCond();
  Result<ExprPtr> ParseOr();
  Result<ExprPtr> ParseAnd();
  Result<ExprPtr> ParseNot();
  Result<ExprPtr> ParseCompare();
  // Left-associative binary level: operators `ops`, operands from `next`.
  template <typename Next>
  Result<ExprPtr> ParseBinaryLevel(std::initializer_list<std::string_view> ops, Next next);
  Result<ExprPtr> ParseMath1();
  Result<ExprPtr> ParseConcat();
  Result<ExprPtr> ParseMath2();
  Result<ExprPtr> ParsePow();
  Result<ExprPtr> ParseUnaryWithFilters();

  Result<ExprPtr> ParseUnary(bool with_filter);
  Result<ExprPtr> ParsePrimary();
  Result<ExprPtr> ParseParenthesized();
  Result<ExprPtr> ParseList();
  Result<ExprPtr> ParseDict();
  Result<ExprPtr> ParsePostfix(ExprPtr node);
  // A call located where its callee starts (`ref` in `ref('x')`).
  Result<ExprPtr> ParseCallOn(ExprPtr target);
  Result<ExprPtr> ParseSubscript(ExprPtr node);
  // Parses `( args )` at the cursor; `target` becomes children[0].
  Result<ExprPtr> ParseCall(ExprPtr target, ExprKind kind, std::string name, const Token& at);
  Result<ExprPtr> ParseFilterExpr(ExprPtr node);

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  std::shared_ptr<const std::string> file_;
  ParseOptions options_;
  int depth_ = 0;
};

}  // namespace sluice::transform::internal
