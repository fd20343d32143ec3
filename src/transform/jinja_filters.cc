#include "transform/jinja_filters.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "transform/jinja_methods.h"
#include "transform/jinja_ops.h"

namespace sluice::transform {

namespace {

Status BadInput(std::string_view filter, std::string_view expected, const Value& got) {
  return Status::Invalid("filter '" + std::string(filter) + "' expects " + std::string(expected) +
                         ", got '" + std::string(got.TypeName()) + "'");
}

// Items to iterate, or an error naming the filter.
Result<ValueList> Iterate(std::string_view filter, const Value& v) {
  if (auto items = IterItems(v)) return std::move(*items);
  return BadInput(filter, "a list, dict or string", v);
}

// Looks up a dotted attribute path ("a.b", "0") in dicts and lists; nullopt when missing.
std::optional<Value> GetAttrPath(const Value& v, std::string_view path) {
  Value cur = v;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    if (dot == std::string_view::npos) dot = path.size();
    const std::string_view part = path.substr(start, dot - start);
    if (cur.is_dict()) {
      const Value* next = cur.as_dict().Find(part);
      if (next == nullptr) return std::nullopt;
      cur = *next;
    } else if (cur.is_list() && !part.empty() &&
               std::isdigit(static_cast<unsigned char>(part[0]))) {
      const size_t idx = std::strtoull(std::string(part).c_str(), nullptr, 10);
      if (idx >= cur.as_list().size()) return std::nullopt;
      cur = cur.as_list()[idx];
    } else {
      return std::nullopt;
    }
    start = dot + 1;
  }
  return cur;
}

Result<Value> Attr(std::string_view filter, const Value& item, const Value& attribute) {
  if (attribute.is_none()) return item;
  const std::string path = attribute.ToString();
  auto v = GetAttrPath(item, path);
  if (!v) {
    return Status::Invalid("filter '" + std::string(filter) + "': item " + item.Repr() +
                           " has no attribute '" + path + "'");
  }
  return *v;
}

// Applies `args`' first positional (a filter or test name) to each item, with the rest as its
// arguments.
CallArgs TailArgs(const CallArgs& args, size_t skip) {
  CallArgs rest;
  if (args.positional.size() > skip) {
    rest.positional.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(skip),
                           args.positional.end());
  }
  rest.keyword = args.keyword;
  return rest;
}

Result<TestFunction> TestNamed(std::string_view filter, const Value& name) {
  if (!name.is_string()) return BadInput(filter, "a test name", name);
  TestFunction t = FindTest(name.as_string());
  if (t == nullptr) {
    return Status::Invalid("filter '" + std::string(filter) + "': unknown test '" +
                           name.as_string() + "' (" +
                           SuggestionHint(name.as_string(), TestNames()) + ")");
  }
  return t;
}

Result<Value> FDefault(const Value& in, const CallArgs& args) {
  const Param params[] = {{"default_value", Value("")}, {"boolean", Value(false)}};
  SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, "default"));
  if (in.is_undefined() || (a[1].Truthy() && !in.Truthy())) return a[0];
  return in;
}

Result<Value> FLower(const Value& in, const CallArgs& args) {
  SLUICE_RETURN_NOT_OK(BindArgs(args, {}, "lower").status());
  return Value(AsciiLower(in.ToString()));
}
Result<Value> FUpper(const Value& in, const CallArgs& args) {
  SLUICE_RETURN_NOT_OK(BindArgs(args, {}, "upper").status());
  return Value(AsciiUpper(in.ToString()));
}
Result<Value> FCapitalize(const Value& in, const CallArgs& args) {
  SLUICE_RETURN_NOT_OK(BindArgs(args, {}, "capitalize").status());
  return Value(Capitalize(in.ToString()));
}
Result<Value> FTitle(const Value& in, const CallArgs& args) {
  SLUICE_RETURN_NOT_OK(BindArgs(args, {}, "title").status());
  return Value(Title(in.ToString()));
}
Result<Value> FTrim(const Value& in, const CallArgs& args) {
  const Param params[] = {{"chars", Value::None()}};
  SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, "trim"));
  const std::string chars = a[0].is_none() ? "" : a[0].ToString();
  return Value(StripChars(in.ToString(), chars, true, true));
}
Result<Value> FReplace(const Value& in, const CallArgs& args) {
  return CallMethod(Value(in.ToString()), "replace", args);
}
Result<Value> FString(const Value& in, const CallArgs& args) {
  SLUICE_RETURN_NOT_OK(BindArgs(args, {}, "string").status());
  return Value(in.ToString());
}
Result<Value> FSafe(const Value& in, const CallArgs& args) {
  SLUICE_RETURN_NOT_OK(BindArgs(args, {}, "safe").status());
  return in;
}

Result<Value> FJoin(const Value& in, const CallArgs& args) {
  const Param params[] = {{"d", Value("")}, {"attribute", Value::None()}};
  SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, "join"));
  SLUICE_ASSIGN_OR_RETURN(ValueList items, Iterate("join", in));
  const std::string sep = a[0].ToString();
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    SLUICE_ASSIGN_OR_RETURN(Value v, Attr("join", items[i], a[1]));
    out += v.ToString();
  }
  return Value(std::move(out));
}

Result<Value> FLength(const Value& in, const CallArgs& args) {
  SLUICE_RETURN_NOT_OK(BindArgs(args, {}, "length").status());
  if (in.is_string()) return Value(static_cast<int64_t>(Utf8Chars(in.as_string()).size()));
  if (in.is_list()) return Value(static_cast<int64_t>(in.as_list().size()));
  if (in.is_dict()) return Value(static_cast<int64_t>(in.as_dict().size()));
  return BadInput("length", "a string, list or dict", in);
}

Result<Value> FList(const Value& in, const CallArgs& args) {
  SLUICE_RETURN_NOT_OK(BindArgs(args, {}, "list").status());
  SLUICE_ASSIGN_OR_RETURN(ValueList items, Iterate("list", in));
  return Value::List(std::move(items));
}

Result<Value> FFirstLast(const Value& in, const CallArgs& args, bool first) {
  const char* name = first ? "first" : "last";
  SLUICE_RETURN_NOT_OK(BindArgs(args, {}, name).status());
  SLUICE_ASSIGN_OR_RETURN(ValueList items, Iterate(name, in));
  if (items.empty()) {
    return Value::Undefined(std::string("no ") + name + " item: the sequence is empty", "", {});
  }
  return first ? items.front() : items.back();
}
Result<Value> FFirst(const Value& in, const CallArgs& args) { return FFirstLast(in, args, true); }
Result<Value> FLast(const Value& in, const CallArgs& args) { return FFirstLast(in, args, false); }

// Parses a whole string (surrounding whitespace allowed) as a double.
std::optional<double> ParseDouble(const std::string& s) {
  const std::string t = StripChars(s, "", true, true);
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  const double d = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return std::nullopt;
  return d;
}
std::optional<int64_t> ParseInt(const std::string& s) {
  std::string t = StripChars(s, "", true, true);
  t.erase(std::remove(t.begin(), t.end(), '_'), t.end());
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(t.c_str(), &end, 10);
  if (end != t.c_str() + t.size() || errno == ERANGE) return std::nullopt;
  return static_cast<int64_t>(v);
}

Result<Value> FInt(const Value& in, const CallArgs& args) {
  const Param params[] = {{"default", Value(0)}};
  SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, "int"));
  if (in.is_int()) return in;
  if (in.is_bool()) return Value(int64_t{in.as_bool()});
  if (in.is_float()) {
    const double d = in.as_float();
    if (!std::isfinite(d) || std::fabs(d) >= 9.2e18) return a[0];
    return Value(static_cast<int64_t>(d));
  }
  if (in.is_string()) {
    if (auto i = ParseInt(in.as_string())) return Value(*i);
    if (auto d = ParseDouble(in.as_string()); d && std::isfinite(*d) && std::fabs(*d) < 9.2e18) {
      return Value(static_cast<int64_t>(*d));
    }
  }
  return a[0];
}

Result<Value> FFloat(const Value& in, const CallArgs& args) {
  const Param params[] = {{"default", Value(0.0)}};
  SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, "float"));
  if (in.is_number() || in.is_bool()) return Value(in.as_double());
  if (in.is_string()) {
    if (auto d = ParseDouble(in.as_string())) return Value(*d);
  }
  return a[0];
}

Result<Value> FAbs(const Value& in, const CallArgs& args) {
  SLUICE_RETURN_NOT_OK(BindArgs(args, {}, "abs").status());
  if (in.is_float()) return Value(std::fabs(in.as_float()));
  if (in.is_int() || in.is_bool()) {
    const int64_t v = in.is_bool() ? int64_t{in.as_bool()} : in.as_int();
    if (v == INT64_MIN) return Status::OutOfRange("integer overflow in 'abs'");
    return Value(v < 0 ? -v : v);
  }
  return BadInput("abs", "a number", in);
}

Result<Value> FRound(const Value& in, const CallArgs& args) {
  const Param params[] = {{"precision", Value(0)}, {"method", Value("common")}};
  SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, "round"));
  if (!in.is_number() && !in.is_bool()) return BadInput("round", "a number", in);
  if (!a[0].is_int()) return BadInput("round", "an int precision", a[0]);
  const std::string method = a[1].ToString();
  if (method != "common" && method != "ceil" && method != "floor") {
    return Status::Invalid("filter 'round': method must be 'common', 'ceil' or 'floor', got '" +
                           method + "'");
  }
  const int64_t precision = std::clamp<int64_t>(a[0].as_int(), -300, 300);
  const double x = in.as_double();
  if (method != "common") {
    const double scale = std::pow(10.0, static_cast<double>(precision));
    const double r = method == "ceil" ? std::ceil(x * scale) : std::floor(x * scale);
    return Value(r / scale);
  }
  if (!in.is_float() && precision >= 0)
    return Value(in.is_bool() ? int64_t{in.as_bool()} : in.as_int());
  if (!std::isfinite(x)) return Value(x);
  if (precision < 0) {
    const double scale = std::pow(10.0, static_cast<double>(-precision));
    return Value(std::nearbyint(x / scale) * scale);
  }
  // printf rounds the exact binary value half-to-even, as Python's round() does.
  char buf[512];
  std::snprintf(buf, sizeof(buf), "%.*f", static_cast<int>(std::min<int64_t>(precision, 100)), x);
  return Value(std::strtod(buf, nullptr));
}

Result<Value> FReverse(const Value& in, const CallArgs& args) {
  SLUICE_RETURN_NOT_OK(BindArgs(args, {}, "reverse").status());
  if (in.is_string()) {
    auto chars = Utf8Chars(in.as_string());
    std::string out;
    for (auto it = chars.rbegin(); it != chars.rend(); ++it) out += *it;
    return Value(std::move(out));
  }
  SLUICE_ASSIGN_OR_RETURN(ValueList items, Iterate("reverse", in));
  std::reverse(items.begin(), items.end());
  return Value::List(std::move(items));
}

Result<Value> FSort(const Value& in, const CallArgs& args) {
  const Param params[] = {
      {"reverse", Value(false)}, {"case_sensitive", Value(false)}, {"attribute", Value::None()}};
  SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, "sort"));
  SLUICE_ASSIGN_OR_RETURN(ValueList items, Iterate("sort", in));
  std::vector<std::pair<Value, Value>> keyed;  // (key, item)
  for (auto& item : items) {
    SLUICE_ASSIGN_OR_RETURN(Value key, Attr("sort", item, a[2]));
    keyed.emplace_back(std::move(key), std::move(item));
  }
  Status error;
  const bool ci = !a[1].Truthy();
  const bool reverse = a[0].Truthy();
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    auto c = CompareValues(x.first, y.first, ci);
    if (!c.ok()) {
      if (error.ok()) error = c.status();
      return false;
    }
    return reverse ? *c > 0 : *c < 0;
  });
  if (!error.ok()) return Status::Invalid("filter 'sort': " + error.message());
  ValueList out;
  for (auto& kv : keyed) out.push_back(std::move(kv.second));
  return Value::List(std::move(out));
}

Result<Value> FUnique(const Value& in, const CallArgs& args) {
  const Param params[] = {{"case_sensitive", Value(false)}, {"attribute", Value::None()}};
  SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, "unique"));
  SLUICE_ASSIGN_OR_RETURN(ValueList items, Iterate("unique", in));
  ValueList out;
  ValueList seen;
  for (auto& item : items) {
    SLUICE_ASSIGN_OR_RETURN(Value key, Attr("unique", item, a[1]));
    if (key.is_string() && !a[0].Truthy()) key = Value(AsciiLower(key.as_string()));
    bool dup = false;
    for (const auto& s : seen) dup = dup || s.Equals(key);
    if (dup) continue;
    seen.push_back(std::move(key));
    out.push_back(std::move(item));
  }
  return Value::List(std::move(out));
}

Result<Value> FMinMax(const Value& in, const CallArgs& args, bool want_max) {
  const char* name = want_max ? "max" : "min";
  const Param params[] = {{"case_sensitive", Value(false)}, {"attribute", Value::None()}};
  SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, name));
  SLUICE_ASSIGN_OR_RETURN(ValueList items, Iterate(name, in));
  if (items.empty())
    return Value::Undefined(std::string("no ") + name + ": the sequence is empty", "", {});
  size_t best = 0;
  SLUICE_ASSIGN_OR_RETURN(Value best_key, Attr(name, items[0], a[1]));
  for (size_t i = 1; i < items.size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(Value key, Attr(name, items[i], a[1]));
    SLUICE_ASSIGN_OR_RETURN(int c, CompareValues(key, best_key, !a[0].Truthy()));
    if (want_max ? c > 0 : c < 0) {
      best = i;
      best_key = key;
    }
  }
  return items[best];
}
Result<Value> FMin(const Value& in, const CallArgs& args) { return FMinMax(in, args, false); }
Result<Value> FMax(const Value& in, const CallArgs& args) { return FMinMax(in, args, true); }

Result<Value> FSum(const Value& in, const CallArgs& args) {
  const Param params[] = {{"attribute", Value::None()}, {"start", Value(0)}};
  SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, "sum"));
  SLUICE_ASSIGN_OR_RETURN(ValueList items, Iterate("sum", in));
  Value total = a[1];
  for (const auto& item : items) {
    SLUICE_ASSIGN_OR_RETURN(Value v, Attr("sum", item, a[0]));
    SLUICE_ASSIGN_OR_RETURN(total, BinaryOp("+", total, v, size_t{1} << 30));
  }
  return total;
}

Result<Value> FItems(const Value& in, const CallArgs& args) {
  if (!in.is_dict()) return BadInput("items", "a dict", in);
  return CallMethod(in, "items", args);
}

Result<Value> FIndent(const Value& in, const CallArgs& args) {
  const Param params[] = {{"width", Value(4)}, {"first", Value(false)}, {"blank", Value(false)}};
  SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, "indent"));
  std::string indent;
  if (a[0].is_int()) {
    indent.assign(static_cast<size_t>(std::clamp<int64_t>(a[0].as_int(), 0, 1000)), ' ');
  } else {
    indent = a[0].ToString();
  }
  // Jinja splits s + "\n" into lines (so a trailing newline survives) and indents every line
  // but the first, blank lines only when blank=true.
  const std::string s = in.ToString() + "\n";
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl = s.find('\n'); nl != std::string::npos; nl = s.find('\n', start)) {
    lines.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  std::string out = lines.empty() ? "" : lines[0];
  for (size_t i = 1; i < lines.size(); ++i) {
    out += '\n';
    if (!lines[i].empty() || a[2].Truthy()) out += indent;
    out += lines[i];
  }
  if (a[1].Truthy()) out = indent + out;
  return Value(std::move(out));
}

Result<Value> FMap(const Value& in, const CallArgs& args) {
  SLUICE_ASSIGN_OR_RETURN(ValueList items, Iterate("map", in));
  ValueList out;
  if (const Value* attr = args.Keyword("attribute")) {
    const Value* def = args.Keyword("default");
    for (const auto& item : items) {
      auto v = GetAttrPath(item, attr->ToString());
      if (!v && def == nullptr) {
        return Status::Invalid("filter 'map': item " + item.Repr() + " has no attribute '" +
                               attr->ToString() + "' (pass default=... to allow that)");
      }
      out.push_back(v ? *v : *def);
    }
    return Value::List(std::move(out));
  }
  if (args.positional.empty() || !args.positional[0].is_string()) {
    return Status::Invalid("filter 'map' needs a filter name or attribute='...'");
  }
  const std::string& name = args.positional[0].as_string();
  FilterFunction f = FindFilter(name);
  if (f == nullptr) {
    return Status::Invalid("filter 'map': unknown filter '" + name + "' (" +
                           SuggestionHint(name, FilterNames()) + ")");
  }
  const CallArgs rest = TailArgs(args, 1);
  for (const auto& item : items) {
    SLUICE_ASSIGN_OR_RETURN(Value v, f(item, rest));
    out.push_back(std::move(v));
  }
  return Value::List(std::move(out));
}

Result<Value> SelectImpl(const Value& in, const CallArgs& args, bool by_attr, bool keep) {
  const char* name = by_attr ? (keep ? "selectattr" : "rejectattr") : (keep ? "select" : "reject");
  SLUICE_ASSIGN_OR_RETURN(ValueList items, Iterate(name, in));
  size_t next = 0;
  Value attribute = Value::None();
  if (by_attr) {
    if (args.positional.empty())
      return Status::Invalid(std::string("filter '") + name + "' needs an attribute name");
    attribute = args.positional[next++];
  }
  TestFunction test = nullptr;
  if (args.positional.size() > next) {
    SLUICE_ASSIGN_OR_RETURN(test, TestNamed(name, args.positional[next++]));
  }
  const CallArgs rest = TailArgs(args, next);
  ValueList out;
  for (const auto& item : items) {
    Value subject = item;
    if (by_attr) {
      auto v = GetAttrPath(item, attribute.ToString());
      subject = v ? *v : Value::Undefined("missing attribute", "", {});
    }
    bool pass = false;
    if (test != nullptr) {
      SLUICE_ASSIGN_OR_RETURN(pass, test(subject, rest));
    } else {
      pass = subject.Truthy();
    }
    if (pass == keep) out.push_back(item);
  }
  return Value::List(std::move(out));
}
Result<Value> FSelect(const Value& in, const CallArgs& a) { return SelectImpl(in, a, false, true); }
Result<Value> FReject(const Value& in, const CallArgs& a) {
  return SelectImpl(in, a, false, false);
}
Result<Value> FSelectAttr(const Value& in, const CallArgs& a) {
  return SelectImpl(in, a, true, true);
}
Result<Value> FRejectAttr(const Value& in, const CallArgs& a) {
  return SelectImpl(in, a, true, false);
}

// printf-style formatting: %s %r %d %i %f %e %g %x %%, with flags, width and precision.
Result<Value> FFormat(const Value& in, const CallArgs& args) {
  if (!in.is_string()) return BadInput("format", "a format string", in);
  const std::string& fmt = in.as_string();
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out += fmt[i];
      continue;
    }
    size_t j = i + 1;
    while (j < fmt.size() && std::string_view("-+ 0#").find(fmt[j]) != std::string_view::npos) ++j;
    while (j < fmt.size() && (std::isdigit(static_cast<unsigned char>(fmt[j])) || fmt[j] == '.'))
      ++j;
    if (j >= fmt.size())
      return Status::Invalid("filter 'format': incomplete format '" + fmt.substr(i) + "'");
    const char conv = fmt[j];
    const std::string spec = fmt.substr(i, j - i);
    i = j;
    if (conv == '%') {
      out += '%';
      continue;
    }
    if (next >= args.positional.size()) {
      return Status::Invalid("filter 'format': not enough arguments for the format string");
    }
    const Value& v = args.positional[next++];
    char buf[512];
    if (conv == 's' || conv == 'r') {
      const std::string s = conv == 's' ? v.ToString() : v.Repr();
      const std::string pad_spec = spec + "s";
      const int n = std::snprintf(nullptr, 0, pad_spec.c_str(), s.c_str());
      std::string padded(static_cast<size_t>(std::max(n, 0)), '\0');
      std::snprintf(padded.data(), padded.size() + 1, pad_spec.c_str(), s.c_str());
      out += padded;
    } else if (conv == 'd' || conv == 'i' || conv == 'x') {
      if (!v.is_number() && !v.is_bool())
        return BadInput("format", "a number for %" + std::string(1, conv), v);
      const long long x = v.is_float()
                              ? static_cast<long long>(v.as_float())
                              : static_cast<long long>(v.is_bool() ? v.as_bool() : v.as_int());
      std::snprintf(buf, sizeof(buf), (spec + "ll" + conv).c_str(), x);
      out += buf;
    } else if (conv == 'f' || conv == 'e' || conv == 'g') {
      if (!v.is_number() && !v.is_bool())
        return BadInput("format", "a number for %" + std::string(1, conv), v);
      std::snprintf(buf, sizeof(buf), (spec + conv).c_str(), v.as_double());
      out += buf;
    } else {
      return Status::Invalid(std::string("filter 'format': unsupported conversion '%") + conv +
                             "'");
    }
  }
  if (next < args.positional.size()) {
    return Status::Invalid("filter 'format': not all arguments converted");
  }
  return Value(std::move(out));
}

Result<Value> FToJson(const Value& in, const CallArgs& args) {
  SLUICE_RETURN_NOT_OK(BindArgs(args, {}, "tojson").status());
  SLUICE_ASSIGN_OR_RETURN(std::string s, ToJson(in));
  return Value(std::move(s));
}

Result<Value> FAsText(const Value& in, const CallArgs& args) {
  SLUICE_RETURN_NOT_OK(BindArgs(args, {}, "as_text").status());
  return Value(in.ToString());
}

Result<Value> FAsBool(const Value& in, const CallArgs& args) {
  SLUICE_RETURN_NOT_OK(BindArgs(args, {}, "as_bool").status());
  if (in.is_bool()) return in;
  if (in.is_string()) {
    const std::string s = AsciiLower(StripChars(in.as_string(), "", true, true));
    if (s == "true") return Value(true);
    if (s == "false") return Value(false);
  }
  return Status::Invalid("filter 'as_bool': " + in.Repr() + " is not a boolean (true or false)");
}

Result<Value> FAsNumber(const Value& in, const CallArgs& args) {
  SLUICE_RETURN_NOT_OK(BindArgs(args, {}, "as_number").status());
  if (in.is_number()) return in;
  if (in.is_string()) {
    if (auto i = ParseInt(in.as_string())) return Value(*i);
    if (auto d = ParseDouble(in.as_string())) return Value(*d);
  }
  return Status::Invalid("filter 'as_number': " + in.Repr() + " is not a number");
}

const std::map<std::string, FilterFunction, std::less<>>& Filters() {
  static const std::map<std::string, FilterFunction, std::less<>> kFilters = {
      {"default", FDefault},
      {"d", FDefault},
      {"lower", FLower},
      {"upper", FUpper},
      {"trim", FTrim},
      {"replace", FReplace},
      {"join", FJoin},
      {"length", FLength},
      {"count", FLength},
      {"list", FList},
      {"first", FFirst},
      {"last", FLast},
      {"int", FInt},
      {"float", FFloat},
      {"string", FString},
      {"abs", FAbs},
      {"round", FRound},
      {"capitalize", FCapitalize},
      {"title", FTitle},
      {"unique", FUnique},
      {"sort", FSort},
      {"reverse", FReverse},
      {"indent", FIndent},
      {"tojson", FToJson},
      {"format", FFormat},
      {"map", FMap},
      {"select", FSelect},
      {"reject", FReject},
      {"selectattr", FSelectAttr},
      {"rejectattr", FRejectAttr},
      {"items", FItems},
      {"min", FMin},
      {"max", FMax},
      {"sum", FSum},
      {"safe", FSafe},
      {"as_text", FAsText},
      {"as_bool", FAsBool},
      {"as_number", FAsNumber},
  };
  return kFilters;
}

}  // namespace

FilterFunction FindFilter(std::string_view name) {
  const auto& m = Filters();
  auto it = m.find(name);
  return it == m.end() ? nullptr : it->second;
}

std::vector<std::string> FilterNames() {
  std::vector<std::string> out;
  for (const auto& [k, unused] : Filters()) out.push_back(k);
  return out;
}

}  // namespace sluice::transform
