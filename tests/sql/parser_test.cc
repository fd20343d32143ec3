// Lexer and parser edge cases, script structure and error rendering.
#include <gtest/gtest.h>

#include "sql/lexer.h"
#include "sql/parser.h"
#include "sql/sql_error.h"

namespace sluice::sql {
namespace {

std::vector<Token> Lex(std::string_view text) {
  ErrorContext ctx{text, "t.sql"};
  Result<std::vector<Token>> r = Tokenize(ctx);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : std::vector<Token>{};
}

std::string LexError(std::string_view text) {
  ErrorContext ctx{text, "t.sql"};
  Result<std::vector<Token>> r = Tokenize(ctx);
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.status().message();
}

TEST(LexerTest, TokensWithPositions) {
  auto t = Lex("SELECT a1,\n  'it''s' <> 12.50 -- comment\n/* x /* nested */ */ \"Q\"\"x\" 1e3 ::");
  ASSERT_EQ(t.size(), 10u);
  EXPECT_TRUE(t[0].IsKeyword("select"));
  EXPECT_EQ(t[1].text, "a1");
  EXPECT_EQ(t[1].pos.column, 8);
  EXPECT_EQ(t[3].kind, TokenKind::kString);
  EXPECT_EQ(t[3].text, "it's");
  EXPECT_EQ(t[3].pos.line, 2);
  EXPECT_EQ(t[3].pos.column, 3);
  EXPECT_TRUE(t[4].IsOperator("<>"));
  EXPECT_EQ(t[5].kind, TokenKind::kDecimal);
  EXPECT_EQ(t[6].kind, TokenKind::kQuotedIdentifier);
  EXPECT_EQ(t[6].text, "Q\"x");
  EXPECT_EQ(t[6].pos.line, 3);
  EXPECT_FALSE(t[6].IsKeyword("Q\"x"));
  EXPECT_EQ(t[7].kind, TokenKind::kFloat);
  EXPECT_TRUE(t[8].IsOperator("::"));
  EXPECT_EQ(t[9].kind, TokenKind::kEnd);
}

TEST(LexerTest, ColumnsCountCharacters) {
  auto t = Lex("'ä€' x");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[1].pos.column, 6);
}

TEST(LexerTest, UnterminatedThingsPointAtTheirStart) {
  EXPECT_EQ(LexError("SELECT\n  'abc"),
            "t.sql:2:3: error: unterminated string literal; close it with '\n    'abc\n    ^");
  EXPECT_NE(LexError("a \"b").find("t.sql:1:3: error: unterminated quoted identifier"), std::string::npos);
  EXPECT_NE(LexError("x /* a /* b */").find("t.sql:1:3: error: unterminated /* comment"), std::string::npos);
  EXPECT_NE(LexError("x ? y").find("t.sql:1:3: error: unexpected character '?'"), std::string::npos);
  EXPECT_NE(LexError("\"\"").find("zero-length quoted identifier"), std::string::npos);
}

TEST(SqlErrorTest, CaretUnderColumnKeepsTabs) {
  EXPECT_EQ(FormatSqlError("a\n\tSELECT x", "f.sql", 2, 9, "bad"),
            "f.sql:2:9: error: bad\n  \tSELECT x\n  \t       ^");
  EXPECT_EQ(FormatSqlError("a", "f.sql", 0, 0, "bad"), "f.sql: error: bad");
  EXPECT_EQ(FormatSqlError("a", "f.sql", 7, 1, "bad"), "f.sql:7:1: error: bad");
}

TEST(ParserTest, ScriptStatementsWithLinesAndText) {
  const std::string script =
      "-- orders\n"
      "CREATE MATERIALIZED VIEW big AS\n"
      "  SELECT id FROM shop.orders WHERE total > 10;\n"
      ";\n"
      "  insert into \"Sink\" select * from shop.orders  ;  ";
  Result<std::vector<Statement>> r = ParseScript(script, "s.sql");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 2u);
  const Statement& a = (*r)[0];
  EXPECT_EQ(a.kind, Statement::kCreateMaterializedView);
  EXPECT_EQ(a.target, "big");
  EXPECT_EQ(a.line, 2);
  EXPECT_EQ(a.column, 1);
  EXPECT_EQ(a.text, "CREATE MATERIALIZED VIEW big AS\n  SELECT id FROM shop.orders WHERE total > 10");
  ASSERT_TRUE(a.select);
  EXPECT_EQ(a.select->from.Name(), "shop.orders");
  EXPECT_TRUE(a.select->where != nullptr);
  const Statement& b = (*r)[1];
  EXPECT_EQ(b.kind, Statement::kInsertInto);
  EXPECT_EQ(b.target, "Sink");
  EXPECT_EQ(b.line, 5);
  EXPECT_EQ(b.column, 3);
  EXPECT_TRUE(b.select->items[0].star);
}

TEST(ParserTest, EmptyScriptHasNoStatements) {
  Result<std::vector<Statement>> r = ParseScript("  -- nothing\n /* here */ ;; ", "e.sql");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(ParserTest, EveryBadStatementIsReported) {
  const std::string script =
      "CREATE MATERIALIZED VIEW a AS SELECT FROM x;\n"
      "INSERT INTO s SELECT id FROM x;\n"
      "SELECT id FROM x;\n";
  Result<std::vector<Statement>> r = ParseScript(script, "m.sql");
  ASSERT_FALSE(r.ok());
  const std::string& msg = r.status().message();
  EXPECT_NE(msg.find("m.sql:1:38: error: expected an expression to select"), std::string::npos) << msg;
  EXPECT_NE(msg.find("m.sql:3:1: error: a SELECT on its own has nowhere to go"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("m.sql:2:"), std::string::npos) << msg;
}

TEST(ParserTest, MissingSemicolonBetweenStatements) {
  Result<std::vector<Statement>> r =
      ParseScript("INSERT INTO s SELECT a FROM x\nINSERT INTO s SELECT a FROM x", "m.sql");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("m.sql:2:1: error: expected WHERE, ';' or the end"),
            std::string::npos)
      << r.status().message();
}

TEST(ParserTest, KeywordsAsQuotedIdentifiers) {
  Result<std::vector<Statement>> r =
      ParseScript("CREATE MATERIALIZED VIEW \"select\" AS SELECT \"from\" AS \"where\" FROM \"group\".\"by\"",
                  "k.sql");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Statement& s = (*r)[0];
  EXPECT_EQ(s.target, "select");
  EXPECT_EQ(s.select->items[0].alias.name, "where");
  EXPECT_TRUE(s.select->items[0].alias.quoted);
  EXPECT_EQ(s.select->from.Name(), "group.by");

  Result<std::vector<Statement>> bad = ParseScript("CREATE MATERIALIZED VIEW select AS SELECT 1 FROM t", "k.sql");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("k.sql:1:26: error: expected a view name but found keyword select; "
                                        "write \"select\" to use it as a name"),
            std::string::npos)
      << bad.status().message();
}

TEST(ParserTest, UnsupportedIsNotImplemented) {
  Result<std::vector<Statement>> r = ParseScript("INSERT INTO s SELECT a FROM x ORDER BY a", "g.sql");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotImplemented);
  EXPECT_NE(r.status().message().find("g.sql:1:31: error: ORDER BY on a stream"), std::string::npos);
}

// Precedence, shown through the tree's shape.
std::string Shape(const ParsedExpr& e) {
  switch (e.kind) {
    case ExprKind::kLiteral: return e.null_literal ? "NULL" : e.value.ToString();
    case ExprKind::kColumnRef: return e.names.back().name;
    case ExprKind::kUnary: return "(" + e.op + " " + Shape(*e.args[0]) + ")";
    case ExprKind::kBinary: return "(" + Shape(*e.args[0]) + " " + e.op + " " + Shape(*e.args[1]) + ")";
    case ExprKind::kIsNull: return "(" + Shape(*e.args[0]) + (e.negated ? " IS NOT NULL)" : " IS NULL)");
    case ExprKind::kBetween:
      return "(" + Shape(*e.args[0]) + " BETWEEN " + Shape(*e.args[1]) + " AND " + Shape(*e.args[2]) + ")";
    case ExprKind::kCast: return "(" + Shape(*e.args[0]) + "::" + e.cast_type.ToString() + ")";
    default: return "?";
  }
}

std::string ParseShape(std::string_view text) {
  Result<ParsedExprPtr> e = ParseExpression(text, "e");
  if (!e.ok()) return e.status().message();
  return Shape(**e);
}

TEST(ParserTest, PostgresPrecedence) {
  EXPECT_EQ(ParseShape("a OR b AND NOT c"), "(a OR (b AND (NOT c)))");
  EXPECT_EQ(ParseShape("1 + 2 * 3 - 4"), "((1 + (2 * 3)) - 4)");
  EXPECT_EQ(ParseShape("a || b + c"), "(a || (b + c))");
  EXPECT_EQ(ParseShape("a = b IS NULL"), "((a = b) IS NULL)");
  EXPECT_EQ(ParseShape("NOT a = b"), "(NOT (a = b))");
  EXPECT_EQ(ParseShape("x BETWEEN 1 AND 2 AND y"), "((x BETWEEN 1 AND 2) AND y)");
  EXPECT_EQ(ParseShape("-a::INT"), "(- (a::INT32))");
  EXPECT_EQ(ParseShape("-2147483648"), "-2147483648");
  EXPECT_EQ(ParseShape("a < b = c"), "((a < b) = c)");
  EXPECT_EQ(ParseShape("a - -1"), "(a - -1)");
}

TEST(ParserTest, LiteralTypes) {
  auto lit = [](std::string_view text) {
    Result<ParsedExprPtr> e = ParseExpression(text, "e");
    EXPECT_TRUE(e.ok()) << e.status().message();
    return e.ok() ? (*e)->value.type().ToString() : "";
  };
  EXPECT_EQ(lit("2147483647"), "INT32");
  EXPECT_EQ(lit("2147483648"), "INT64");
  EXPECT_EQ(lit("12.50"), "DECIMAL(4,2)");
  EXPECT_EQ(lit("0.001"), "DECIMAL(3,3)");
  EXPECT_EQ(lit("1e3"), "DOUBLE");
  EXPECT_EQ(lit("1234567890123456789.5"), "DOUBLE");
  EXPECT_EQ(lit("TIMESTAMP '2024-01-01 00:00:00'"), "TIMESTAMP");
  EXPECT_EQ(lit("INTERVAL '4' SECOND"), "INTERVAL");
}

}  // namespace
}  // namespace sluice::sql
