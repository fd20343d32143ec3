#include "sql/parser.h"

#include <cctype>
#include <charconv>

#include "core/schema.h"
#include "sql/lexer.h"
#include "sql/parser_state.h"

namespace sluice::sql {

namespace {

// Clauses recognised after FROM that are not supported yet, with the feature name.
struct Unsupported {
  std::string_view keyword;
  std::string_view feature;
};
constexpr Unsupported kUnsupportedClauses[] = {
    {"RIGHT", "RIGHT JOIN (swap the sides and write LEFT JOIN)"},
    {"FULL", "FULL JOIN"},
    {"CROSS", "CROSS JOIN (a stream cross join keeps unbounded state; join ON a key)"},
    {"NATURAL", "NATURAL JOIN (write JOIN ... ON a.x = b.x)"},
    {"ORDER", "ORDER BY on a stream (use ROW_NUMBER() OVER (... ORDER BY ...) for top-N)"},
    {"LIMIT", "LIMIT on a stream (use ROW_NUMBER() OVER (... ORDER BY ...) for top-N)"},
    {"OFFSET", "OFFSET"},
    {"FETCH", "FETCH"},         {"INTERSECT", "INTERSECT"},
    {"EXCEPT", "EXCEPT"},       {"WINDOW", "WINDOW clause"},
    {"QUALIFY", "QUALIFY"},
};

}  // namespace

Status Parser::Expect(std::string_view op) {
  if (Peek().IsOperator(op)) {
    Advance();
    return Status::OK();
  }
  return Error(Peek(), "expected '" + std::string(op) + "' but found " + Peek().Describe());
}

Status Parser::ExpectKeyword(std::string_view kw) {
  if (Peek().IsKeyword(kw)) {
    Advance();
    return Status::OK();
  }
  return Error(Peek(), "expected " + std::string(kw) + " but found " + Peek().Describe());
}

Status Parser::Error(const Token& at, const std::string& message) const {
  return ctx_.ParseError(at.pos, message);
}

bool Parser::IsReserved(const Token& t) {
  static constexpr std::string_view kReserved[] = {
      "SELECT", "FROM",   "WHERE",  "AND",    "OR",     "NOT",    "AS",     "CASE",
      "WHEN",   "THEN",   "ELSE",   "END",    "IS",     "NULL",   "TRUE",   "FALSE",
      "IN",     "LIKE",   "ILIKE",  "BETWEEN", "GROUP", "ORDER",  "BY",     "HAVING",
      "LIMIT",  "OFFSET", "JOIN",   "INNER",  "LEFT",   "RIGHT",  "FULL",   "OUTER",
      "CROSS",  "NATURAL", "ON",    "USING",  "UNION",  "INTERSECT", "EXCEPT", "WINDOW",
      "DISTINCT", "ALL",  "CAST",   "INTO",   "CREATE", "INSERT", "WITH",   "EMIT",
      "QUALIFY", "FETCH", "ESCAPE", "TRY_CAST"};
  if (t.kind != TokenKind::kIdentifier) return false;
  for (std::string_view r : kReserved) {
    if (t.IsKeyword(r)) return true;
  }
  return false;
}

Result<Identifier> Parser::ParseIdentifier(const char* what) {
  const Token& t = Peek();
  if (t.kind == TokenKind::kQuotedIdentifier ||
      (t.kind == TokenKind::kIdentifier && !IsReserved(t))) {
    Identifier id{t.text, t.kind == TokenKind::kQuotedIdentifier, t.pos};
    Advance();
    return id;
  }
  std::string msg = std::string("expected ") + what + " but found " + t.Describe();
  if (t.kind == TokenKind::kIdentifier) {
    msg = std::string("expected ") + what + " but found keyword " + t.text +
          "; write \"" + t.text + "\" to use it as a name";
  }
  return Error(t, msg);
}

Status Parser::CheckUnsupportedAfterFrom() {
  const Token& t = Peek();
  if (t.IsKeyword("UNION") && !Peek(1).IsKeyword("ALL")) {
    return ctx_.NotSupported(t.pos, "UNION without ALL (it would keep every row ever seen to remove "
                                    "duplicates); write UNION ALL");
  }
  for (const Unsupported& u : kUnsupportedClauses) {
    if (t.IsKeyword(u.keyword)) return ctx_.NotSupported(t.pos, std::string(u.feature));
  }
  return Status::OK();
}

Result<TableRef> Parser::ParseFrom() {
  SLUICE_ASSIGN_OR_RETURN(TableRef left, ParseTableRef());
  for (;;) {
    const Token& t = Peek();
    JoinType type = JoinType::kInner;
    if (t.IsOperator(",")) {
      // FROM a, b WHERE ...: an inner join whose condition is the WHERE clause.
      Advance();
      TableRef join;
      join.kind = TableRefKind::kJoin;
      join.pos = t.pos;
      SLUICE_ASSIGN_OR_RETURN(TableRef right, ParseTableRef());
      join.left = std::make_shared<const TableRef>(std::move(left));
      join.right = std::make_shared<const TableRef>(std::move(right));
      left = std::move(join);
      continue;
    }
    if (t.IsKeyword("JOIN")) {
      Advance();
    } else if (t.IsKeyword("INNER") && Peek(1).IsKeyword("JOIN")) {
      Advance();
      Advance();
    } else if (t.IsKeyword("LEFT")) {
      type = JoinType::kLeft;
      Advance();
      if (Peek().IsKeyword("OUTER")) Advance();
      SLUICE_RETURN_NOT_OK(ExpectKeyword("JOIN"));
    } else {
      break;
    }
    TableRef join;
    join.kind = TableRefKind::kJoin;
    join.pos = t.pos;
    join.join_type = type;
    SLUICE_ASSIGN_OR_RETURN(TableRef right, ParseTableRef());
    if (Peek().IsKeyword("USING")) {
      return ctx_.NotSupported(Peek().pos, "JOIN ... USING (write ON a.x = b.x)");
    }
    if (!Peek().IsKeyword("ON")) {
      return Error(Peek(), "expected ON after the joined stream but found " + Peek().Describe() +
                               "; a stream join needs a condition (JOIN b ON a.x = b.y)");
    }
    Advance();
    SLUICE_ASSIGN_OR_RETURN(join.join_on, ParseExpr(0));
    join.left = std::make_shared<const TableRef>(std::move(left));
    join.right = std::make_shared<const TableRef>(std::move(right));
    left = std::move(join);
  }
  return left;
}

Result<TableRef> Parser::ParseTableRef() {
  TableRef ref;
  ref.pos = Peek().pos;
  if (Peek().IsOperator("(")) {
    if (!Peek(1).IsKeyword("SELECT") && !Peek(1).IsKeyword("WITH")) {
      return Error(Peek(), "expected a stream name or (SELECT ...) after FROM but found '('");
    }
    Advance();
    ref.kind = TableRefKind::kSubquery;
    SLUICE_ASSIGN_OR_RETURN(ref.subquery, ParseQuery());
    if (!Peek().IsOperator(")")) {
      return Error(Peek(), "expected ')' to close the subquery but found " + Peek().Describe());
    }
    Advance();
    if (Peek().IsKeyword("AS")) {
      Advance();
      SLUICE_ASSIGN_OR_RETURN(ref.alias, ParseIdentifier("a subquery name after AS"));
    } else if (Peek().kind == TokenKind::kQuotedIdentifier ||
               (Peek().kind == TokenKind::kIdentifier && !IsReserved(Peek()))) {
      SLUICE_ASSIGN_OR_RETURN(ref.alias, ParseIdentifier("a subquery name"));
    }
    // Without a name (as Flink and PostgreSQL 16 allow) its columns are only reachable
    // unqualified.
    return ref;
  }
  const bool table_call = Peek().IsKeyword("TABLE") && Peek(1).IsOperator("(");
  const int name_at = table_call ? 2 : 0;
  const Token& fn = Peek(name_at);
  if ((fn.IsKeyword("TUMBLE") || fn.IsKeyword("HOP") || fn.IsKeyword("CUMULATE") ||
       fn.IsKeyword("SESSION")) &&
      Peek(name_at + 1).IsOperator("(")) {
    if (table_call) {
      Advance();
      Advance();
    }
    SLUICE_RETURN_NOT_OK(ParseWindowCall(&ref));
    if (table_call) SLUICE_RETURN_NOT_OK(Expect(")"));
  } else if (table_call) {
    return ctx_.NotSupported(Peek().pos, "a table function in FROM other than TUMBLE, HOP, "
                                         "CUMULATE and SESSION");
  } else {
    SLUICE_RETURN_NOT_OK(ParseStreamName(&ref));
    if (Peek().IsKeyword("FOR") && Peek(1).IsKeyword("SYSTEM_TIME")) {
      // A lookup join's table: t FOR SYSTEM_TIME AS OF <processing time>.
      ref.system_time_pos = Peek().pos;
      Advance();
      Advance();
      SLUICE_RETURN_NOT_OK(ExpectKeyword("AS"));
      SLUICE_RETURN_NOT_OK(ExpectKeyword("OF"));
      SLUICE_ASSIGN_OR_RETURN(ref.system_time, ParseExpr(0));
    }
  }
  if (Peek().IsOperator("(")) {
    return ctx_.NotSupported(ref.pos, "a table function in FROM (" + ref.Name() + "(...))");
  }
  if (Peek().IsKeyword("AS")) {
    Advance();
    SLUICE_ASSIGN_OR_RETURN(ref.alias, ParseIdentifier("an alias after AS"));
  } else if (Peek().kind == TokenKind::kQuotedIdentifier ||
             (Peek().kind == TokenKind::kIdentifier && !IsReserved(Peek()))) {
    SLUICE_ASSIGN_OR_RETURN(ref.alias, ParseIdentifier("an alias"));
  }
  return ref;
}

Status Parser::ParseStreamName(TableRef* ref) {
  SLUICE_ASSIGN_OR_RETURN(Identifier first, ParseIdentifier("a stream name"));
  ref->parts.push_back(std::move(first));
  while (Peek().IsOperator(".")) {
    Advance();
    SLUICE_ASSIGN_OR_RETURN(Identifier part, ParseIdentifier("a name after '.'"));
    ref->parts.push_back(std::move(part));
  }
  return Status::OK();
}

// TUMBLE([TABLE] src, ts | DESCRIPTOR(ts), size), HOP(..., slide, size),
// CUMULATE(..., step, size) or SESSION([TABLE] src [PARTITION BY k, ...], ts, gap);
// cursor on the name.
Status Parser::ParseWindowCall(TableRef* ref) {
  const Token& fn = Peek();
  ref->window = fn.IsKeyword("TUMBLE")     ? WindowKind::kTumble
                : fn.IsKeyword("HOP")      ? WindowKind::kHop
                : fn.IsKeyword("CUMULATE") ? WindowKind::kCumulate
                                           : WindowKind::kSession;
  ref->window_pos = fn.pos;
  std::string name = fn.text;
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  Advance();
  Advance();  // (
  if (Peek().IsKeyword("TABLE")) Advance();
  SLUICE_RETURN_NOT_OK(ParseStreamName(ref));
  if (Peek().IsKeyword("PARTITION")) {
    if (ref->window != WindowKind::kSession) {
      return Error(Peek(), "PARTITION BY in a window call is only for SESSION windows");
    }
    Advance();
    SLUICE_RETURN_NOT_OK(ExpectKeyword("BY"));
    while (true) {
      SLUICE_ASSIGN_OR_RETURN(Identifier key, ParseIdentifier("a partition column"));
      ref->window_partition.push_back(std::move(key));
      if (Peek().IsOperator(",") && Peek(1).IsKeyword("DESCRIPTOR")) break;
      if (!Peek().IsOperator(",")) {
        return Error(Peek(), "expected ', DESCRIPTOR(time_column)' after SESSION's PARTITION BY "
                             "columns but found " + Peek().Describe());
      }
      Advance();
    }
  }
  SLUICE_RETURN_NOT_OK(Expect(","));
  const bool descriptor = Peek().IsKeyword("DESCRIPTOR") && Peek(1).IsOperator("(");
  if (descriptor) {
    Advance();
    Advance();
  }
  if (Peek().IsKeyword("PROCTIME") && Peek(1).IsOperator("(") && Peek(2).IsOperator(")")) {
    // A processing-time window: rows belong to the window of the wall-clock time they are
    // processed at.
    ref->processing_time = true;
    ref->time_column = Identifier{"proctime", false, Peek().pos};
    Advance();
    Advance();
    Advance();
  } else {
    SLUICE_ASSIGN_OR_RETURN(ref->time_column, ParseIdentifier("the event-time column"));
  }
  if (descriptor) SLUICE_RETURN_NOT_OK(Expect(")"));
  SLUICE_RETURN_NOT_OK(Expect(","));
  SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr first, ParseExpr(0));
  if (ref->window == WindowKind::kHop || ref->window == WindowKind::kCumulate) {
    if (!Peek().IsOperator(",")) {
      return Error(Peek(), ref->window == WindowKind::kHop
                               ? "HOP takes a slide and a size: HOP(stream, time_column, "
                                 "INTERVAL '5' SECOND, INTERVAL '10' SECOND)"
                               : "CUMULATE takes a step and a size: CUMULATE(stream, "
                                 "time_column, INTERVAL '1' MINUTE, INTERVAL '1' HOUR)");
    }
    Advance();
    ref->window_slide = std::move(first);
    SLUICE_ASSIGN_OR_RETURN(ref->window_size, ParseExpr(0));
  } else {
    ref->window_size = std::move(first);
  }
  if (!Peek().IsOperator(")")) {
    return Error(Peek(), "expected ')' to close " + name + "(...) but found " + Peek().Describe());
  }
  Advance();
  return Status::OK();
}

Result<SelectItem> Parser::ParseSelectItem() {
  SelectItem item;
  item.pos = Peek().pos;
  if (Peek().IsOperator("*")) {
    Advance();
    item.star = true;
    return item;
  }
  // qualifier.*
  if ((Peek().kind == TokenKind::kIdentifier || Peek().kind == TokenKind::kQuotedIdentifier) &&
      Peek(1).IsOperator(".") && Peek(2).IsOperator("*")) {
    item.star = true;
    item.star_qualifier = Peek().text;
    Advance();
    Advance();
    Advance();
    return item;
  }
  SLUICE_ASSIGN_OR_RETURN(item.expr, ParseExpr(0));
  if (Peek().IsKeyword("AS")) {
    Advance();
    SLUICE_ASSIGN_OR_RETURN(item.alias, ParseIdentifier("an alias after AS"));
  } else if (Peek().kind == TokenKind::kQuotedIdentifier ||
             (Peek().kind == TokenKind::kIdentifier && !IsReserved(Peek()))) {
    SLUICE_ASSIGN_OR_RETURN(item.alias, ParseIdentifier("an alias"));
  }
  return item;
}

Result<std::shared_ptr<const SelectStmt>> Parser::ParseQuery() {
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<SelectStmt> head, ParseSelectBody());
  while (Peek().IsKeyword("UNION")) {
    SLUICE_RETURN_NOT_OK(CheckUnsupportedAfterFrom());  // UNION without ALL
    Advance();
    Advance();  // ALL
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<SelectStmt> next, ParseSelectBody());
    head->union_all.push_back(std::move(next));
  }
  return std::shared_ptr<const SelectStmt>(std::move(head));
}

Result<std::shared_ptr<SelectStmt>> Parser::ParseSelectBody() {
  auto stmt = std::make_shared<SelectStmt>();
  stmt->pos = Peek().pos;
  if (Peek().IsKeyword("WITH")) return ctx_.NotSupported(Peek().pos, "WITH (common table expressions)");
  if (Peek().IsKeyword("VALUES")) return ctx_.NotSupported(Peek().pos, "VALUES");
  SLUICE_RETURN_NOT_OK(ExpectKeyword("SELECT"));
  if (Peek().IsKeyword("DISTINCT")) return ctx_.NotSupported(Peek().pos, "SELECT DISTINCT");
  if (Peek().IsKeyword("ALL")) Advance();
  for (;;) {
    if (Peek().IsKeyword("FROM") || AtStatementEnd()) {
      return Error(Peek(), "expected an expression to select but found " + Peek().Describe());
    }
    SLUICE_ASSIGN_OR_RETURN(SelectItem item, ParseSelectItem());
    stmt->items.push_back(std::move(item));
    if (!Peek().IsOperator(",")) break;
    Advance();
  }
  if (!Peek().IsKeyword("FROM")) {
    if (AtStatementEnd() || Peek().IsOperator(")")) {
      return ctx_.NotSupported(Peek().pos, "SELECT without FROM (every query reads one stream)");
    }
    SLUICE_RETURN_NOT_OK(CheckUnsupportedAfterFrom());
    return Error(Peek(), "expected ',' or FROM after a select item but found " + Peek().Describe());
  }
  Advance();
  SLUICE_ASSIGN_OR_RETURN(stmt->from, ParseFrom());
  SLUICE_RETURN_NOT_OK(CheckUnsupportedAfterFrom());
  if (Peek().IsKeyword("WHERE")) {
    Advance();
    SLUICE_ASSIGN_OR_RETURN(stmt->where, ParseExpr(0));
  }
  if (Peek().IsKeyword("GROUP")) {
    stmt->group_by_pos = Peek().pos;
    Advance();
    SLUICE_RETURN_NOT_OK(ExpectKeyword("BY"));
    for (;;) {
      SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr key, ParseExpr(0));
      stmt->group_by.push_back(std::move(key));
      if (!Peek().IsOperator(",")) break;
      Advance();
    }
  }
  if (Peek().IsKeyword("HAVING")) {
    Advance();
    SLUICE_ASSIGN_OR_RETURN(stmt->having, ParseExpr(0));
  }
  if (Peek().IsKeyword("EMIT")) {
    stmt->emit_pos = Peek().pos;
    Advance();
    if (!Peek().IsKeyword("ON") || !Peek(1).IsKeyword("WINDOW") || !Peek(2).IsKeyword("CLOSE")) {
      return Error(Peek(), "expected ON WINDOW CLOSE after EMIT (the only EMIT mode)");
    }
    Advance();
    Advance();
    Advance();
    stmt->emit_on_window_close = true;
  }
  SLUICE_RETURN_NOT_OK(CheckUnsupportedAfterFrom());
  if (!AtStatementEnd() && !Peek().IsOperator(")") && !Peek().IsKeyword("UNION")) {
    return Error(Peek(), "expected WHERE, ';' or the end of the statement but found " +
                             Peek().Describe());
  }
  return stmt;
}

Result<Statement> Parser::ParseStatement() {
  Statement st;
  const Token& first = Peek();
  st.line = first.pos.line;
  st.column = first.pos.column;
  const int begin = first.pos.offset;
  if (first.IsKeyword("CREATE") && Peek(1).IsKeyword("SOURCE")) {
    Advance();
    Advance();
    SLUICE_RETURN_NOT_OK(ParseCreateSource(&st));
    const int end = Peek(-1).end;
    st.text.assign(ctx_.script.substr(static_cast<size_t>(begin), static_cast<size_t>(end - begin)));
    return st;
  }
  if (first.IsKeyword("CREATE")) {
    Advance();
    if (!Peek().IsKeyword("MATERIALIZED")) {
      return Error(Peek(), "only CREATE MATERIALIZED VIEW and CREATE SOURCE are supported in "
                           "streams/*.sql; sinks are declared in sinks/ YAML files");
    }
    Advance();
    SLUICE_RETURN_NOT_OK(ExpectKeyword("VIEW"));
    if (Peek().IsKeyword("IF")) return ctx_.NotSupported(Peek().pos, "IF NOT EXISTS");
    st.kind = Statement::kCreateMaterializedView;
    st.target_pos = Peek().pos;
    SLUICE_ASSIGN_OR_RETURN(Identifier name, ParseIdentifier("a view name"));
    st.target = name.name;
    if (Peek().IsOperator("(")) return ctx_.NotSupported(Peek().pos, "a column list on the view");
    if (Peek().IsKeyword("WITH")) {
      Advance();
      SLUICE_RETURN_NOT_OK(ParseOptions(&st));
    }
    SLUICE_RETURN_NOT_OK(ExpectKeyword("AS"));
  } else if (first.IsKeyword("INSERT")) {
    Advance();
    SLUICE_RETURN_NOT_OK(ExpectKeyword("INTO"));
    st.kind = Statement::kInsertInto;
    st.target_pos = Peek().pos;
    SLUICE_ASSIGN_OR_RETURN(Identifier name, ParseIdentifier("a sink name"));
    st.target = name.name;
    if (Peek().IsOperator("(")) return ctx_.NotSupported(Peek().pos, "a column list in INSERT INTO");
  } else if (first.IsKeyword("SELECT")) {
    return Error(first, "a SELECT on its own has nowhere to go; write CREATE MATERIALIZED VIEW "
                        "name AS SELECT ... or INSERT INTO sink SELECT ...");
  } else {
    return Error(first, "expected CREATE MATERIALIZED VIEW or INSERT INTO but found " +
                            first.Describe());
  }
  SLUICE_ASSIGN_OR_RETURN(st.select, ParseQuery());
  const int end = Peek(-1).end;
  st.text.assign(ctx_.script.substr(static_cast<size_t>(begin), static_cast<size_t>(end - begin)));
  return st;
}

// After CREATE SOURCE: name [(columns, WATERMARK FOR ...)] WITH (...).
Status Parser::ParseCreateSource(Statement* st) {
  st->kind = Statement::kCreateSource;
  st->target_pos = Peek().pos;
  SLUICE_ASSIGN_OR_RETURN(Identifier name, ParseIdentifier("a source name"));
  st->target = name.name;
  if (Peek().IsOperator("(")) {
    Advance();
    for (;;) {
      if (Peek().IsKeyword("WATERMARK")) {
        if (!st->watermark_column.empty()) return Error(Peek(), "a source has one WATERMARK");
        st->watermark_pos = Peek().pos;
        Advance();
        SLUICE_RETURN_NOT_OK(ExpectKeyword("FOR"));
        SLUICE_ASSIGN_OR_RETURN(Identifier ts, ParseIdentifier("the event-time column"));
        SLUICE_RETURN_NOT_OK(ExpectKeyword("AS"));
        const Token& at = Peek();
        SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr e, ParseExpr(0));
        // ts, or ts - INTERVAL '...' (a constant delay).
        const ParsedExpr* col = e.get();
        int64_t delay = 0;
        if (e->kind == ExprKind::kBinary && e->op == "-" && e->args[1]->kind == ExprKind::kLiteral &&
            !e->args[1]->null_literal && e->args[1]->value.type().id == TypeId::kInterval) {
          const Interval iv = e->args[1]->value.interval_value();
          if (iv.months != 0) return Error(at, "the watermark delay must be in days or smaller units");
          delay = int64_t{iv.days} * 86400 * 1000000 + iv.micros;
          col = e->args[0].get();
        }
        if (col->kind != ExprKind::kColumnRef || col->names.size() != 1 ||
            !EqualsIgnoreCase(col->names[0].name, ts.name) || delay < 0) {
          return Error(at, "expected WATERMARK FOR " + ts.name + " AS " + ts.name +
                               " - INTERVAL '<delay>' SECOND (the column minus a constant delay)");
        }
        st->watermark_column = ts.name;
        st->watermark_delay_us = delay;
      } else {
        Statement::SourceColumn c;
        c.pos = Peek().pos;
        SLUICE_ASSIGN_OR_RETURN(Identifier col, ParseIdentifier("a column name"));
        c.name = col.name;
        SLUICE_ASSIGN_OR_RETURN(c.type, ParseTypeName());
        if (Peek().IsKeyword("NOT") && Peek(1).IsKeyword("NULL")) {
          Advance();
          Advance();
          c.nullable = false;
        } else if (Peek().IsKeyword("NULL")) {
          Advance();
        }
        st->columns.push_back(std::move(c));
      }
      if (!Peek().IsOperator(",")) break;
      Advance();
    }
    SLUICE_RETURN_NOT_OK(Expect(")"));
  }
  if (!Peek().IsKeyword("WITH")) {
    return Error(Peek(), "expected WITH (connector = '...', ...) after the source's columns but found " +
                             Peek().Describe());
  }
  Advance();
  return ParseOptions(st);
}

Status Parser::ParseOptions(Statement* st) {
  SLUICE_RETURN_NOT_OK(Expect("("));
  for (;;) {
    const Token& key_token = Peek();
    SLUICE_ASSIGN_OR_RETURN(Identifier key, ParseIdentifier("an option name"));
    Statement::Option opt;
    opt.pos = key_token.pos;
    for (char c : key.name) opt.key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const Statement::Option& seen : st->options) {
      if (seen.key == opt.key) return Error(key_token, "option '" + opt.key + "' is given twice");
    }
    SLUICE_RETURN_NOT_OK(Expect("="));
    const Token& v = Peek();
    if (v.kind != TokenKind::kString && v.kind != TokenKind::kInteger &&
        v.kind != TokenKind::kDecimal &&
        v.kind != TokenKind::kFloat && v.kind != TokenKind::kIdentifier) {
      return Error(v, "expected a value for option '" + opt.key + "' but found " + v.Describe());
    }
    opt.value = v.text;
    Advance();
    st->options.push_back(std::move(opt));
    if (!Peek().IsOperator(",")) break;
    Advance();
  }
  return Expect(")");
}

bool Parser::AtStatementEnd() const {
  return Peek().kind == TokenKind::kEnd || Peek().IsOperator(";");
}

void Parser::SkipToStatementEnd() {
  while (!AtStatementEnd()) Advance();
}

Result<std::vector<Statement>> ParseScript(std::string_view script, const std::string& file) {
  ErrorContext ctx{script, file};
  SLUICE_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(ctx));
  Parser p(ctx, std::move(tokens));
  std::vector<Statement> out;
  std::string errors;
  StatusCode code = StatusCode::kOk;
  for (;;) {
    while (p.Peek().IsOperator(";")) p.Advance();
    if (p.Peek().kind == TokenKind::kEnd) break;
    Result<Statement> st = p.ParseStatement();
    if (st.ok()) {
      out.push_back(std::move(st).value());
      if (!p.AtStatementEnd()) {
        st = p.Error(p.Peek(), "expected ';' but found " + p.Peek().Describe());
      }
    }
    if (!st.ok()) {
      if (!errors.empty()) errors += "\n";
      errors += st.status().message();
      if (code == StatusCode::kOk) code = st.status().code();
      p.SkipToStatementEnd();
    }
  }
  if (!errors.empty()) return Status(code, errors);
  return out;
}

Result<std::shared_ptr<const SelectStmt>> ParseSelect(std::string_view sql, const std::string& file) {
  ErrorContext ctx{sql, file};
  SLUICE_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(ctx));
  Parser p(ctx, std::move(tokens));
  SLUICE_ASSIGN_OR_RETURN(auto stmt, p.ParseQuery());
  if (p.Peek().IsOperator(";")) p.Advance();
  if (p.Peek().kind != TokenKind::kEnd) {
    return p.Error(p.Peek(), "expected the end of the query but found " + p.Peek().Describe());
  }
  return stmt;
}

Result<ParsedExprPtr> ParseExpression(std::string_view sql, const std::string& file) {
  ErrorContext ctx{sql, file};
  SLUICE_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(ctx));
  Parser p(ctx, std::move(tokens));
  SLUICE_ASSIGN_OR_RETURN(ParsedExprPtr e, p.ParseExpr(0));
  if (p.Peek().kind != TokenKind::kEnd) {
    return p.Error(p.Peek(), "expected the end of the expression but found " + p.Peek().Describe());
  }
  return e;
}

}  // namespace sluice::sql
