// Binding of function calls: the function table, argument checks and result types.
#include <re2/re2.h>

#include <algorithm>

#include "sql/function_binder.h"

namespace sluice::sql {

namespace {

constexpr std::string_view kAggregates[] = {
    "count", "sum", "avg", "min", "max", "array_agg", "string_agg", "stddev", "stddev_pop",
    "stddev_samp", "variance", "var_pop", "var_samp", "bool_and", "bool_or", "every", "listagg",
    "any_value", "approx_count_distinct", "median", "mode"};
constexpr std::string_view kWindowFunctions[] = {"row_number", "rank", "dense_rank", "lag", "lead",
                                                 "ntile", "percent_rank", "cume_dist",
                                                 "first_value", "last_value", "nth_value"};
constexpr std::string_view kWindowTables[] = {"tumble", "hop", "session", "cumulate"};

constexpr std::string_view kDateTruncUnits[] = {"microseconds", "milliseconds", "second", "minute",
                                                "hour", "day", "week", "month", "quarter", "year"};

bool In(std::string_view name, const auto& list) {
  return std::any_of(std::begin(list), std::end(list),
                     [&](std::string_view n) { return EqualsIgnoreCase(n, name); });
}

}  // namespace

Result<BoundExprPtr> FunctionBinder::RegexpMatches() {
  SLUICE_RETURN_NOT_OK(Expect(0, TypeId::kVarchar, "VARCHAR"));
  SLUICE_RETURN_NOT_OK(Expect(1, TypeId::kVarchar, "VARCHAR"));
  const std::string name(entry_->name);
  BoundExpr& p = *args_[1];
  if (!p.is_constant()) {
    return ctx_.Invalid(e_.args[1]->pos, name + "() needs a constant pattern (a string literal)");
  }
  if (args_.size() == 3) {  // flags: 'i' = case-insensitive (PostgreSQL's regexp flags)
    SLUICE_ASSIGN_OR_RETURN(std::string flags, ConstantString(2, "flags"));
    for (char c : flags) {
      if (c != 'i' && c != 'c') {
        return ctx_.Invalid(e_.args[2]->pos, name + "() flags may only be 'i' (ignore case) or 'c' (respect case), not '" +
                                                 std::string(1, c) + "'");
      }
    }
    const size_t i = flags.find_last_of("ic");
    if (!p.value.is_null() && i != std::string::npos && flags[i] == 'i') {
      p.value = Value::Varchar("(?i)" + p.value.string_value());
    }
    args_.pop_back();
  }
  if (!p.value.is_null()) {
    RE2 re(p.value.string_value(), RE2::Quiet);
    if (!re.ok()) {
      return ctx_.Invalid(e_.args[1]->pos, "invalid regular expression: " + re.error());
    }
  }
  return Finish(DataType::Boolean());
}

Result<BoundExprPtr> FunctionBinder::DateTrunc() {
  SLUICE_RETURN_NOT_OK(Expect(0, TypeId::kVarchar, "VARCHAR"));
  const BoundExpr& u = *args_[0];
  if (!u.is_constant() || u.value.is_null() || !In(u.value.string_value(), kDateTruncUnits)) {
    std::string units;
    for (auto n : kDateTruncUnits) units += (units.empty() ? "" : ", ") + std::string(n);
    return ctx_.Invalid(e_.args[0]->pos, "date_trunc() unit must be one of: " + units);
  }
  BoundExprPtr& ts = args_[1];
  if (ts->type.id == TypeId::kDate || ts->untyped_null || (ts->is_constant() && ts->type.id == TypeId::kVarchar)) {
    SLUICE_ASSIGN_OR_RETURN(ts, b_->Coerce(std::move(ts), DataType::Timestamp()));
  }
  if (ts->type.id != TypeId::kTimestamp) {
    return ctx_.Invalid(e_.args[1]->pos, "date_trunc() expects TIMESTAMP or DATE, not " + ts->type.ToString());
  }
  return Finish(DataType::Timestamp());
}

const FunctionBinder::Entry FunctionBinder::kFunctions[] = {
    {"lower", 1, 1, BoundOp::kLower, &FunctionBinder::Strings},
    {"upper", 1, 1, BoundOp::kUpper, &FunctionBinder::Strings},
    {"length", 1, 1, BoundOp::kLength, &FunctionBinder::Length},
    {"char_length", 1, 1, BoundOp::kLength, &FunctionBinder::Length},
    {"character_length", 1, 1, BoundOp::kLength, &FunctionBinder::Length},
    {"trim", 1, 2, BoundOp::kTrim, &FunctionBinder::Strings},
    {"btrim", 1, 2, BoundOp::kTrim, &FunctionBinder::Strings},
    {"ltrim", 1, 2, BoundOp::kLtrim, &FunctionBinder::Strings},
    {"rtrim", 1, 2, BoundOp::kRtrim, &FunctionBinder::Strings},
    {"substring", 2, 3, BoundOp::kSubstring, &FunctionBinder::Substring},
    {"substr", 2, 3, BoundOp::kSubstring, &FunctionBinder::Substring},
    {"concat", 1, -1, BoundOp::kConcat, &FunctionBinder::Concat},
    {"replace", 3, 3, BoundOp::kReplace, &FunctionBinder::Strings},
    {"coalesce", 1, -1, BoundOp::kCoalesce, &FunctionBinder::SameType},
    {"nullif", 2, 2, BoundOp::kCase, &FunctionBinder::NullIf},
    {"greatest", 1, -1, BoundOp::kGreatest, &FunctionBinder::SameType},
    {"least", 1, -1, BoundOp::kLeast, &FunctionBinder::SameType},
    {"abs", 1, 1, BoundOp::kAbs, &FunctionBinder::Abs},
    {"round", 1, 2, BoundOp::kRound, &FunctionBinder::Round},
    {"floor", 1, 1, BoundOp::kFloor, &FunctionBinder::FloorCeil},
    {"ceil", 1, 1, BoundOp::kCeil, &FunctionBinder::FloorCeil},
    {"ceiling", 1, 1, BoundOp::kCeil, &FunctionBinder::FloorCeil},
    {"regexp_matches", 2, 3, BoundOp::kRegexpMatches, &FunctionBinder::RegexpMatches},
    {"regexp_extract", 2, 3, BoundOp::kRegexpExtract, &FunctionBinder::RegexpExtract},
    {"mod", 2, 2, BoundOp::kMod, &FunctionBinder::Mod},
    {"split_part", 3, 3, BoundOp::kSplitPart, &FunctionBinder::SplitPart},
    {"split_index", 3, 3, BoundOp::kSplitIndex, &FunctionBinder::SplitPart},
    {"count_char", 2, 2, BoundOp::kCountChar, &FunctionBinder::CountChar},
    {"proctime", 0, 0, BoundOp::kProcTime, &FunctionBinder::ProcTime},
    {"extract", 2, 2, BoundOp::kExtract, &FunctionBinder::Extract},
    {"date_part", 2, 2, BoundOp::kExtract, &FunctionBinder::Extract},
    {"year", 1, 1, BoundOp::kExtract, &FunctionBinder::ExtractField},
    {"quarter", 1, 1, BoundOp::kExtract, &FunctionBinder::ExtractField},
    {"month", 1, 1, BoundOp::kExtract, &FunctionBinder::ExtractField},
    {"week", 1, 1, BoundOp::kExtract, &FunctionBinder::ExtractField},
    {"dayofmonth", 1, 1, BoundOp::kExtract, &FunctionBinder::ExtractField},
    {"dayofyear", 1, 1, BoundOp::kExtract, &FunctionBinder::ExtractField},
    {"hour", 1, 1, BoundOp::kExtract, &FunctionBinder::ExtractField},
    {"minute", 1, 1, BoundOp::kExtract, &FunctionBinder::ExtractField},
    {"second", 1, 1, BoundOp::kExtract, &FunctionBinder::ExtractField},
    {"date_format", 2, 2, BoundOp::kDateFormat, &FunctionBinder::DateFormat},
    {"to_char", 2, 2, BoundOp::kDateFormat, &FunctionBinder::DateFormat},
    {"json_value", 2, 2, BoundOp::kJsonValue, &FunctionBinder::Json},
    {"json_extract", 2, 2, BoundOp::kJsonExtract, &FunctionBinder::Json},
    {"json_extract_string", 2, 2, BoundOp::kJsonExtractString, &FunctionBinder::Json},
    {"date_trunc", 2, 2, BoundOp::kDateTrunc, &FunctionBinder::DateTrunc},
};

bool IsAggregateFunctionName(std::string_view name) { return In(name, kAggregates); }

Result<BoundExprPtr> FunctionBinder::Bind() {
  const std::string& name = e_.op;
  if (!In(name, kAggregates)) {
    if (e_.distinct) return ctx_.Invalid(e_.pos, "DISTINCT is only allowed in aggregate functions, not in " + name + "()");
    if (e_.filter) return ctx_.Invalid(e_.filter->pos, "FILTER is only allowed on aggregate functions, not on " + name + "()");
    if (e_.star) return ctx_.Invalid(e_.pos, name + "(*) is not a function; only count(*) takes '*'");
  }
  for (const Entry& f : kFunctions) {
    if (!EqualsIgnoreCase(f.name, name)) continue;
    entry_ = &f;
    SLUICE_RETURN_NOT_OK(CheckArity(f));
    SLUICE_RETURN_NOT_OK(BindArgs());
    return (this->*f.handler)();
  }
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (In(name, kAggregates)) {
    // Aggregate queries resolve their aggregates before this point (AggregateScope).
    return ctx_.Invalid(e_.pos, "aggregate function " + lower +
                                    "() is not allowed here; aggregates belong in the select "
                                    "list or HAVING of a query (use HAVING to filter on them)");
  }
  if (In(name, kWindowFunctions)) return ctx_.NotSupported(e_.pos, "window function " + lower + "()");
  if (In(name, kWindowTables)) {
    return ctx_.NotSupported(e_.pos, "window table function " + lower + "()");
  }
  std::vector<std::string> names;
  for (const Entry& f : kFunctions) names.emplace_back(f.name);
  std::string msg = "unknown function '" + name + "'";
  const std::string best = ClosestMatch(name, names);
  if (!best.empty()) msg += " (did you mean '" + best + "'?)";
  return ctx_.Invalid(e_.pos, msg);
}

Result<BoundExprPtr> Binder::BindFunction(const ParsedExpr& e) {
  FunctionBinder fb(this, e);
  return fb.Bind();
}

}  // namespace sluice::sql
