#include "transform/jinja_methods.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace sluice::transform {

namespace {

constexpr std::array<std::string_view, 15> kStringMethods = {
    "upper",    "lower",  "strip", "lstrip", "rstrip",     "split", "replace", "startswith",
    "endswith", "format", "join",  "title",  "capitalize", "find",  "count"};
constexpr std::array<std::string_view, 7> kDictMethods = {"items",  "keys", "values", "get",
                                                          "update", "pop",  "copy"};
constexpr std::array<std::string_view, 6> kListMethods = {"append", "extend", "pop",
                                                          "insert", "index",  "count"};
constexpr std::array<std::string_view, 2> kTupleMethods = {"index", "count"};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

Status CycleError(std::string_view method) {
  return Status::Invalid("'" + std::string(method) +
                         "' would put a list or dict inside itself, which is not supported");
}

Status ArgType(std::string_view method, std::string_view what, const Value& got) {
  return Status::Invalid("'" + std::string(method) + "' expects " + std::string(what) + ", got '" +
                         std::string(got.TypeName()) + "'");
}

Result<Value> StringSplit(const std::string& s, const ValueList& a) {
  const bool by_space = a[0].is_none();
  if (!by_space && !a[0].is_string()) return ArgType("split", "a string separator", a[0]);
  if (!a[1].is_int()) return ArgType("split", "an int maxsplit", a[1]);
  int64_t max_split = a[1].as_int();
  ValueList out;
  if (by_space) {
    size_t i = 0;
    while (true) {
      while (i < s.size() && IsSpace(s[i])) ++i;
      if (i >= s.size()) break;
      if (max_split == 0) {
        size_t end = s.size();
        while (end > i && IsSpace(s[end - 1])) --end;
        out.emplace_back(s.substr(i, end - i));
        break;
      }
      size_t j = i;
      while (j < s.size() && !IsSpace(s[j])) ++j;
      out.emplace_back(s.substr(i, j - i));
      --max_split;
      i = j;
    }
    return Value::List(std::move(out));
  }
  const std::string& sep = a[0].as_string();
  if (sep.empty()) return Status::Invalid("'split' got an empty separator");
  size_t start = 0;
  while (max_split != 0) {
    const size_t hit = s.find(sep, start);
    if (hit == std::string::npos) break;
    out.emplace_back(s.substr(start, hit - start));
    start = hit + sep.size();
    --max_split;
  }
  out.emplace_back(s.substr(start));
  return Value::List(std::move(out));
}

Result<Value> StringAffix(const std::string& s, std::string_view name, const Value& arg) {
  const bool starts = name == "startswith";
  auto test = [&](const std::string& affix) {
    if (affix.size() > s.size()) return false;
    return starts ? s.compare(0, affix.size(), affix) == 0
                  : s.compare(s.size() - affix.size(), affix.size(), affix) == 0;
  };
  if (arg.is_string()) return Value(test(arg.as_string()));
  if (arg.is_list()) {
    for (const auto& v : arg.as_list()) {
      if (!v.is_string()) return ArgType(name, "strings", v);
      if (test(v.as_string())) return Value(true);
    }
    return Value(false);
  }
  return ArgType(name, "a string or a tuple of strings", arg);
}

Result<Value> StringMethod(const std::string& s, std::string_view name, const CallArgs& args) {
  if (name == "upper" || name == "lower" || name == "title" || name == "capitalize") {
    SLUICE_RETURN_NOT_OK(BindArgs(args, {}, name).status());
    if (name == "upper") return Value(AsciiUpper(s));
    if (name == "lower") return Value(AsciiLower(s));
    if (name == "title") return Value(Title(s));
    return Value(Capitalize(s));
  }
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    const Param params[] = {{"chars", Value::None()}};
    SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, name));
    if (!a[0].is_none() && !a[0].is_string()) return ArgType(name, "a string", a[0]);
    const std::string chars = a[0].is_none() ? "" : a[0].as_string();
    return Value(StripChars(s, chars, name != "rstrip", name != "lstrip"));
  }
  if (name == "split") {
    const Param params[] = {{"sep", Value::None()}, {"maxsplit", Value(-1)}};
    SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, name));
    return StringSplit(s, a);
  }
  if (name == "replace") {
    const Param params[] = {{"old", std::nullopt}, {"new", std::nullopt}, {"count", Value(-1)}};
    SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, name));
    if (!a[0].is_string() || !a[1].is_string()) return ArgType(name, "strings", a[0]);
    if (!a[2].is_int()) return ArgType(name, "an int count", a[2]);
    const std::string& from = a[0].as_string();
    const std::string& to = a[1].as_string();
    int64_t count = a[2].as_int();
    std::string out;
    size_t pos = 0;
    if (from.empty()) {  // Python inserts `to` between characters
      for (const auto& ch : Utf8Chars(s)) {
        if (count != 0) {
          out += to;
          --count;
        }
        out += ch;
      }
      if (count != 0) out += to;
      return Value(std::move(out));
    }
    while (count != 0) {
      const size_t hit = s.find(from, pos);
      if (hit == std::string::npos) break;
      out.append(s, pos, hit - pos);
      out += to;
      pos = hit + from.size();
      --count;
    }
    out.append(s, pos);
    return Value(std::move(out));
  }
  if (name == "startswith" || name == "endswith") {
    const Param params[] = {{"prefix", std::nullopt}};
    SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, name));
    return StringAffix(s, name, a[0]);
  }
  if (name == "format") {
    SLUICE_ASSIGN_OR_RETURN(std::string out, PyFormat(s, args));
    return Value(std::move(out));
  }
  if (name == "join") {
    const Param params[] = {{"iterable", std::nullopt}};
    SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, name));
    if (!a[0].is_list()) return ArgType(name, "a list", a[0]);
    std::string out;
    bool first = true;
    for (const auto& v : a[0].as_list()) {
      if (!v.is_string()) return ArgType(name, "a list of strings", v);
      if (!first) out += s;
      first = false;
      out += v.as_string();
    }
    return Value(std::move(out));
  }
  // find, count
  const Param params[] = {{"sub", std::nullopt}};
  SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, name));
  if (!a[0].is_string()) return ArgType(name, "a string", a[0]);
  const std::string& sub = a[0].as_string();
  if (name == "find") {
    const size_t hit = s.find(sub);
    return Value(hit == std::string::npos ? int64_t{-1} : static_cast<int64_t>(hit));
  }
  if (sub.empty()) return Value(static_cast<int64_t>(Utf8Chars(s).size() + 1));
  int64_t n = 0;
  for (size_t pos = s.find(sub); pos != std::string::npos; pos = s.find(sub, pos + sub.size())) ++n;
  return Value(n);
}

Result<Value> DictMethod(const Value& d, std::string_view name, const CallArgs& args) {
  if (name == "items" || name == "keys" || name == "values" || name == "copy") {
    SLUICE_RETURN_NOT_OK(BindArgs(args, {}, name).status());
    if (name == "copy") {
      Value out = Value::EmptyDict();
      for (const auto& [k, v] : d.as_dict().entries()) out.mutable_dict().Set(k, v);
      return out;
    }
    ValueList out;
    for (const auto& [k, v] : d.as_dict().entries()) {
      if (name == "items") {
        out.push_back(Value::Tuple({k, v}));
      } else {
        out.push_back(name == "keys" ? k : v);
      }
    }
    return Value::List(std::move(out));
  }
  if (name == "get" || name == "pop") {
    const Param params[] = {{"key", std::nullopt}, {"default", Value::None()}};
    SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, name));
    const Value* v = d.as_dict().Find(a[0]);
    if (v == nullptr) {
      if (name == "pop" && args.positional.size() < 2 && args.Keyword("default") == nullptr) {
        return Status::NotFound("'pop': key " + a[0].Repr() + " is not in the dict");
      }
      return a[1];
    }
    Value out = *v;
    if (name == "pop") d.mutable_dict().Erase(a[0]);
    return out;
  }
  // update(other) or update(key=value, ...)
  if (args.positional.size() > 1) return Status::Invalid("'update' takes at most 1 argument");
  for (const auto& v : args.positional) {
    if (WouldCreateCycle(d, v)) return CycleError(name);
  }
  for (const auto& [k, v] : args.keyword) {
    if (WouldCreateCycle(d, v)) return CycleError(name);
  }
  if (!args.positional.empty()) {
    const Value& other = args.positional[0];
    if (!other.is_dict()) return ArgType(name, "a dict", other);
    for (const auto& [k, v] : other.as_dict().entries()) d.mutable_dict().Set(k, v);
  }
  for (const auto& [k, v] : args.keyword) d.mutable_dict().Set(Value(k), v);
  return Value::None();
}

Result<Value> ListMethod(const Value& l, std::string_view name, const CallArgs& args) {
  if (name == "index" || name == "count") {
    const Param params[] = {{"value", std::nullopt}};
    SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, name));
    const ValueList& items = l.as_list();
    int64_t n = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!items[i].Equals(a[0])) continue;
      if (name == "index") return Value(static_cast<int64_t>(i));
      ++n;
    }
    if (name == "index") return Status::NotFound("'index': " + a[0].Repr() + " is not in the list");
    return Value(n);
  }
  if (l.is_tuple())
    return Status::Invalid("a tuple cannot be changed ('" + std::string(name) + "')");
  for (const auto& v : args.positional) {
    if (WouldCreateCycle(l, v)) return CycleError(name);
  }
  ValueList& items = l.mutable_list();
  if (name == "append") {
    const Param params[] = {{"value", std::nullopt}};
    SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, name));
    items.push_back(std::move(a[0]));
    return Value::None();
  }
  if (name == "extend") {
    const Param params[] = {{"iterable", std::nullopt}};
    SLUICE_ASSIGN_OR_RETURN(auto a, BindArgs(args, params, name));
    if (!a[0].is_list()) return ArgType(name, "a list", a[0]);
    const ValueList copy = a[0].as_list();  // l.extend(l) must not read while growing
    items.insert(items.end(), copy.begin(), copy.end());
    return Value::None();
  }
  const bool is_pop = name == "pop";
  const Param pop_params[] = {{"index", Value(-1)}};
  const Param insert_params[] = {{"index", std::nullopt}, {"value", std::nullopt}};
  SLUICE_ASSIGN_OR_RETURN(
      auto a, is_pop ? BindArgs(args, pop_params, name) : BindArgs(args, insert_params, name));
  if (!a[0].is_int()) return ArgType(name, "an int index", a[0]);
  const int64_t size = static_cast<int64_t>(items.size());
  int64_t idx = a[0].as_int();
  if (idx < 0) idx += size;
  if (is_pop) {
    if (idx < 0 || idx >= size) return Status::OutOfRange("'pop' index out of range");
    Value out = items[static_cast<size_t>(idx)];
    items.erase(items.begin() + idx);
    return out;
  }
  idx = std::clamp<int64_t>(idx, 0, size);
  items.insert(items.begin() + idx, std::move(a[1]));
  return Value::None();
}

}  // namespace

std::string AsciiUpper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Capitalize(std::string_view s) {
  std::string out = AsciiLower(s);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

std::string Title(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool word_start = true;
  for (char c : s) {
    const bool sep = IsSpace(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
    if (sep) {
      out += c;
      word_start = true;
    } else {
      const auto u = static_cast<unsigned char>(c);
      out += static_cast<char>(word_start ? std::toupper(u) : std::tolower(u));
      word_start = false;
    }
  }
  return out;
}

std::string StripChars(std::string_view s, std::string_view chars, bool left, bool right) {
  auto strip = [&](char c) {
    return chars.empty() ? IsSpace(c) : chars.find(c) != std::string_view::npos;
  };
  size_t b = 0;
  size_t e = s.size();
  if (left) {
    while (b < e && strip(s[b])) ++b;
  }
  if (right) {
    while (e > b && strip(s[e - 1])) --e;
  }
  return std::string(s.substr(b, e - b));
}

std::optional<ValueList> IterItems(const Value& v) {
  if (v.is_list()) return v.as_list();
  if (v.is_dict()) {
    ValueList keys;
    for (const auto& [k, unused] : v.as_dict().entries()) keys.push_back(k);
    return keys;
  }
  if (v.is_string()) {
    ValueList chars;
    for (auto& c : Utf8Chars(v.as_string())) chars.emplace_back(std::move(c));
    return chars;
  }
  return std::nullopt;
}

std::vector<std::string> Utf8Chars(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 1;
    if (c >= 0xF0) {
      n = 4;
    } else if (c >= 0xE0) {
      n = 3;
    } else if (c >= 0xC0) {
      n = 2;
    }
    n = std::min(n, s.size() - i);
    out.emplace_back(s.substr(i, n));
    i += n;
  }
  return out;
}

Result<std::string> PyFormat(std::string_view fmt, const CallArgs& args) {
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    const char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') ++i;
      out += '}';
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    const size_t close = fmt.find('}', i);
    if (close == std::string_view::npos) return Status::Invalid("'format': unmatched '{'");
    const std::string_view field = fmt.substr(i + 1, close - i - 1);
    if (field.find_first_of(":!") != std::string_view::npos) {
      return Status::NotImplemented("'format': format specs like '{" + std::string(field) +
                                    "}' are not supported");
    }
    const Value* v = nullptr;
    size_t index = 0;
    if (field.empty()) {
      index = auto_index++;
    } else if (std::isdigit(static_cast<unsigned char>(field[0]))) {
      std::from_chars(field.data(), field.data() + field.size(), index);
    } else {
      v = args.Keyword(field);
      if (v == nullptr) {
        return Status::Invalid("'format': no keyword argument '" + std::string(field) + "'");
      }
    }
    if (v == nullptr) {
      if (index >= args.positional.size()) {
        return Status::Invalid("'format': replacement field " + std::to_string(index) +
                               " has no argument");
      }
      v = &args.positional[index];
    }
    out += v->ToString();
    i = close;
  }
  return out;
}

bool HasMethod(const Value& receiver, std::string_view name) {
  if (receiver.is_string()) return Contains(kStringMethods, name);
  if (receiver.is_dict()) return Contains(kDictMethods, name);
  if (receiver.is_tuple()) return Contains(kTupleMethods, name);
  if (receiver.is_list()) return Contains(kListMethods, name);
  return false;
}

std::vector<std::string> MethodNames(const Value& receiver) {
  std::vector<std::string> out;
  auto add = [&](const auto& names) {
    for (auto n : names) out.emplace_back(n);
  };
  if (receiver.is_string()) add(kStringMethods);
  if (receiver.is_dict()) add(kDictMethods);
  if (receiver.is_tuple()) {
    add(kTupleMethods);
  } else if (receiver.is_list()) {
    add(kListMethods);
  }
  return out;
}

Result<Value> CallMethod(const Value& receiver, std::string_view name, const CallArgs& args) {
  if (!HasMethod(receiver, name)) {
    return Status::Invalid("'" + std::string(receiver.TypeName()) + "' has no method '" +
                           std::string(name) + "'");
  }
  if (receiver.is_string()) return StringMethod(receiver.as_string(), name, args);
  if (receiver.is_dict()) return DictMethod(receiver, name, args);
  return ListMethod(receiver, name, args);
}

}  // namespace sluice::transform
