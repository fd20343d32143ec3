// Every error carries file:line:column and says what is wrong (and, where possible, what to
// do). Each case checks the exact message so regressions in wording or position show up.
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "transform/jinja.h"

namespace sluice::transform {
namespace {

struct ErrorCase {
  const char* name;
  const char* source;
  StatusCode code;
  const char* message;  // full message, without the "Invalid: " code prefix
};
// CTest lists parameterized tests with their parameter: show the case's name, not its bytes.
void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

const ErrorCase kCases[] = {
    // ---- lexing ----
    {"unterminated_string", "{{ 'abc }}", StatusCode::kParseError,
     "t.sql:1:4: error: unterminated string literal (add the closing ')"},
    {"unclosed_comment", "a\n  {# note", StatusCode::kParseError,
     "t.sql:2:3: error: unclosed comment '{#' (add '#}' to close it)"},
    {"unclosed_var", "x {{ a ", StatusCode::kParseError,
     "t.sql:1:3: error: unclosed '{{' (add '}}' to close it)"},
    {"unclosed_block", "\n\n{% if a", StatusCode::kParseError,
     "t.sql:3:1: error: unclosed '{%' (add '%}' to close it)"},
    {"unclosed_raw", "{% raw %}{{ x }}", StatusCode::kParseError,
     "t.sql:1:1: error: unclosed '{% raw %}' block (add '{% endraw %}')"},
    {"bad_char", "{{ a ; b }}", StatusCode::kParseError,
     "t.sql:1:6: error: unexpected character ';' in expression"},
    {"unclosed_paren", "{{ f(1, 2 }}", StatusCode::kParseError,
     "t.sql:1:5: error: '(' is never closed (add ')')"},
    {"stray_close", "{{ 1) }}", StatusCode::kParseError,
     "t.sql:1:5: error: unexpected ')' (there is no open bracket it closes)"},
    {"int_overflow", "{{ 99999999999999999999 }}", StatusCode::kParseError,
     "t.sql:1:4: error: integer literal 99999999999999999999 is out of range (integers are "
     "64-bit; write it as a float or a string)"},
    {"bad_escape", "{{ '\\x4' }}", StatusCode::kParseError,
     "t.sql:1:5: error: bad \\x escape in string"},
    // ---- parsing ----
    {"if_never_closed", "select 1\n  {% if x %}\nwhere 1", StatusCode::kParseError,
     "t.sql:2:3: error: '{% if %}' is never closed (add '{% endif %}')"},
    {"for_never_closed", "{% for x in y %}{% if x %}{% endif %}", StatusCode::kParseError,
     "t.sql:1:1: error: '{% for %}' is never closed (add '{% endfor %}')"},
    {"macro_never_closed", "{% macro m() %}", StatusCode::kParseError,
     "t.sql:1:1: error: '{% macro %}' is never closed (add '{% endmacro %}')"},
    {"inner_block_never_closed", "{% if a %}\n{% for x in y %}\n{% endif %}",
     StatusCode::kParseError,
     "t.sql:3:1: error: unexpected '{% endif %}' (the '{% for %}' at line 2 column 1 expects '{% "
     "endfor %}' first)"},
    {"stray_end", "a {% endfor %}", StatusCode::kParseError,
     "t.sql:1:3: error: unexpected '{% endfor %}' (there is no open block it closes)"},
    {"unknown_tag", "{% fro x in y %}", StatusCode::kParseError,
     "t.sql:1:1: error: unknown tag 'fro' (did you mean 'for'?)"},
    {"include_unsupported", "{% include 'x.sql' %}", StatusCode::kParseError,
     "t.sql:1:1: error: unknown tag 'include' (expected one of: if, elif, else, endif, for, "
     "endfor, set, endset, macro, endmacro, call, endcall, do, raw, endraw)"},
    {"empty_tag", "{% %}", StatusCode::kParseError,
     "t.sql:1:4: error: expected a tag name such as 'if' or 'for', found '%}'"},
    {"missing_expr", "{{ 1 + }}", StatusCode::kParseError,
     "t.sql:1:8: error: expected an expression, found '}}'"},
    {"empty_output", "{{ }}", StatusCode::kParseError,
     "t.sql:1:4: error: expected an expression, found '}}'"},
    {"missing_in", "{% for x y %}{% endfor %}", StatusCode::kParseError,
     "t.sql:1:10: error: expected 'in', found 'y'"},
    {"set_without_value", "{% set x = %}", StatusCode::kParseError,
     "t.sql:1:12: error: expected an expression, found '%}'"},
    {"extra_tokens", "{{ a b }}", StatusCode::kParseError,
     "t.sql:1:6: error: expected '}}', found 'b'"},
    {"param_order", "{% macro m(a=1, b) %}{% endmacro %}", StatusCode::kParseError,
     "t.sql:1:17: error: parameter 'b' without a default follows one with a default (give it a "
     "default or move it before the defaulted ones)"},
    {"duplicate_param", "{% macro m(a, a) %}{% endmacro %}", StatusCode::kParseError,
     "t.sql:1:15: error: duplicate parameter 'a'"},
    {"positional_after_kw", "{{ f(a=1, 2) }}", StatusCode::kParseError,
     "t.sql:1:11: error: positional argument follows keyword argument"},
    {"repeated_kw", "{{ f(a=1, a=2) }}", StatusCode::kParseError,
     "t.sql:1:11: error: keyword argument 'a' repeated"},
    {"call_block_needs_call", "{% call foo %}{% endcall %}", StatusCode::kParseError,
     "t.sql:1:9: error: '{% call %}' needs a call such as '{% call my_macro(1) %}'"},
    {"recursive_loop", "{% for x in y recursive %}{% endfor %}", StatusCode::kParseError,
     "t.sql:1:15: error: recursive for loops are not supported (use a macro that calls itself)"},
    {"filter_without_name", "{{ x | }}", StatusCode::kParseError,
     "t.sql:1:8: error: expected a filter name after '|', found '}}'"},
    {"empty_subscript", "{{ x[] }}", StatusCode::kParseError,
     "t.sql:1:5: error: empty subscript '[]'"},
    // ---- rendering: names ----
    {"undefined", "select {{ colum }}", StatusCode::kInvalid,
     "t.sql:1:11: error: 'colum' is undefined (did you mean 'column'?)"},
    {"undefined_no_match", "\n  {{ zzzzzz }}", StatusCode::kInvalid,
     "t.sql:2:6: error: 'zzzzzz' is undefined (use '| default(...)' or 'is defined' if it may be "
     "missing)"},
    {"undefined_in_if", "{% if flagg %}x{% endif %}", StatusCode::kInvalid,
     "t.sql:1:7: error: 'flagg' is undefined (did you mean 'flag'?)"},
    {"undefined_in_loop", "{% for c in columns %}{{ c }}{% endfor %}", StatusCode::kInvalid,
     "t.sql:1:13: error: 'columns' is undefined (did you mean 'column'?)"},
    {"undefined_as_arg", "{{ [1, missing_thing] }}", StatusCode::kInvalid,
     "t.sql:1:8: error: 'missing_thing' is undefined (use '| default(...)' or 'is defined' if it "
     "may be missing)"},
    {"missing_dict_key", "{{ cfg.materialised }}", StatusCode::kInvalid,
     "t.sql:1:7: error: dict has no key 'materialised' (did you mean 'materialized'?)"},
    {"missing_subscript_key", "{{ cfg['x'] }}", StatusCode::kInvalid,
     "t.sql:1:7: error: dict has no key 'x' (use '| default(...)' or 'is defined' if it may be "
     "missing)"},
    {"attr_of_undefined", "{{ nothing.here }}", StatusCode::kInvalid,
     "t.sql:1:4: error: 'nothing' is undefined (use '| default(...)' or 'is defined' if it may be "
     "missing)"},
    {"index_out_of_range", "{{ [1, 2][5] }}", StatusCode::kInvalid,
     "t.sql:1:10: error: list index 5 is out of range (length 2) (use '| default(...)' or 'is "
     "defined' if it may be missing)"},
    {"no_method", "{{ column.uper() }}", StatusCode::kInvalid,
     "t.sql:1:10: error: 'string' has no attribute 'uper' (did you mean 'upper'?)"},
    {"empty_first", "{{ [] | first }}", StatusCode::kInvalid,
     "t.sql:1:9: error: no first item: the sequence is empty (use '| default(...)' or 'is "
     "defined' if it may be missing)"},
    {"set_from_undefined", "{% set x = y_missing %}", StatusCode::kInvalid,
     "t.sql:1:12: error: 'y_missing' is undefined (use '| default(...)' or 'is defined' if it may "
     "be missing)"},
    // ---- rendering: types and operators ----
    {"add_int_str", "{{ 1 + 'a' }}", StatusCode::kInvalid,
     "t.sql:1:6: error: cannot add 'int' and 'string' with '+' (use '~' to join values as text)"},
    {"sub_str", "{{ 'a' - 1 }}", StatusCode::kInvalid,
     "t.sql:1:8: error: unsupported operand types for -: 'string' and 'int'"},
    {"div_zero", "{{ 1 / 0 }}", StatusCode::kInvalid, "t.sql:1:6: error: division by zero"},
    {"mod_zero", "{{ 5 % 0 }}", StatusCode::kInvalid,
     "t.sql:1:6: error: integer division or modulo by zero"},
    {"int_overflow_mul", "{{ 9223372036854775807 * 2 }}", StatusCode::kOutOfRange,
     "t.sql:1:24: error: integer overflow in '*' (integers are 64-bit)"},
    {"compare_types", "{{ 1 < 'a' }}", StatusCode::kInvalid,
     "t.sql:1:6: error: '<' is not supported between 'int' and 'string'"},
    {"in_int", "{{ 1 in 5 }}", StatusCode::kInvalid,
     "t.sql:1:6: error: argument of type 'int' is not a container ('in' needs a string, list or "
     "dict)"},
    {"neg_string", "{{ -'a' }}", StatusCode::kInvalid,
     "t.sql:1:4: error: bad operand type for unary -: 'string'"},
    {"percent_format", "{{ '%s' % 1 }}", StatusCode::kNotImplemented,
     "t.sql:1:9: error: '%' string formatting is not supported (use the 'format' filter or '~')"},
    {"loop_over_int", "{% for x in 5 %}{% endfor %}", StatusCode::kInvalid,
     "t.sql:1:13: error: cannot loop over a value of type 'int' (expected a list, dict or string)"},
    {"unpack_mismatch", "{% for a, b in [[1, 2, 3]] %}{% endfor %}", StatusCode::kInvalid,
     "t.sql:1:1: error: cannot unpack 3 value(s) into 2 names"},
    {"set_attr_on_non_dict", "{% set column.x = 1 %}", StatusCode::kInvalid,
     "t.sql:1:1: error: cannot set 'column.x': 'column' is not a namespace or dict (create it "
     "first: {% set column = namespace() %})"},
    {"not_callable", "{{ column() }}", StatusCode::kInvalid,
     "t.sql:1:4: error: 'column' is a 'string', not a function or macro"},
    {"subscript_int", "{{ 5[0] }}", StatusCode::kInvalid,
     "t.sql:1:5: error: a 'int' cannot be subscripted"},
    {"slice_step_zero", "{{ [1][::0] }}", StatusCode::kInvalid,
     "t.sql:1:7: error: slice step cannot be zero"},
    {"tuple_append", "{% set t = (1,) %}{% do t.append(2) %}", StatusCode::kInvalid,
     "t.sql:1:26: error: 'tuple' has no attribute 'append' (a tuple cannot be changed; build a "
     "list with [...] instead)"},
    {"dict_key_list", "{{ {[1]: 2} }}", StatusCode::kInvalid,
     "t.sql:1:5: error: a 'list' cannot be a dict key"},
    // ---- filters and tests ----
    {"unknown_filter", "{{ column | uper }}", StatusCode::kInvalid,
     "t.sql:1:13: error: unknown filter 'uper' (did you mean 'upper'?)"},
    {"unknown_test", "{{ column is strin }}", StatusCode::kInvalid,
     "t.sql:1:14: error: unknown test 'strin' (did you mean 'string'?)"},
    {"filter_bad_kwarg", "{{ [1] | join(sep=',') }}", StatusCode::kInvalid,
     "t.sql:1:10: error: 'join' has no argument named 'sep' (expected one of: d, attribute)"},
    {"filter_too_many", "{{ 'a' | upper(1) }}", StatusCode::kInvalid,
     "t.sql:1:10: error: 'upper' takes at most 0 argument(s), got 1"},
    {"filter_bad_input", "{{ 5 | length }}", StatusCode::kInvalid,
     "t.sql:1:8: error: filter 'length' expects a string, list or dict, got 'int'"},
    {"filter_on_undefined", "{{ nope | upper }}", StatusCode::kInvalid,
     "t.sql:1:4: error: 'nope' is undefined (use '| default(...)' or 'is defined' if it may be "
     "missing)"},
    {"as_bool_bad", "{{ 'yes' | as_bool }}", StatusCode::kInvalid,
     "t.sql:1:12: error: filter 'as_bool': 'yes' is not a boolean (true or false)"},
    {"round_method", "{{ 1.5 | round(0, 'up') }}", StatusCode::kInvalid,
     "t.sql:1:10: error: filter 'round': method must be 'common', 'ceil' or 'floor', got 'up'"},
    {"sort_mixed", "{{ [1, 'a'] | sort }}", StatusCode::kInvalid,
     "t.sql:1:15: error: filter 'sort': cannot order 'string' and 'int'"},
    {"test_on_undefined", "{{ nope is string }}", StatusCode::kInvalid,
     "t.sql:1:4: error: 'nope' is undefined (use '| default(...)' or 'is defined' if it may be "
     "missing)"},
    {"method_args", "{{ 'a'.replace('a') }}", StatusCode::kInvalid,
     "t.sql:1:7: error: 'replace' is missing required argument 'new'"},
    {"format_spec", "{{ '{:>3}'.format(1) }}", StatusCode::kNotImplemented,
     "t.sql:1:11: error: 'format': format specs like '{:>3}' are not supported"},
    // ---- macros ----
    {"macro_too_many", "{% macro m(a) %}{% endmacro %}\n{{ m(1, 2) }}", StatusCode::kInvalid,
     "t.sql:2:4: error: macro 'm' takes at most 1 argument(s), got 2"},
    {"macro_unknown_kw", "{% macro m(value) %}{% endmacro %}{{ m(valeu=1) }}", StatusCode::kInvalid,
     "t.sql:1:38: error: macro 'm' has no parameter 'valeu' (did you mean 'value'?)"},
    {"macro_missing_arg", "{% macro m(a, b) %}{% endmacro %}{{ m(1) }}", StatusCode::kInvalid,
     "t.sql:1:37: error: macro 'm' is missing required argument 'b'"},
    {"macro_twice", "{% macro m(a) %}{% endmacro %}{{ m(1, a=2) }}", StatusCode::kInvalid,
     "t.sql:1:34: error: macro 'm' got parameter 'a' twice"},
    {"macro_error_trace", "{% macro m(x) %}\n{{ x.y }}\n{% endmacro %}\n{{ m({}) }}",
     StatusCode::kInvalid,
     "t.sql:2:5: error: dict has no key 'y' (use '| default(...)' or 'is defined' if it may be "
     "missing)\n  in macro 'm' called at t.sql:4:4"},
    {"caller_outside_call", "{% macro m() %}{{ caller() }}{% endmacro %}{{ m() }}",
     StatusCode::kInvalid,
     "t.sql:1:19: error: 'caller' is undefined (use '| default(...)' or 'is defined' if it may be "
     "missing)\n  in macro 'm' called at t.sql:1:47"},
    {"return_outside_macro", "{{ return(1) }}", StatusCode::kInvalid,
     "t.sql:1:4: error: return() used outside a macro"},
    {"call_block_on_function", "{% call range(3) %}x{% endcall %}", StatusCode::kInvalid,
     "t.sql:1:9: error: '{% call %}' needs a macro, 'range' is a function"},
};

class ErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ErrorTest, ReportsWhereAndWhat) {
  const ErrorCase& c = GetParam();
  Environment env;
  Value ctx = Value::EmptyDict();
  ctx.mutable_dict().Set(Value("column"), Value("amount"));
  ctx.mutable_dict().Set(Value("flag"), Value(true));
  Value cfg = Value::EmptyDict();
  cfg.mutable_dict().Set(Value("materialized"), Value("table"));
  ctx.mutable_dict().Set(Value("cfg"), cfg);
  Status st;
  auto t = Template::Parse(c.source, "t.sql");
  if (!t.ok()) {
    st = t.status();
  } else {
    auto out = t->Render(env, ctx);
    ASSERT_FALSE(out.ok()) << "rendered: " << *out;
    st = out.status();
  }
  EXPECT_EQ(st.code(), c.code) << st.ToString();
  EXPECT_EQ(st.message(), c.message);
}

INSTANTIATE_TEST_SUITE_P(Jinja, ErrorTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<ErrorCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(ErrorTest, HostFunctionErrorKeepsCodeAndGetsLocation) {
  Environment env;
  env.AddFunction("fail", [](const CallArgs&, const SourceLocation&) -> Result<Value> {
    return Status::IOError("warehouse unreachable");
  });
  auto t = Template::Parse("a\n  {{ fail() }}", "m.sql");
  ASSERT_TRUE(t.ok());
  auto out = t->Render(env);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kIOError);
  EXPECT_EQ(out.status().message(), "m.sql:2:6: error: in 'fail': warehouse unreachable");
}

TEST(ErrorTest, HostFunctionMayNotReturnUndefined) {
  Environment env;
  env.AddFunction("u", [](const CallArgs&, const SourceLocation&) -> Result<Value> {
    return Value::Undefined("x", "", {});
  });
  auto t = Template::Parse("{{ u() }}", "m.sql");
  ASSERT_TRUE(t.ok());
  auto out = t->Render(env);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "m.sql:1:4: error: 'u' returned an undefined value");
}

TEST(ErrorTest, RuntimeRecursionIsStoppedWithClearError) {
  Environment env;
  auto t = Template::Parse(
      "{% macro loop_forever(n) %}{{ loop_forever(n + 1) }}{% endmacro %}{{ loop_forever(0) }}",
      "m.sql");
  ASSERT_TRUE(t.ok());
  auto out = t->Render(env);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kOutOfRange);
  const std::string& msg = out.status().message();
  EXPECT_EQ(msg.rfind("m.sql:1:31: error: maximum macro call depth (100) exceeded calling "
                      "'loop_forever' (does the macro call itself without a stopping condition?)",
                      0),
            0u)
      << msg;
  EXPECT_LT(std::count(msg.begin(), msg.end(), '\n'), 4) << msg;  // repeated frames collapse
}

TEST(ErrorTest, MutualRecursionIsStopped) {
  Environment env(RenderLimits{.max_call_depth = 20});
  ASSERT_TRUE(
      env.LoadMacros("{% macro a() %}{{ b() }}{% endmacro %}{% macro b() %}{{ a() }}{% endmacro %}",
                     "macros/ab.sql")
          .ok());
  auto t = Template::Parse("{{ a() }}", "m.sql");
  ASSERT_TRUE(t.ok());
  auto out = t->Render(env);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(out.status().message().find("maximum macro call depth (20) exceeded"),
            std::string::npos);
}

TEST(ErrorTest, RangeAndLoopLimits) {
  Environment env(RenderLimits{.max_range_length = 1000, .max_loop_iterations = 5000});
  auto big = Template::Parse("{% for i in range(1001) %}{% endfor %}", "m.sql");
  ASSERT_TRUE(big.ok());
  auto out = big->Render(env);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "m.sql:1:13: error: in 'range': 'range' would produce more than 1000 numbers (the "
            "render limit)");
  auto nested = Template::Parse(
      "{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}", "m.sql");
  ASSERT_TRUE(nested.ok());
  out = nested->Render(env);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(out.status().message(),
            "m.sql:1:27: error: more than 5000 loop iterations in one render (the render limit)");
  auto ok = Template::Parse(
      "{{ range(1000) | length }} {{ range(-5) | length }} {{ range(0, 10**9, 10**8) | length }}",
      "m.sql");
  ASSERT_TRUE(ok.ok());
  out = ok->Render(env);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "1000 0 10");
}

TEST(ErrorTest, OutputLimit) {
  Environment env(RenderLimits{.max_output_bytes = 1000});
  auto t = Template::Parse("{{ 'x' * 2000 }}", "m.sql");
  ASSERT_TRUE(t.ok());
  auto out = t->Render(env);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kOutOfRange);
  auto loop = Template::Parse("{% for i in range(500) %}abc{% endfor %}", "m.sql");
  ASSERT_TRUE(loop.ok());
  out = loop->Render(env);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "m.sql:1:26: error: rendered output exceeds the 1000-byte limit");
  auto huge = Template::Parse("{{ 'ab' * 9223372036854775807 }}", "m.sql");
  ASSERT_TRUE(huge.ok());
  EXPECT_FALSE(huge->Render(env).ok());
}

}  // namespace
}  // namespace sluice::transform
