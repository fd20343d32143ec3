// Expression grammar of the template parser (see jinja_parser_state.h).
#include "transform/jinja_parser_state.h"

namespace sluice::transform::internal {

Result<ExprPtr> Parser::ParseTuple(bool with_condexpr) {
  const Token start = Cur();
  SLUICE_ASSIGN_OR_RETURN(ExprPtr first, ParseExpression(with_condexpr));
  if (!IsOp(",")) return first;
  ExprPtr t = NewExpr(ExprKind::kTuple, start);
  t->children.push_back(std::move(first));
  while (AcceptOp(",")) {
    if (Cur().kind == TokenKind::kVarEnd || Cur().kind == TokenKind::kBlockEnd) break;
    if (IsName("if") && !with_condexpr) break;
    SLUICE_ASSIGN_OR_RETURN(ExprPtr e, ParseExpression(with_condexpr));
    t->children.push_back(std::move(e));
  }
  return Finish(std::move(t));
}

Result<ExprPtr> Parser::ParseExpression(bool with_condexpr) {
  if (with_condexpr) return ParseCond();
  return ParseOr();
}

Result<ExprPtr> Parser::ParseCond() {
  SLUICE_ASSIGN_OR_RETURN(ExprPtr expr, ParseOr());
  while (IsName("if")) {
    Advance();
    SLUICE_ASSIGN_OR_RETURN(ExprPtr cond, ParseOr());
    ExprPtr else_expr;
    if (IsName("else")) {
      Advance();
      DepthGuard guard(this);  // `a if b else c if d else ...` recurses here
      SLUICE_RETURN_NOT_OK(CheckDepth());
      SLUICE_ASSIGN_OR_RETURN(else_expr, ParseCond());
    }
    ExprPtr c = NewExprAt(ExprKind::kCond, *expr);
    c->children.push_back(std::move(cond));
    c->children.push_back(std::move(expr));
    c->children.push_back(std::move(else_expr));
    SLUICE_ASSIGN_OR_RETURN(expr, Finish(std::move(c)));
  }
  return expr;
}

Result<ExprPtr> Parser::ParseOr() {
  SLUICE_ASSIGN_OR_RETURN(ExprPtr left, ParseAnd());
  while (IsName("or")) {
    const Token op = Cur();
    Advance();
    SLUICE_ASSIGN_OR_RETURN(ExprPtr right, ParseAnd());
    SLUICE_ASSIGN_OR_RETURN(left,
                            Binary(ExprKind::kOr, "or", op, std::move(left), std::move(right)));
  }
  return left;
}

Result<ExprPtr> Parser::ParseAnd() {
  SLUICE_ASSIGN_OR_RETURN(ExprPtr left, ParseNot());
  while (IsName("and")) {
    const Token op = Cur();
    Advance();
    SLUICE_ASSIGN_OR_RETURN(ExprPtr right, ParseNot());
    SLUICE_ASSIGN_OR_RETURN(left,
                            Binary(ExprKind::kAnd, "and", op, std::move(left), std::move(right)));
  }
  return left;
}

Result<ExprPtr> Parser::ParseNot() {
  if (!IsName("not")) return ParseCompare();
  DepthGuard guard(this);
  SLUICE_RETURN_NOT_OK(CheckDepth());
  ExprPtr n = NewExpr(ExprKind::kNot, Cur());
  Advance();
  SLUICE_ASSIGN_OR_RETURN(ExprPtr operand, ParseNot());
  n->children.push_back(std::move(operand));
  return Finish(std::move(n));
}

Result<ExprPtr> Parser::ParseCompare() {
  SLUICE_ASSIGN_OR_RETURN(ExprPtr first, ParseMath1());
  ExprPtr cmp;
  while (true) {
    std::string op;
    const Token op_token = Cur();
    if (Cur().kind == TokenKind::kOperator &&
        (Cur().text == "==" || Cur().text == "!=" || Cur().text == "<" || Cur().text == "<=" ||
         Cur().text == ">" || Cur().text == ">=")) {
      op = Cur().text;
      Advance();
    } else if (IsName("in")) {
      op = "in";
      Advance();
    } else if (IsName("not") && Peek().kind == TokenKind::kName && Peek().text == "in") {
      op = "not in";
      Advance();
      Advance();
    } else {
      break;
    }
    if (!cmp) {  // located at the first operator
      cmp = NewExpr(ExprKind::kCompare, op_token);
      cmp->children.push_back(std::move(first));
    }
    SLUICE_ASSIGN_OR_RETURN(ExprPtr right, ParseMath1());
    cmp->ops.push_back(std::move(op));
    cmp->children.push_back(std::move(right));
  }
  if (!cmp) return first;
  return Finish(std::move(cmp));
}

template <typename Next>
Result<ExprPtr> Parser::ParseBinaryLevel(std::initializer_list<std::string_view> ops, Next next) {
  SLUICE_ASSIGN_OR_RETURN(ExprPtr left, (this->*next)());
  while (Cur().kind == TokenKind::kOperator &&
         std::find(ops.begin(), ops.end(), Cur().text) != ops.end()) {
    const Token op = Cur();
    Advance();
    SLUICE_ASSIGN_OR_RETURN(ExprPtr right, (this->*next)());
    SLUICE_ASSIGN_OR_RETURN(
        left, Binary(ExprKind::kBinary, op.text, op, std::move(left), std::move(right)));
  }
  return left;
}

Result<ExprPtr> Parser::ParseMath1() { return ParseBinaryLevel({"+", "-"}, &Parser::ParseConcat); }

Result<ExprPtr> Parser::ParseConcat() { return ParseBinaryLevel({"~"}, &Parser::ParseMath2); }

Result<ExprPtr> Parser::ParseMath2() {
  return ParseBinaryLevel({"*", "/", "//", "%"}, &Parser::ParsePow);
}

Result<ExprPtr> Parser::ParsePow() {
  return ParseBinaryLevel({"**"}, &Parser::ParseUnaryWithFilters);
}

Result<ExprPtr> Parser::ParseUnaryWithFilters() { return ParseUnary(true); }

Result<ExprPtr> Parser::ParseUnary(bool with_filter) {
  DepthGuard guard(this);
  SLUICE_RETURN_NOT_OK(CheckDepth());
  ExprPtr node;
  if (IsOp("-") || IsOp("+")) {
    node = NewExpr(IsOp("-") ? ExprKind::kNeg : ExprKind::kPos, Cur());
    Advance();
    SLUICE_ASSIGN_OR_RETURN(ExprPtr operand, ParseUnary(false));
    node->children.push_back(std::move(operand));
    SLUICE_ASSIGN_OR_RETURN(node, Finish(std::move(node)));
  } else {
    SLUICE_ASSIGN_OR_RETURN(node, ParsePrimary());
  }
  SLUICE_ASSIGN_OR_RETURN(node, ParsePostfix(std::move(node)));
  if (with_filter) return ParseFilterExpr(std::move(node));
  return node;
}

Result<ExprPtr> Parser::ParsePrimary() {
  const Token t = Cur();
  switch (t.kind) {
    case TokenKind::kName: {
      Advance();
      ExprPtr e = NewExpr(ExprKind::kLiteral, t);
      if (t.text == "true" || t.text == "True") {
        e->literal = Value(true);
      } else if (t.text == "false" || t.text == "False") {
        e->literal = Value(false);
      } else if (t.text == "none" || t.text == "None") {
        e->literal = Value::None();
      } else {
        e->kind = ExprKind::kName;
        e->name = t.text;
      }
      return e;
    }
    case TokenKind::kString: {
      std::string s;
      while (Cur().kind == TokenKind::kString) {  // 'a' 'b' concatenates, as in Python
        s += Cur().text;
        Advance();
      }
      ExprPtr e = NewExpr(ExprKind::kLiteral, t);
      e->literal = Value(std::move(s));
      return e;
    }
    case TokenKind::kInt:
    case TokenKind::kFloat: {
      Advance();
      ExprPtr e = NewExpr(ExprKind::kLiteral, t);
      e->literal = t.kind == TokenKind::kInt ? Value(t.int_value) : Value(t.float_value);
      return e;
    }
    case TokenKind::kOperator:
      if (t.text == "(") return ParseParenthesized();
      if (t.text == "[") return ParseList();
      if (t.text == "{") return ParseDict();
      break;
    default:
      break;
  }
  return Unexpected("an expression");
}

Result<ExprPtr> Parser::ParseParenthesized() {
  const Token open = Cur();
  Advance();
  if (AcceptOp(")")) return NewExpr(ExprKind::kTuple, open);
  SLUICE_ASSIGN_OR_RETURN(ExprPtr first, ParseExpression(true));
  if (AcceptOp(")")) return first;
  ExprPtr t = NewExpr(ExprKind::kTuple, open);
  t->children.push_back(std::move(first));
  while (AcceptOp(",")) {
    if (IsOp(")")) break;
    SLUICE_ASSIGN_OR_RETURN(ExprPtr e, ParseExpression(true));
    t->children.push_back(std::move(e));
  }
  SLUICE_RETURN_NOT_OK(ExpectOp(")"));
  return Finish(std::move(t));
}

Result<ExprPtr> Parser::ParseList() {
  ExprPtr l = NewExpr(ExprKind::kList, Cur());
  Advance();
  while (!IsOp("]")) {
    if (!l->children.empty()) {
      SLUICE_RETURN_NOT_OK(ExpectOp(","));
      if (IsOp("]")) break;
    }
    SLUICE_ASSIGN_OR_RETURN(ExprPtr e, ParseExpression(true));
    l->children.push_back(std::move(e));
  }
  Advance();
  return Finish(std::move(l));
}

Result<ExprPtr> Parser::ParseDict() {
  ExprPtr d = NewExpr(ExprKind::kDict, Cur());
  Advance();
  while (!IsOp("}")) {
    if (!d->children.empty()) {
      SLUICE_RETURN_NOT_OK(ExpectOp(","));
      if (IsOp("}")) break;
    }
    SLUICE_ASSIGN_OR_RETURN(ExprPtr k, ParseExpression(true));
    SLUICE_RETURN_NOT_OK(ExpectOp(":"));
    SLUICE_ASSIGN_OR_RETURN(ExprPtr v, ParseExpression(true));
    d->children.push_back(std::move(k));
    d->children.push_back(std::move(v));
  }
  Advance();
  return Finish(std::move(d));
}

Result<ExprPtr> Parser::ParsePostfix(ExprPtr node) {
  while (true) {
    if (IsOp(".")) {
      const Token dot = Cur();
      Advance();
      if (Cur().kind == TokenKind::kName) {
        ExprPtr a = NewExpr(ExprKind::kAttr, dot);
        a->name = Cur().text;
        Advance();
        a->children.push_back(std::move(node));
        SLUICE_ASSIGN_OR_RETURN(node, Finish(std::move(a)));
      } else if (Cur().kind == TokenKind::kInt) {  // a.0 is a[0]
        ExprPtr s = NewExpr(ExprKind::kSubscript, dot);
        ExprPtr idx = NewExpr(ExprKind::kLiteral, Cur());
        idx->literal = Value(Cur().int_value);
        Advance();
        s->children.push_back(std::move(node));
        s->children.push_back(std::move(idx));
        SLUICE_ASSIGN_OR_RETURN(node, Finish(std::move(s)));
      } else {
        return Unexpected("an attribute name after '.'");
      }
    } else if (IsOp("[")) {
      SLUICE_ASSIGN_OR_RETURN(node, ParseSubscript(std::move(node)));
    } else if (IsOp("(")) {
      SLUICE_ASSIGN_OR_RETURN(node, ParseCallOn(std::move(node)));
    } else {
      return node;
    }
  }
}

Result<ExprPtr> Parser::ParseCallOn(ExprPtr target) {
  Token at = Cur();
  at.line = target->line;
  at.column = target->column;
  return ParseCall(std::move(target), ExprKind::kCall, "", at);
}

Result<ExprPtr> Parser::ParseSubscript(ExprPtr node) {
  const Token open = Cur();
  Advance();
  ExprPtr parts[3];
  int colons = 0;
  while (true) {
    if (IsOp(":")) {
      if (++colons > 2) return Unexpected("']'");
      Advance();
      continue;
    }
    if (IsOp("]")) break;
    if (parts[colons]) return Unexpected("':' or ']'");
    SLUICE_ASSIGN_OR_RETURN(parts[colons], ParseExpression(true));
  }
  Advance();
  if (colons == 0) {
    if (!parts[0]) return ErrorAt(open, "empty subscript '[]'");
    ExprPtr s = NewExpr(ExprKind::kSubscript, open);
    s->children.push_back(std::move(node));
    s->children.push_back(std::move(parts[0]));
    return Finish(std::move(s));
  }
  ExprPtr s = NewExpr(ExprKind::kSlice, open);
  s->children.push_back(std::move(node));
  for (auto& p : parts) s->children.push_back(std::move(p));
  return Finish(std::move(s));
}

Result<ExprPtr> Parser::ParseCall(ExprPtr target, ExprKind kind, std::string name,
                                  const Token& at) {
  ExprPtr c = NewExpr(kind, at);
  c->name = std::move(name);
  c->children.push_back(std::move(target));
  if (IsOp("(")) {
    Advance();
    while (!IsOp(")")) {
      if (c->children.size() > 1 || !c->kwargs.empty()) {
        SLUICE_RETURN_NOT_OK(ExpectOp(","));
        if (IsOp(")")) break;
      }
      if (Cur().kind == TokenKind::kName && Peek().kind == TokenKind::kOperator &&
          Peek().text == "=") {
        std::string key = Cur().text;
        for (const auto& kv : c->kwargs) {
          if (kv.first == key) return ErrorAt(Cur(), "keyword argument '" + key + "' repeated");
        }
        Advance();
        Advance();
        SLUICE_ASSIGN_OR_RETURN(ExprPtr v, ParseExpression(true));
        c->kwargs.emplace_back(std::move(key), std::move(v));
      } else {
        if (!c->kwargs.empty()) {
          return ErrorAt(Cur(), "positional argument follows keyword argument");
        }
        SLUICE_ASSIGN_OR_RETURN(ExprPtr v, ParseExpression(true));
        c->children.push_back(std::move(v));
      }
    }
    Advance();
  }
  return Finish(std::move(c));
}

Result<ExprPtr> Parser::ParseFilterExpr(ExprPtr node) {
  while (true) {
    if (IsOp("|")) {
      Advance();
      const Token name_tok = Cur();
      SLUICE_ASSIGN_OR_RETURN(std::string name, ExpectName("a filter name after '|'"));
      SLUICE_ASSIGN_OR_RETURN(node, ParseCall(std::move(node), ExprKind::kFilter, name, name_tok));
    } else if (IsName("is")) {
      Advance();
      bool negated = false;
      if (IsName("not")) {
        negated = true;
        Advance();
      }
      const Token name_tok = Cur();
      SLUICE_ASSIGN_OR_RETURN(std::string name, ExpectName("a test name after 'is'"));
      ExprPtr t;
      const Token& c = Cur();
      const bool bare_arg =
          (c.kind == TokenKind::kName || c.kind == TokenKind::kString ||
           c.kind == TokenKind::kInt || c.kind == TokenKind::kFloat ||
           (c.kind == TokenKind::kOperator && (c.text == "[" || c.text == "{"))) &&
          !(c.kind == TokenKind::kName &&
            (c.text == "else" || c.text == "or" || c.text == "and" || c.text == "if" ||
             c.text == "is" || c.text == "in" || c.text == "not"));
      if (IsOp("(")) {
        SLUICE_ASSIGN_OR_RETURN(t, ParseCall(std::move(node), ExprKind::kTest, name, name_tok));
      } else {
        t = NewExpr(ExprKind::kTest, name_tok);
        t->name = name;
        t->children.push_back(std::move(node));
        if (bare_arg) {  // `x is divisibleby 3`
          SLUICE_ASSIGN_OR_RETURN(ExprPtr arg, ParsePrimary());
          SLUICE_ASSIGN_OR_RETURN(arg, ParsePostfix(std::move(arg)));
          t->children.push_back(std::move(arg));
        }
        SLUICE_ASSIGN_OR_RETURN(t, Finish(std::move(t)));
      }
      t->negated = negated;
      node = std::move(t);
    } else if (IsOp("(")) {
      SLUICE_ASSIGN_OR_RETURN(node, ParseCallOn(std::move(node)));
    } else {
      return node;
    }
  }
}

}  // namespace sluice::transform::internal
