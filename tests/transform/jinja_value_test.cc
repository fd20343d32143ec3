// Value, BindArgs and the lexer in isolation.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "transform/jinja.h"
#include "transform/jinja_lexer.h"

namespace sluice::transform {
namespace {

TEST(JinjaValueTest, PrintsLikePython) {
  EXPECT_EQ(Value().ToString(), "None");
  EXPECT_EQ(Value(true).ToString(), "True");
  EXPECT_EQ(Value(int64_t{-12}).ToString(), "-12");
  EXPECT_EQ(Value("s").ToString(), "s");
  EXPECT_EQ(Value("s").Repr(), "'s'");
  EXPECT_EQ(Value::List({1, "a", Value(), 2.5}).ToString(), "[1, 'a', None, 2.5]");
  EXPECT_EQ(Value::Tuple({1}).ToString(), "(1,)");
  EXPECT_EQ(Value::Tuple({}).ToString(), "()");
  Value d = Value::EmptyDict();
  d.mutable_dict().Set(Value("k"), Value::List({}));
  d.mutable_dict().Set(Value(1), Value(false));
  EXPECT_EQ(d.ToString(), "{'k': [], 1: False}");
}

TEST(JinjaValueTest, FormatFloatMatchesPythonRepr) {
  EXPECT_EQ(FormatFloat(1.0), "1.0");
  EXPECT_EQ(FormatFloat(0.1), "0.1");
  EXPECT_EQ(FormatFloat(-2.5), "-2.5");
  EXPECT_EQ(FormatFloat(1e16), "1e+16");
  EXPECT_EQ(FormatFloat(1.5e16), "1.5e+16");
  EXPECT_EQ(FormatFloat(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(FormatFloat(1e15), "1000000000000000.0");
  EXPECT_EQ(FormatFloat(0.0001), "0.0001");
  EXPECT_EQ(FormatFloat(0.00001), "1e-05");
  EXPECT_EQ(FormatFloat(-0.0), "-0.0");
  EXPECT_EQ(FormatFloat(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(FormatFloat(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(FormatFloat(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(FormatFloat(std::nan("")), "nan");
  EXPECT_EQ(FormatFloat(5e-324), "5e-324");
}

TEST(JinjaValueTest, ReprStringQuotesLikePython) {
  EXPECT_EQ(ReprString("a"), "'a'");
  EXPECT_EQ(ReprString("it's"), "\"it's\"");
  EXPECT_EQ(ReprString("both ' and \""), "'both \\' and \"'");
  EXPECT_EQ(ReprString("a\nb\\"), "'a\\nb\\\\'");
  EXPECT_EQ(ReprString(std::string("\x01", 1)), "'\\x01'");
}

TEST(JinjaValueTest, EqualityAndTruthiness) {
  EXPECT_TRUE(Value(1).Equals(Value(1.0)));
  EXPECT_TRUE(Value(1).Equals(Value(true)));
  EXPECT_FALSE(Value(1).Equals(Value("1")));
  EXPECT_TRUE(Value::List({1, Value::List({2})}).Equals(Value::List({1, Value::List({2})})));
  EXPECT_FALSE(Value::List({1}).Equals(Value::Tuple({1})));
  EXPECT_FALSE(Value().Truthy());
  EXPECT_FALSE(Value("").Truthy());
  EXPECT_FALSE(Value(0.0).Truthy());
  EXPECT_FALSE(Value::List().Truthy());
  EXPECT_FALSE(Value::EmptyDict().Truthy());
  EXPECT_TRUE(Value("x").Truthy());
  EXPECT_TRUE(Value::Function("f", nullptr).Truthy());
}

TEST(JinjaValueTest, ContainersHaveReferenceSemantics) {
  Value a = Value::List({1});
  Value b = a;
  b.mutable_list().push_back(Value(2));
  EXPECT_EQ(a.ToString(), "[1, 2]");
  Value d = Value::EmptyDict();
  d.mutable_dict().Set(Value("x"), Value(1));
  d.mutable_dict().Set(Value("y"), Value(2));
  d.mutable_dict().Set(Value("x"), Value(3));  // replaces in place, keeps order
  EXPECT_EQ(d.ToString(), "{'x': 3, 'y': 2}");
  EXPECT_TRUE(d.mutable_dict().Erase(Value("x")));
  EXPECT_FALSE(d.mutable_dict().Erase(Value("x")));
  EXPECT_EQ(d.as_dict().size(), 1u);
  ASSERT_NE(d.as_dict().Find("y"), nullptr);
  EXPECT_EQ(d.as_dict().Find(std::string("y"))->as_int(), 2);
}

TEST(JinjaValueTest, BindArgsFollowsPythonRules) {
  const Param params[] = {{"name", std::nullopt}, {"precision", Value(2)}, {"quote", Value(false)}};
  CallArgs args;
  args.positional = {Value("amount")};
  args.keyword = {{"quote", Value(true)}};
  auto bound = BindArgs(args, params, "fmt");
  ASSERT_TRUE(bound.ok());
  EXPECT_EQ((*bound)[0].as_string(), "amount");
  EXPECT_EQ((*bound)[1].as_int(), 2);
  EXPECT_TRUE((*bound)[2].as_bool());

  CallArgs missing;
  EXPECT_EQ(BindArgs(missing, params, "fmt").status().message(),
            "'fmt' is missing required argument 'name'");
  CallArgs twice;
  twice.positional = {Value("a")};
  twice.keyword = {{"name", Value("b")}};
  EXPECT_EQ(BindArgs(twice, params, "fmt").status().message(), "'fmt' got argument 'name' twice");
  CallArgs too_many;
  too_many.positional = {1, 2, 3, 4};
  EXPECT_EQ(BindArgs(too_many, params, "fmt").status().message(),
            "'fmt' takes at most 3 argument(s), got 4");
  CallArgs typo;
  typo.positional = {1};
  typo.keyword = {{"precison", Value(1)}};
  EXPECT_EQ(BindArgs(typo, params, "fmt").status().message(),
            "'fmt' has no argument named 'precison' (did you mean 'precision'?)");
  EXPECT_EQ(typo.Keyword("precison")->as_int(), 1);
  EXPECT_EQ(typo.Keyword("nope"), nullptr);
}

TEST(JinjaLexerTest, TokenKindsAndPositions) {
  auto toks = Tokenize("ab\n{{ x.y | f(1, 2.5, 'q') }}{% if a %}", "l.sql");
  ASSERT_TRUE(toks.ok()) << toks.status().ToString();
  std::vector<std::string> texts;
  for (const auto& t : *toks) texts.push_back(t.text);
  ASSERT_EQ(toks->size(), 20u);
  EXPECT_EQ((*toks)[0].kind, TokenKind::kData);
  EXPECT_EQ((*toks)[0].text, "ab\n");
  EXPECT_EQ((*toks)[1].kind, TokenKind::kVarBegin);
  EXPECT_EQ((*toks)[1].line, 2);
  EXPECT_EQ((*toks)[1].column, 1);
  EXPECT_EQ((*toks)[2].kind, TokenKind::kName);
  EXPECT_EQ((*toks)[2].column, 4);
  EXPECT_EQ((*toks)[8].kind, TokenKind::kInt);
  EXPECT_EQ((*toks)[8].int_value, 1);
  EXPECT_EQ((*toks)[10].kind, TokenKind::kFloat);
  EXPECT_DOUBLE_EQ((*toks)[10].float_value, 2.5);
  EXPECT_EQ((*toks)[12].kind, TokenKind::kString);
  EXPECT_EQ((*toks)[12].text, "q");
  EXPECT_EQ((*toks)[14].kind, TokenKind::kVarEnd);
  EXPECT_EQ((*toks)[15].kind, TokenKind::kBlockBegin);
  EXPECT_EQ(toks->back().kind, TokenKind::kEof);
}

TEST(JinjaLexerTest, StringEscapes) {
  auto toks = Tokenize(R"({{ 'a\nb\t\\\'\"\x41\u00e9\d' }})", "l.sql");
  ASSERT_TRUE(toks.ok()) << toks.status().ToString();
  EXPECT_EQ((*toks)[1].text, "a\nb\t\\'\"A\xc3\xa9\\d");
}

TEST(JinjaLexerTest, NumbersWithUnderscoresAndExponents) {
  auto toks = Tokenize("{{ 1_000 1e3 1.5E-2 7 }}", "l.sql");
  ASSERT_TRUE(toks.ok());
  EXPECT_EQ((*toks)[1].int_value, 1000);
  EXPECT_EQ((*toks)[2].kind, TokenKind::kFloat);
  EXPECT_DOUBLE_EQ((*toks)[2].float_value, 1000.0);
  EXPECT_DOUBLE_EQ((*toks)[3].float_value, 0.015);
  EXPECT_EQ((*toks)[4].int_value, 7);
}

}  // namespace
}  // namespace sluice::transform
