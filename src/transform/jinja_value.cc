#include "transform/jinja_value.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace sluice::transform {

namespace {
// Containers nested deeper than this print as "[...]" and compare unequal; this also stops
// self-referencing lists (`l.append(l)`) from recursing forever.
constexpr int kMaxNesting = 100;
}  // namespace

const Value* Dict::Find(const Value& key) const {
  for (const auto& [k, v] : entries_) {
    if (k.Equals(key)) return &v;
  }
  return nullptr;
}

const Value* Dict::Find(std::string_view key) const {
  for (const auto& [k, v] : entries_) {
    if (k.is_string() && k.as_string() == key) return &v;
  }
  return nullptr;
}

void Dict::Set(Value key, Value value) {
  for (auto& [k, v] : entries_) {
    if (k.Equals(key)) {
      v = std::move(value);
      return;
    }
  }
  entries_.emplace_back(std::move(key), std::move(value));
}

bool Dict::Erase(const Value& key) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first.Equals(key)) {
      entries_.erase(it);
      return true;
    }
  }
  return false;
}

Value Value::List(ValueList items) {
  Value v;
  v.v_ = std::make_shared<ListData>(ListData{std::move(items), false});
  return v;
}

Value Value::Tuple(ValueList items) {
  Value v;
  v.v_ = std::make_shared<ListData>(ListData{std::move(items), true});
  return v;
}

Value Value::EmptyDict() {
  Value v;
  v.v_ = std::make_shared<Dict>();
  return v;
}

Value Value::Function(std::string name, HostFunction fn) {
  auto c = std::make_shared<Callable>();
  c->kind = Callable::Kind::kHost;
  c->name = std::move(name);
  c->host = std::move(fn);
  return FromCallable(std::move(c));
}

Value Value::FromCallable(std::shared_ptr<const Callable> c) {
  Value v;
  v.v_ = std::move(c);
  return v;
}

Value Value::Undefined(std::string message, std::string hint, SourceLocation where) {
  Value v;
  v.v_ = std::make_shared<const UndefinedInfo>(
      UndefinedInfo{std::move(message), std::move(hint), std::move(where)});
  return v;
}

double Value::as_double() const {
  switch (kind()) {
    case Kind::kInt:
      return static_cast<double>(as_int());
    case Kind::kFloat:
      return as_float();
    case Kind::kBool:
      return as_bool() ? 1.0 : 0.0;
    default:
      return 0.0;
  }
}

bool Value::Truthy() const {
  switch (kind()) {
    case Kind::kNone:
      return false;
    case Kind::kBool:
      return as_bool();
    case Kind::kInt:
      return as_int() != 0;
    case Kind::kFloat:
      return as_float() != 0.0;
    case Kind::kString:
      return !as_string().empty();
    case Kind::kList:
      return !as_list().empty();
    case Kind::kDict:
      return as_dict().size() > 0;
    case Kind::kCallable:
      return true;
    case Kind::kUndefined:
      return false;
  }
  return false;
}

std::string_view Value::TypeName() const {
  switch (kind()) {
    case Kind::kNone:
      return "none";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kString:
      return "string";
    case Kind::kList:
      return is_tuple() ? "tuple" : "list";
    case Kind::kDict:
      return "dict";
    case Kind::kCallable:
      return "callable";
    case Kind::kUndefined:
      return "undefined";
  }
  return "?";
}

std::string FormatFloat(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  // Shortest round-trip digits, laid out the way Python's repr does: positional notation when
  // the decimal exponent is in [-4, 16), scientific otherwise.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  const size_t e_pos = sci.find('e');
  std::string mantissa = sci.substr(0, e_pos);
  const int exponent = std::stoi(sci.substr(e_pos + 1));
  std::string sign;
  if (!mantissa.empty() && mantissa[0] == '-') {
    sign = "-";
    mantissa.erase(0, 1);
  }
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits += c;
  }
  if (exponent >= -4 && exponent < 16) {
    std::string out;
    if (exponent < 0) {
      out = "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    } else if (static_cast<int>(digits.size()) <= exponent + 1) {
      out = digits + std::string(static_cast<size_t>(exponent + 1) - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, static_cast<size_t>(exponent + 1)) + "." +
            digits.substr(static_cast<size_t>(exponent + 1));
    }
    return sign + out;
  }
  std::string out = digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  char exp_buf[16];
  std::snprintf(exp_buf, sizeof(exp_buf), "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
  return sign + out + exp_buf;
}

std::string ReprString(std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == quote || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  out += quote;
  return out;
}

void Value::AppendTo(std::string* out, bool repr, int depth) const {
  switch (kind()) {
    case Kind::kNone:
      *out += "None";
      return;
    case Kind::kBool:
      *out += as_bool() ? "True" : "False";
      return;
    case Kind::kInt:
      *out += std::to_string(as_int());
      return;
    case Kind::kFloat:
      *out += FormatFloat(as_float());
      return;
    case Kind::kString:
      *out += repr ? ReprString(as_string()) : as_string();
      return;
    case Kind::kCallable:
      *out += "<callable " + as_callable().name + ">";
      return;
    case Kind::kUndefined:
      return;  // the evaluator never prints undefined
    case Kind::kList: {
      const bool tuple = is_tuple();
      if (depth >= kMaxNesting) {
        *out += tuple ? "(...)" : "[...]";
        return;
      }
      *out += tuple ? '(' : '[';
      const auto& items = as_list();
      for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) *out += ", ";
        items[i].AppendTo(out, true, depth + 1);
      }
      if (tuple && items.size() == 1) *out += ',';
      *out += tuple ? ')' : ']';
      return;
    }
    case Kind::kDict: {
      if (depth >= kMaxNesting) {
        *out += "{...}";
        return;
      }
      *out += '{';
      bool first = true;
      for (const auto& [k, v] : as_dict().entries()) {
        if (!first) *out += ", ";
        first = false;
        k.AppendTo(out, true, depth + 1);
        *out += ": ";
        v.AppendTo(out, true, depth + 1);
      }
      *out += '}';
      return;
    }
  }
}

std::string Value::ToString() const {
  if (is_string()) return as_string();
  std::string out;
  AppendTo(&out, false, 0);
  return out;
}

std::string Value::Repr() const {
  std::string out;
  AppendTo(&out, true, 0);
  return out;
}

bool Value::Equals(const Value& other) const { return EqualsAt(other, 0); }

bool Value::EqualsAt(const Value& other, int depth) const {
  const bool num_a = is_number() || is_bool();
  const bool num_b = other.is_number() || other.is_bool();
  if (num_a && num_b) {
    if (is_float() || other.is_float()) return as_double() == other.as_double();
    const int64_t a = is_bool() ? int64_t{as_bool()} : as_int();
    const int64_t b = other.is_bool() ? int64_t{other.as_bool()} : other.as_int();
    return a == b;
  }
  if (kind() != other.kind()) return false;
  if (depth >= kMaxNesting) return false;
  switch (kind()) {
    case Kind::kNone:
      return true;
    case Kind::kString:
      return as_string() == other.as_string();
    case Kind::kList: {
      if (is_tuple() != other.is_tuple()) return false;
      const auto& a = as_list();
      const auto& b = other.as_list();
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!a[i].EqualsAt(b[i], depth + 1)) return false;
      }
      return true;
    }
    case Kind::kDict: {
      const auto& a = as_dict();
      const auto& b = other.as_dict();
      if (a.size() != b.size()) return false;
      for (const auto& [k, v] : a.entries()) {
        const Value* w = b.Find(k);
        if (w == nullptr || !v.EqualsAt(*w, depth + 1)) return false;
      }
      return true;
    }
    case Kind::kCallable:
      return &as_callable() == &other.as_callable();
    default:
      return false;
  }
}

namespace {
bool Reaches(const Value& v, const void* target, int depth) {
  if (depth > kMaxNesting) return true;  // too deep to tell: refuse, to be safe
  if (v.is_list()) {
    if (&v.list_data() == target) return true;
    for (const auto& item : v.as_list()) {
      if (Reaches(item, target, depth + 1)) return true;
    }
  } else if (v.is_dict()) {
    if (&v.as_dict() == target) return true;
    for (const auto& [k, item] : v.as_dict().entries()) {
      if (Reaches(item, target, depth + 1)) return true;
    }
  }
  return false;
}
}  // namespace

bool WouldCreateCycle(const Value& container, const Value& inserted) {
  const void* target = nullptr;
  if (container.is_list()) target = &container.list_data();
  if (container.is_dict()) target = &container.as_dict();
  if (target == nullptr || (!inserted.is_list() && !inserted.is_dict())) return false;
  return Reaches(inserted, target, 0);
}

const Value* CallArgs::Keyword(std::string_view name) const {
  for (const auto& [k, v] : keyword) {
    if (k == name) return &v;
  }
  return nullptr;
}

Result<ValueList> BindArgs(const CallArgs& args, std::span<const Param> params,
                           std::string_view function_name) {
  const std::string fn(function_name);
  if (args.positional.size() > params.size()) {
    return Status::Invalid("'" + fn + "' takes at most " + std::to_string(params.size()) +
                           " argument(s), got " + std::to_string(args.positional.size()));
  }
  std::vector<std::optional<Value>> bound(params.size());
  for (size_t i = 0; i < args.positional.size(); ++i) bound[i] = args.positional[i];
  for (const auto& [name, value] : args.keyword) {
    size_t idx = params.size();
    for (size_t i = 0; i < params.size(); ++i) {
      if (params[i].name == name) idx = i;
    }
    if (idx == params.size()) {
      std::vector<std::string> names;
      for (const auto& p : params) names.emplace_back(p.name);
      std::string msg = "'" + fn + "' has no argument named '" + name + "'";
      if (names.empty()) return Status::Invalid(msg + " (it takes no keyword arguments)");
      return Status::Invalid(msg + " (" + SuggestionHint(name, names) + ")");
    }
    if (bound[idx].has_value()) {
      return Status::Invalid("'" + fn + "' got argument '" + name + "' twice");
    }
    bound[idx] = value;
  }
  ValueList out;
  out.reserve(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    if (bound[i].has_value()) {
      out.push_back(std::move(*bound[i]));
    } else if (params[i].default_value.has_value()) {
      out.push_back(*params[i].default_value);
    } else {
      return Status::Invalid("'" + fn + "' is missing required argument '" +
                             std::string(params[i].name) + "'");
    }
  }
  return out;
}

}  // namespace sluice::transform
