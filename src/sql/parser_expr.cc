// Expression parsing with PostgreSQL precedence, loosest first:
//   OR < AND < NOT < IS < comparison < BETWEEN/IN/LIKE < || < + - < * / % < unary +- < ::
#include <charconv>

#include "core/time.h"
#include "sql/parser_state.h"
#include "sql/value_parse.h"

namespace sluice::sql {

namespace {

constexpr int kPrecOr = 1;
constexpr int kPrecAnd = 2;
constexpr int kPrecNot = 3;
constexpr int kPrecIs = 4;
constexpr int kPrecCompare = 5;
constexpr int kPrecLike = 6;  // BETWEEN, IN, LIKE
constexpr int kPrecOther = 7;  // ||
constexpr int kPrecAdd = 8;
constexpr int kPrecMul = 9;
constexpr int kPrecPow = 10;
constexpr int kPrecUnary = 11;
constexpr int kPrecCast = 12;

bool IsCompareOp(const Token& t) {
  return t.kind == TokenKind::kOperator &&
         (t.text == "=" || t.text == "<>" || t.text == "!=" || t.text == "<" || t.text == "<=" ||
          t.text == ">" || t.text == ">=");
}

// Aggregate, window and streaming functions the engine recognises but does not run yet.
constexpr std::string_view kIntervalUnits[] = {"SECOND", "SECONDS", "MINUTE", "MINUTES",
                                               "HOUR",   "HOURS",   "DAY",    "DAYS",
                                               "WEEK",   "WEEKS",   "MONTH",  "MONTHS",
                                               "YEAR",   "YEARS",   "MILLISECOND", "MILLISECONDS",
                                               "MICROSECOND", "MICROSECONDS"};

}  // namespace

int Parser::InfixPrecedence() const {
  const Token& t = Peek();
  if (t.kind == TokenKind::kOperator) {
    if (IsCompareOp(t)) return kPrecCompare;
    if (t.text == "||" || t.text == "~" || t.text == "~*" || t.text == "!~" || t.text == "!~*") {
      return kPrecOther;
    }
    if (t.text == "->" || t.text == "->>") return kPrecCast;
    if (t.text == "+" || t.text == "-") return kPrecAdd;
    if (t.text == "*" || t.text == "/" || t.text == "%") return kPrecMul;
    if (t.text == "^") return kPrecPow;
    if (t.text == "::" || t.text == "[") return kPrecCast;
    return 0;
  }
  if (t.kind != TokenKind::kIdentifier) return 0;
  if (t.IsKeyword("OR")) return kPrecOr;
  if (t.IsKeyword("AND")) return kPrecAnd;
  if (t.IsKeyword("IS")) return kPrecIs;
  if (t.IsKeyword("BETWEEN") || t.IsKeyword("IN") || t.IsKeyword("LIKE") || t.IsKeyword("ILIKE") ||
      t.IsKeyword("SIMILAR")) {
    return kPrecLike;
  }
  if (t.IsKeyword("NOT")) {
    const Token& n = Peek(1);
    if (n.IsKeyword("BETWEEN") || n.IsKeyword("IN") || n.IsKeyword("LIKE") || n.IsKeyword("ILIKE") ||
        n.IsKeyword("SIMILAR")) {
      return kPrecLike;
    }
  }
  return 0;
}

Result<ParsedExprPtr> Parser::ParseExpr(int min_prec) {
  SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr left, ParsePrefix());
  for (;;) {
    const int prec = InfixPrecedence();
    if (prec == 0 || prec <= min_prec) break;
    SLUICE_ASSIGN_OR_RETURN(left, ParseInfix(std::move(left), prec));
  }
  return left;
}

Result<ParsedExprPtr> Parser::ParsePrefix() {
  const Token& t = Peek();
  if (t.IsKeyword("NOT") || t.IsOperator("-") || t.IsOperator("+")) {
    auto e = NewExpr(ExprKind::kUnary, t);
    e->op = t.IsKeyword("NOT") ? "NOT" : t.text;
    Advance();
    SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr operand, ParseExpr(e->op == "NOT" ? kPrecNot : kPrecUnary));
    // Fold a minus sign into a numeric literal so -2147483648 stays INT32.
    if (e->op == "-" && operand->kind == ExprKind::kLiteral && !operand->null_literal &&
        operand->begin == Peek(-1).pos.offset) {
      const Value& v = operand->value;
      const TypeId id = v.type().id;
      if (id == TypeId::kInt64 && v.int_value() == 2147483648LL) {
        operand->value = Value::Int32(INT32_MIN);
      } else if (id == TypeId::kInt32 || id == TypeId::kInt64) {
        operand->value = id == TypeId::kInt32 ? Value::Int32(static_cast<int32_t>(-v.int_value()))
                                              : Value::Int64(-v.int_value());
      } else if (id == TypeId::kDecimal) {
        operand->value = Value::Decimal(-v.int_value(), v.type().precision, v.type().scale);
      } else if (id == TypeId::kDouble) {
        operand->value = Value::Double(-v.double_value());
      } else {
        e->args.push_back(std::move(operand));
        Close(e.get());
        return e;
      }
      operand->pos = e->pos;
      operand->begin = e->begin;
      return operand;
    }
    e->args.push_back(std::move(operand));
    Close(e.get());
    return e;
  }
  return ParsePrimary();
}

Result<ParsedExprPtr> Parser::ParseInfix(ParsedExprPtr left, int prec) {
  const Token op = Peek();
  if (op.IsOperator("^")) return ctx_.NotSupported(op.pos, "operator ^ (power)");
  if (op.IsOperator("[")) return ctx_.NotSupported(op.pos, "array subscripts");
  if (op.IsOperator("::")) {
    Advance();
    auto e = NewExpr(ExprKind::kCast, op);
    e->pos = op.pos;
    e->begin = left->begin;
    SLUICE_ASSIGN_OR_RETURN(e->cast_type, ParseTypeName());
    e->args.push_back(std::move(left));
    Close(e.get());
    return e;
  }
  if (op.IsOperator("~") || op.IsOperator("~*") || op.IsOperator("!~") || op.IsOperator("!~*") ||
      op.IsOperator("->") || op.IsOperator("->>")) {
    return ParseFunctionOperator(std::move(left), prec);
  }
  auto e = NewExpr(ExprKind::kBinary, op);
  e->begin = left->begin;
  if (op.IsKeyword("IS")) {
    Advance();
    e->kind = ExprKind::kIsNull;
    if (Peek().IsKeyword("NOT")) {
      e->negated = true;
      Advance();
    }
    const Token& what = Peek();
    if (what.IsKeyword("NULL") || what.IsKeyword("UNKNOWN")) {
      e->kind = ExprKind::kIsNull;
    } else if (what.IsKeyword("TRUE") || what.IsKeyword("FALSE")) {
      e->kind = ExprKind::kIsBool;
      e->bool_value = what.IsKeyword("TRUE");
    } else if (what.IsKeyword("DISTINCT")) {
      return ctx_.NotSupported(what.pos, "IS DISTINCT FROM");
    } else {
      return Error(what, "expected NULL, TRUE or FALSE after IS but found " + what.Describe());
    }
    Advance();
    e->args.push_back(std::move(left));
    Close(e.get());
    return e;
  }
  if (op.IsKeyword("NOT")) {
    e->negated = true;
    Advance();
  }
  const Token kw = Peek();
  if (kw.IsKeyword("SIMILAR")) return ctx_.NotSupported(kw.pos, "SIMILAR TO");
  if (kw.IsKeyword("BETWEEN")) {
    Advance();
    e->kind = ExprKind::kBetween;
    if (Peek().IsKeyword("SYMMETRIC")) return ctx_.NotSupported(Peek().pos, "BETWEEN SYMMETRIC");
    SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr low, ParseExpr(kPrecLike));
    SLUICE_RETURN_NOT_OK(ExpectKeyword("AND"));
    SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr high, ParseExpr(kPrecLike));
    e->args.push_back(std::move(left));
    e->args.push_back(std::move(low));
    e->args.push_back(std::move(high));
  } else if (kw.IsKeyword("IN")) {
    Advance();
    e->kind = ExprKind::kInList;
    if (!Peek().IsOperator("(")) return Error(Peek(), "expected '(' after IN but found " + Peek().Describe());
    Advance();
    if (Peek().IsKeyword("SELECT")) return ctx_.NotSupported(Peek().pos, "IN (subquery)");
    e->args.push_back(std::move(left));
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr item, ParseExpr(0));
      e->args.push_back(std::move(item));
      if (!Peek().IsOperator(",")) break;
      Advance();
    }
    SLUICE_RETURN_NOT_OK(Expect(")"));
  } else if (kw.IsKeyword("LIKE") || kw.IsKeyword("ILIKE")) {
    Advance();
    e->kind = ExprKind::kLike;
    e->op = kw.IsKeyword("LIKE") ? "LIKE" : "ILIKE";
    SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr pattern, ParseExpr(kPrecLike));
    e->args.push_back(std::move(left));
    e->args.push_back(std::move(pattern));
    if (Peek().IsKeyword("ESCAPE")) {
      Advance();
      SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr esc, ParseExpr(kPrecLike));
      e->args.push_back(std::move(esc));
    }
  } else {
    // Plain binary operator: left-associative.
    Advance();
    e->op = op.kind == TokenKind::kOperator ? op.text : (op.IsKeyword("AND") ? "AND" : "OR");
    if (e->op == "!=") e->op = "<>";
    SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr right, ParseExpr(prec));
    e->args.push_back(std::move(left));
    e->args.push_back(std::move(right));
  }
  Close(e.get());
  return e;
}

// `s ~ p` is regexp_matches(s, p), `~*` adds the 'i' flag, `!~`/`!~*` negate them;
// `j -> k` is json_extract(j, k) and `j ->> k` json_extract_string(j, k).
Result<ParsedExprPtr> Parser::ParseFunctionOperator(ParsedExprPtr left, int prec) {
  const Token op = Peek();
  Advance();
  SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr right, ParseExpr(prec));
  auto call = NewExpr(ExprKind::kFunction, op);
  call->begin = left->begin;
  const bool json = op.text[0] == '-';
  call->op = op.text == "->" ? "json_extract" : op.text == "->>" ? "json_extract_string" : "regexp_matches";
  call->args.push_back(std::move(left));
  call->args.push_back(std::move(right));
  if (!json && op.text.back() == '*') {
    auto flags = NewExpr(ExprKind::kLiteral, op);
    flags->value = Value::Varchar("i");
    call->args.push_back(std::move(flags));
  }
  Close(call.get());
  if (json || op.text[0] != '!') return call;
  auto neg = NewExpr(ExprKind::kUnary, op);
  neg->op = "NOT";
  neg->begin = call->begin;
  neg->args.push_back(std::move(call));
  Close(neg.get());
  return neg;
}

// EXTRACT(field FROM expr) is extract('field', expr); the cursor is after '('.
Result<ParsedExprPtr> Parser::ParseExtract(ParsedExprPtr e) {
  const Token field = Peek();
  if (field.kind != TokenKind::kIdentifier && field.kind != TokenKind::kString) {
    return Error(field, "expected a field name (year, month, day, hour, ...) after EXTRACT( but found " +
                            field.Describe());
  }
  Advance();
  auto name = NewExpr(ExprKind::kLiteral, field);
  name->value = Value::Varchar(field.text);
  SLUICE_RETURN_NOT_OK(ExpectKeyword("FROM"));
  SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr arg, ParseExpr(0));
  SLUICE_RETURN_NOT_OK(Expect(")"));
  e->op = "extract";
  e->args.push_back(std::move(name));
  e->args.push_back(std::move(arg));
  Close(e.get());
  return e;
}

Result<DataType> Parser::ParseTypeName() {
  const Token start = Peek();
  if (start.kind != TokenKind::kIdentifier) {
    return Error(start, "expected a type name but found " + start.Describe());
  }
  std::string name = start.text;
  Advance();
  if (start.IsKeyword("DOUBLE") && Peek().IsKeyword("PRECISION")) {
    name += " PRECISION";
    Advance();
  }
  const bool is_char = start.IsKeyword("VARCHAR") || start.IsKeyword("CHAR") ||
                       start.IsKeyword("TEXT") || start.IsKeyword("STRING");
  if (Peek().IsOperator("(")) {
    std::string args = "(";
    Advance();
    while (!Peek().IsOperator(")")) {
      if (Peek().kind != TokenKind::kInteger && !Peek().IsOperator(",")) {
        return Error(Peek(), "expected a number in the type's parentheses but found " +
                                 Peek().Describe());
      }
      args += Peek().text;
      Advance();
    }
    Advance();
    if (!is_char) name += args + ")";  // VARCHAR(n): the length is not enforced
  }
  if ((start.IsKeyword("TIMESTAMP")) && Peek().IsKeyword("WITH")) {
    return ctx_.NotSupported(Peek().pos, "TIMESTAMP WITH TIME ZONE (TIMESTAMP is UTC)");
  }
  Result<DataType> t = ParseDataType(name);
  if (!t.ok()) return ctx_.ParseError(start.pos, t.status().message());
  return t;
}

Result<ParsedExprPtr> Parser::ParseNumber() {
  const Token t = Peek();
  Advance();
  auto e = NewExpr(ExprKind::kLiteral, t);
  if (t.kind == TokenKind::kInteger) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
    if (ec != std::errc() || p != t.text.data() + t.text.size()) {
      return Error(t, "integer literal " + t.text + " is out of range for INT64; write " + t.text +
                          "e0 for a DOUBLE");
    }
    e->value = (v <= INT32_MAX) ? Value::Int32(static_cast<int32_t>(v)) : Value::Int64(v);
    return e;
  }
  if (t.kind == TokenKind::kDecimal) {
    const size_t dot = t.text.find('.');
    size_t int_start = 0;
    while (int_start < dot && t.text[int_start] == '0') ++int_start;
    const int int_digits = static_cast<int>(dot - int_start);
    const int scale = static_cast<int>(t.text.size() - dot - 1);
    const int precision = std::max(1, int_digits + scale);
    int64_t unscaled = 0;
    if (precision <= kMaxDecimalPrecision &&
        ParseDecimalText(t.text, precision, scale, &unscaled)) {
      e->value = Value::Decimal(unscaled, static_cast<uint8_t>(precision), static_cast<uint8_t>(scale));
      return e;
    }
  }
  double d = 0;
  if (!ParseDoubleText(t.text, &d)) return Error(t, "invalid number " + t.text);
  e->value = Value::Double(d);
  return e;
}

Result<ParsedExprPtr> Parser::ParseTypedLiteral() {
  const Token kw = Peek();
  Advance();
  const Token str = Peek();
  Advance();
  auto e = NewExpr(ExprKind::kLiteral, kw);
  if (kw.IsKeyword("TIMESTAMP")) {
    int64_t micros = 0;
    if (!ParseTimestamp(str.text, &micros)) {
      return Error(str, "invalid TIMESTAMP literal '" + str.text +
                            "'; expected 'YYYY-MM-DD HH:MM:SS[.ffffff]'");
    }
    e->value = Value::Timestamp(micros);
  } else if (kw.IsKeyword("DATE")) {
    int32_t days = 0;
    if (!ParseDate(str.text, &days)) {
      return Error(str, "invalid DATE literal '" + str.text + "'; expected 'YYYY-MM-DD'");
    }
    e->value = Value::Date(days);
  } else {  // INTERVAL
    Interval iv;
    bool unit = false;
    for (std::string_view u : kIntervalUnits) unit = unit || Peek().IsKeyword(u);
    if (unit) {
      const Token u = Peek();
      Advance();
      if (Peek().IsKeyword("TO")) return ctx_.NotSupported(Peek().pos, "INTERVAL ... TO ...");
      if (!ParseIntervalWithUnit(str.text, u.text, &iv)) {
        return Error(str, "invalid INTERVAL literal '" + str.text + "' " + u.text);
      }
    } else if (!ParseIntervalText(str.text, &iv)) {
      return Error(str, "invalid INTERVAL literal '" + str.text +
                            "'; write e.g. INTERVAL '4' SECOND or INTERVAL '1 day 2 hours'");
    }
    e->value = Value::FromInterval(iv);
  }
  Close(e.get());
  return e;
}

Result<ParsedExprPtr> Parser::ParseCase() {
  auto e = NewExpr(ExprKind::kCase, Peek());
  Advance();
  if (!Peek().IsKeyword("WHEN")) {
    e->case_operand = true;
    SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr operand, ParseExpr(0));
    e->args.push_back(std::move(operand));
  }
  if (!Peek().IsKeyword("WHEN")) return Error(Peek(), "expected WHEN in CASE but found " + Peek().Describe());
  while (Peek().IsKeyword("WHEN")) {
    Advance();
    SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr when, ParseExpr(0));
    SLUICE_RETURN_NOT_OK(ExpectKeyword("THEN"));
    SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr then, ParseExpr(0));
    e->args.push_back(std::move(when));
    e->args.push_back(std::move(then));
  }
  if (Peek().IsKeyword("ELSE")) {
    Advance();
    e->has_else = true;
    SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr other, ParseExpr(0));
    e->args.push_back(std::move(other));
  }
  if (!Peek().IsKeyword("END")) {
    return Error(Peek(), "expected WHEN, ELSE or END in CASE but found " + Peek().Describe());
  }
  Advance();
  Close(e.get());
  return e;
}

Result<ParsedExprPtr> Parser::ParseCast() {
  auto e = NewExpr(ExprKind::kCast, Peek());
  e->try_cast = Peek().IsKeyword("TRY_CAST");
  Advance();
  SLUICE_RETURN_NOT_OK(Expect("("));
  SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr arg, ParseExpr(0));
  SLUICE_RETURN_NOT_OK(ExpectKeyword("AS"));
  SLUICE_ASSIGN_OR_RETURN(e->cast_type, ParseTypeName());
  SLUICE_RETURN_NOT_OK(Expect(")"));
  e->args.push_back(std::move(arg));
  Close(e.get());
  return e;
}

Result<ParsedExprPtr> Parser::ParseFunction() {
  const Token name = Peek();
  auto e = NewExpr(ExprKind::kFunction, name);
  e->op = name.text;
  Advance();
  Advance();  // (
  if (name.IsKeyword("EXTRACT")) return ParseExtract(std::move(e));
  if (Peek().IsKeyword("DISTINCT")) {
    e->distinct = true;  // the binder allows it on aggregates only
    Advance();
  } else if (Peek().IsKeyword("ALL")) {
    Advance();
  }
  if (Peek().IsOperator("*") && !e->distinct) {
    // count(*): the binder checks that only count takes '*'.
    e->star = true;
    Advance();
  } else if (!Peek().IsOperator(")")) {
    if (name.IsKeyword("TRIM") && (Peek().IsKeyword("BOTH") || Peek().IsKeyword("LEADING") ||
                                   Peek().IsKeyword("TRAILING"))) {
      if (Peek().IsKeyword("LEADING")) e->op = "ltrim";
      if (Peek().IsKeyword("TRAILING")) e->op = "rtrim";
      Advance();
      ParsedExprPtr chars;
      if (!Peek().IsKeyword("FROM")) {
        SLUICE_ASSIGN_OR_RETURN(chars, ParseExpr(0));
      }
      SLUICE_RETURN_NOT_OK(ExpectKeyword("FROM"));
      SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr s, ParseExpr(0));
      e->args.push_back(std::move(s));
      if (chars) e->args.push_back(std::move(chars));
    } else {
      for (;;) {
        SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr arg, ParseExpr(0));
        e->args.push_back(std::move(arg));
        // SUBSTRING(s FROM a [FOR b])
        if ((name.IsKeyword("SUBSTRING") || name.IsKeyword("SUBSTR")) && e->args.size() == 1 &&
            Peek().IsKeyword("FROM")) {
          Advance();
          SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr from, ParseExpr(0));
          e->args.push_back(std::move(from));
          if (Peek().IsKeyword("FOR")) {
            Advance();
            SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr len, ParseExpr(0));
            e->args.push_back(std::move(len));
          }
          break;
        }
        if (!Peek().IsOperator(",")) break;
        Advance();
      }
    }
  }
  if (Peek().IsKeyword("ORDER")) return ctx_.NotSupported(Peek().pos, "ORDER BY in a function call");
  SLUICE_RETURN_NOT_OK(Expect(")"));
  if (Peek().IsKeyword("FILTER")) {
    Advance();
    SLUICE_RETURN_NOT_OK(Expect("("));
    SLUICE_RETURN_NOT_OK(ExpectKeyword("WHERE"));
    SLUICE_ASSIGN_OR_RETURN(e->filter, ParseExpr(0));
    SLUICE_RETURN_NOT_OK(Expect(")"));
  }
  if (Peek().IsKeyword("OVER")) {
    SLUICE_ASSIGN_OR_RETURN(e->over, ParseOver());
  }
  Close(e.get());
  return e;
}

// OVER ([PARTITION BY e, ...] [ORDER BY e [ASC|DESC] [NULLS FIRST|LAST], ...]); cursor on OVER.
Result<std::unique_ptr<OverClause>> Parser::ParseOver() {
  auto over = std::make_unique<OverClause>();
  over->pos = Peek().pos;
  Advance();
  if (!Peek().IsOperator("(")) {
    return ctx_.NotSupported(Peek().pos, "a named window after OVER; write OVER (PARTITION BY ... ORDER BY ...)");
  }
  Advance();
  if (Peek().IsKeyword("PARTITION")) {
    Advance();
    SLUICE_RETURN_NOT_OK(ExpectKeyword("BY"));
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr key, ParseExpr(0));
      over->partition_by.push_back(std::move(key));
      if (!Peek().IsOperator(",")) break;
      Advance();
    }
  }
  if (Peek().IsKeyword("ORDER")) {
    Advance();
    SLUICE_RETURN_NOT_OK(ExpectKeyword("BY"));
    for (;;) {
      OrderTerm term;
      SLUICE_ASSIGN_OR_RETURN(term.expr, ParseExpr(0));
      if (Peek().IsKeyword("DESC")) {
        term.descending = true;
        Advance();
      } else if (Peek().IsKeyword("ASC")) {
        Advance();
      }
      term.nulls_first = term.descending;
      if (Peek().IsKeyword("NULLS")) {
        Advance();
        if (Peek().IsKeyword("FIRST")) {
          term.nulls_first = true;
        } else if (Peek().IsKeyword("LAST")) {
          term.nulls_first = false;
        } else {
          return Error(Peek(), "expected FIRST or LAST after NULLS but found " + Peek().Describe());
        }
        term.nulls_explicit = true;
        Advance();
      }
      over->order_by.push_back(std::move(term));
      if (!Peek().IsOperator(",")) break;
      Advance();
    }
  }
  if (Peek().IsKeyword("GROUPS")) {
    return ctx_.NotSupported(Peek().pos, "a GROUPS window frame; write ROWS BETWEEN n PRECEDING "
                                         "AND CURRENT ROW");
  }
  if (Peek().IsKeyword("ROWS") || Peek().IsKeyword("RANGE")) {
    SLUICE_RETURN_NOT_OK(ParseFrame(over.get()));
  }
  if (!Peek().IsOperator(")")) {
    return Error(Peek(), std::string(over->has_frame ? "expected ')' after the window frame"
                                                     : "expected PARTITION BY, ORDER BY or ')'") +
                             " in OVER (...) but found " + Peek().Describe());
  }
  Advance();
  return over;
}

// ROWS|RANGE [BETWEEN] start [AND end]; cursor on ROWS/RANGE. Frames the stream engine
// cannot run (FOLLOWING, RANGE with an offset, EXCLUDE) are refused here.
Status Parser::ParseFrame(OverClause* over) {
  over->has_frame = true;
  over->frame_range = Peek().IsKeyword("RANGE");
  over->frame_pos = Peek().pos;
  const char* unit = over->frame_range ? "RANGE" : "ROWS";
  Advance();
  const bool between = Peek().IsKeyword("BETWEEN");
  if (between) Advance();
  over->frame_start_pos = Peek().pos;
  if (Peek().IsKeyword("UNBOUNDED")) {
    Advance();
    if (Peek().IsKeyword("FOLLOWING")) {
      return ctx_.NotSupported(Peek().pos, "a window frame starting at UNBOUNDED FOLLOWING");
    }
    SLUICE_RETURN_NOT_OK(ExpectKeyword("PRECEDING"));
    over->frame_preceding = -1;
  } else if (Peek().IsKeyword("CURRENT")) {
    Advance();
    SLUICE_RETURN_NOT_OK(ExpectKeyword("ROW"));
    over->frame_preceding = 0;
  } else if (Peek().kind == TokenKind::kInteger || Peek().kind == TokenKind::kDecimal ||
             Peek().kind == TokenKind::kFloat) {
    const Token& num = Peek();
    int64_t n = 0;
    bool ok = num.kind == TokenKind::kInteger;
    for (char c : num.text) {
      if (c < '0' || c > '9' || n > (int64_t{1} << 40)) ok = false;
      if (ok) n = n * 10 + (c - '0');
    }
    if (!ok) {
      return Error(num, std::string("the frame offset must be a whole number of rows such as 10, "
                                    "not ") + num.Describe());
    }
    if (over->frame_range) {
      return ctx_.NotSupported(num.pos, "a RANGE frame with an offset (n PRECEDING); write ROWS "
                                        "BETWEEN n PRECEDING AND CURRENT ROW");
    }
    Advance();
    if (Peek().IsKeyword("FOLLOWING")) {
      return ctx_.NotSupported(Peek().pos, "a window frame with FOLLOWING rows (a streaming "
                                           "frame ends at CURRENT ROW)");
    }
    SLUICE_RETURN_NOT_OK(ExpectKeyword("PRECEDING"));
    over->frame_preceding = n;
  } else if (over->frame_range && (Peek().IsKeyword("INTERVAL") || Peek().kind == TokenKind::kString)) {
    return ctx_.NotSupported(Peek().pos, "a RANGE frame with an offset (value PRECEDING); write ROWS "
                                         "BETWEEN n PRECEDING AND CURRENT ROW");
  } else {
    return Error(Peek(), std::string("expected UNBOUNDED PRECEDING, n PRECEDING or CURRENT ROW "
                                     "after ") + unit + " but found " + Peek().Describe());
  }
  if (between) {
    SLUICE_RETURN_NOT_OK(ExpectKeyword("AND"));
    if (Peek().IsKeyword("CURRENT")) {
      Advance();
      SLUICE_RETURN_NOT_OK(ExpectKeyword("ROW"));
    } else if (Peek().IsKeyword("UNBOUNDED") || Peek().kind == TokenKind::kInteger) {
      return ctx_.NotSupported(Peek().pos, "a window frame that does not end at CURRENT ROW (a "
                                           "streaming frame ends at the current row)");
    } else {
      return Error(Peek(), "expected CURRENT ROW after AND in the window frame but found " +
                               Peek().Describe());
    }
  }
  if (Peek().IsKeyword("EXCLUDE")) return ctx_.NotSupported(Peek().pos, "EXCLUDE in a window frame");
  return Status::OK();
}

Result<ParsedExprPtr> Parser::ParseColumnRef() {
  auto e = NewExpr(ExprKind::kColumnRef, Peek());
  for (;;) {
    const Token& t = Peek();
    e->names.push_back(Identifier{t.text, t.kind == TokenKind::kQuotedIdentifier, t.pos});
    Advance();
    if (!Peek().IsOperator(".")) break;
    Advance();
    if (Peek().IsOperator("*")) {
      return Error(Peek(), "'" + e->names.back().name + ".*' is only allowed as a select item");
    }
    if (Peek().kind != TokenKind::kIdentifier && Peek().kind != TokenKind::kQuotedIdentifier) {
      return Error(Peek(), "expected a column name after '.' but found " + Peek().Describe());
    }
  }
  if (e->names.size() > 3) return Error(Peek(-1), "too many dots in column reference");
  Close(e.get());
  return e;
}

Result<ParsedExprPtr> Parser::ParsePrimary() {
  const Token& t = Peek();
  switch (t.kind) {
    case TokenKind::kInteger:
    case TokenKind::kDecimal:
    case TokenKind::kFloat:
      return ParseNumber();
    case TokenKind::kString: {
      auto e = NewExpr(ExprKind::kLiteral, t);
      e->value = Value::Varchar(t.text);
      Advance();
      return e;
    }
    case TokenKind::kQuotedIdentifier:
      return ParseColumnRef();
    case TokenKind::kEnd:
      return Error(t, "expected an expression but found end of input");
    case TokenKind::kOperator: {
      if (!t.IsOperator("(")) return Error(t, "expected an expression but found " + t.Describe());
      if (Peek(1).IsKeyword("SELECT")) return ctx_.NotSupported(Peek(1).pos, "subqueries");
      const Token open = t;
      Advance();
      SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr inner, ParseExpr(0));
      if (Peek().IsOperator(",")) return ctx_.NotSupported(open.pos, "row values (a, b)");
      SLUICE_RETURN_NOT_OK(Expect(")"));
      inner->begin = open.pos.offset;
      Close(inner.get());
      return inner;
    }
    case TokenKind::kIdentifier:
      break;
  }
  if (t.IsKeyword("NULL") || t.IsKeyword("TRUE") || t.IsKeyword("FALSE")) {
    auto e = NewExpr(ExprKind::kLiteral, t);
    if (t.IsKeyword("NULL")) {
      e->null_literal = true;
    } else {
      e->value = Value::Boolean(t.IsKeyword("TRUE"));
    }
    Advance();
    return e;
  }
  if (t.IsKeyword("CASE")) return ParseCase();
  if ((t.IsKeyword("CAST") || t.IsKeyword("TRY_CAST")) && Peek(1).IsOperator("(")) return ParseCast();
  if (t.IsKeyword("EXISTS") && Peek(1).IsOperator("(")) return ctx_.NotSupported(t.pos, "EXISTS (subquery)");
  if ((t.IsKeyword("TIMESTAMP") || t.IsKeyword("DATE") || t.IsKeyword("INTERVAL")) &&
      Peek(1).kind == TokenKind::kString) {
    return ParseTypedLiteral();
  }
  if (Peek(1).IsOperator("(")) return ParseFunction();
  if (IsReserved(t)) return Error(t, "expected an expression but found keyword " + t.text);
  return ParseColumnRef();
}

}  // namespace sluice::sql
