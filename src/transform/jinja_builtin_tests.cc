#include <map>

#include "transform/jinja_filters.h"
#include "transform/jinja_methods.h"
#include "transform/jinja_ops.h"

// The built-in Jinja tests (`value is name`); declared in jinja_filters.h.
namespace sluice::transform {

namespace {

// ---- tests ----

Result<Value> Arg(const CallArgs& args, std::string_view test) {
  const Param params[] = {{"other", std::nullopt}};
  SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, test));
  return a[0];
}

Status NoArgs(const CallArgs& args, std::string_view test) {
  return BindArgs(args, {}, test).status();
}

#define SLUICE_SIMPLE_TEST(fn, name, expr)                \
  Result<bool> fn(const Value& v, const CallArgs& args) { \
    SLUICE_RETURN_NOT_OK(NoArgs(args, name));             \
    return (expr);                                        \
  }
SLUICE_SIMPLE_TEST(TDefined, "defined", !v.is_undefined())
SLUICE_SIMPLE_TEST(TUndefined, "undefined", v.is_undefined())
SLUICE_SIMPLE_TEST(TNone, "none", v.is_none())
SLUICE_SIMPLE_TEST(TString, "string", v.is_string())
SLUICE_SIMPLE_TEST(TNumber, "number", v.is_number() || v.is_bool())
SLUICE_SIMPLE_TEST(TInteger, "integer", v.is_int())
SLUICE_SIMPLE_TEST(TFloat, "float", v.is_float())
SLUICE_SIMPLE_TEST(TBoolean, "boolean", v.is_bool())
SLUICE_SIMPLE_TEST(TTrue, "true", v.is_bool() && v.as_bool())
SLUICE_SIMPLE_TEST(TFalse, "false", v.is_bool() && !v.as_bool())
SLUICE_SIMPLE_TEST(TMapping, "mapping", v.is_dict())
SLUICE_SIMPLE_TEST(TIterable, "iterable", v.is_string() || v.is_list() || v.is_dict())
SLUICE_SIMPLE_TEST(TSequence, "sequence", v.is_string() || v.is_list() || v.is_dict())
SLUICE_SIMPLE_TEST(TCallable, "callable", v.is_callable())
SLUICE_SIMPLE_TEST(TLower, "lower", v.is_string() && AsciiLower(v.as_string()) == v.as_string())
SLUICE_SIMPLE_TEST(TUpper, "upper", v.is_string() && AsciiUpper(v.as_string()) == v.as_string())
#undef SLUICE_SIMPLE_TEST

Result<bool> Parity(const Value& v, const CallArgs& args, bool even) {
  SLUICE_RETURN_NOT_OK(NoArgs(args, even ? "even" : "odd"));
  if (!v.is_int() && !v.is_bool()) {
    return Status::Invalid(std::string("test '") + (even ? "even" : "odd") +
                           "' needs an int, got '" + std::string(v.TypeName()) + "'");
  }
  const int64_t x = v.is_bool() ? int64_t{v.as_bool()} : v.as_int();
  return (x % 2 == 0) == even;
}
Result<bool> TEven(const Value& v, const CallArgs& args) { return Parity(v, args, true); }
Result<bool> TOdd(const Value& v, const CallArgs& args) { return Parity(v, args, false); }

Result<bool> TDivisibleBy(const Value& v, const CallArgs& args) {
  SLUICE_ASSIGN_OR_RETURN(Value n, Arg(args, "divisibleby"));
  if (!v.is_int() || !n.is_int()) return Status::Invalid("test 'divisibleby' needs ints");
  if (n.as_int() == 0) return Status::Invalid("test 'divisibleby': division by zero");
  if (n.as_int() == -1) return true;
  return v.as_int() % n.as_int() == 0;
}

#define SLUICE_COMPARE_TEST(fn, name, op)                  \
  Result<bool> fn(const Value& v, const CallArgs& args) {  \
    SLUICE_ASSIGN_OR_RETURN(Value other, Arg(args, name)); \
    return CompareOp(op, v, other);                        \
  }
SLUICE_COMPARE_TEST(TEq, "eq", "==")
SLUICE_COMPARE_TEST(TNe, "ne", "!=")
SLUICE_COMPARE_TEST(TLt, "lt", "<")
SLUICE_COMPARE_TEST(TLe, "le", "<=")
SLUICE_COMPARE_TEST(TGt, "gt", ">")
SLUICE_COMPARE_TEST(TGe, "ge", ">=")
SLUICE_COMPARE_TEST(TIn, "in", "in")
#undef SLUICE_COMPARE_TEST

Result<bool> TSameAs(const Value& v, const CallArgs& args) {
  SLUICE_ASSIGN_OR_RETURN(Value other, Arg(args, "sameas"));
  if (v.kind() != other.kind()) return false;
  if (v.is_list()) return &v.as_list() == &other.as_list();
  if (v.is_dict()) return &v.as_dict() == &other.as_dict();
  return v.Equals(other);
}

const std::map<std::string, TestFunction, std::less<>>& Tests() {
  static const std::map<std::string, TestFunction, std::less<>> kTests = {
      {"defined", TDefined},
      {"undefined", TUndefined},
      {"none", TNone},
      {"string", TString},
      {"number", TNumber},
      {"integer", TInteger},
      {"float", TFloat},
      {"boolean", TBoolean},
      {"true", TTrue},
      {"false", TFalse},
      {"mapping", TMapping},
      {"iterable", TIterable},
      {"sequence", TSequence},
      {"callable", TCallable},
      {"lower", TLower},
      {"upper", TUpper},
      {"even", TEven},
      {"odd", TOdd},
      {"divisibleby", TDivisibleBy},
      {"eq", TEq},
      {"equalto", TEq},
      {"==", TEq},
      {"ne", TNe},
      {"!=", TNe},
      {"lt", TLt},
      {"lessthan", TLt},
      {"<", TLt},
      {"le", TLe},
      {"<=", TLe},
      {"gt", TGt},
      {"greaterthan", TGt},
      {">", TGt},
      {"ge", TGe},
      {">=", TGe},
      {"in", TIn},
      {"sameas", TSameAs},
  };
  return kTests;
}

}  // namespace

TestFunction FindTest(std::string_view name) {
  const auto& m = Tests();
  auto it = m.find(name);
  return it == m.end() ? nullptr : it->second;
}

std::vector<std::string> TestNames() {
  std::vector<std::string> out;
  for (const auto& [k, unused] : Tests()) out.push_back(k);
  return out;
}

}  // namespace sluice::transform
