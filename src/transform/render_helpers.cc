#include "transform/render_helpers.h"

#include <charconv>
#include <cstdlib>

namespace sluice::transform {

void AddEnvVarFunction(Environment* env, std::vector<std::string>* used) {
  env->AddFunction("env_var", [used](const CallArgs& args, const SourceLocation&) -> Result<Value> {
    const Param params[] = {{"var", std::nullopt}, {"default", Value::Undefined("", "", {})}};
    SLUICE_ASSIGN_OR_RETURN(ValueList a, BindArgs(args, params, "env_var"));
    if (!a[0].is_string()) return Status::Invalid("env_var() needs a variable name string");
    const std::string& name = a[0].as_string();
    if (const char* v = std::getenv(name.c_str())) {
      if (used != nullptr) used->push_back(v);
      return Value(std::string(v));
    }
    if (!a[1].is_undefined()) return a[1];
    return Status::Invalid("environment variable " + name +
                           " is not set (export it, or give a default: env_var('" + name +
                           "', 'default'))");
  });
}

namespace {

Value ScalarToValue(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return Value(true);
  if (s == "false" || s == "False" || s == "FALSE") return Value(false);
  if (!s.empty()) {
    const char* end = s.data() + s.size();
    int64_t i = 0;
    auto r = std::from_chars(s.data(), end, i);
    if (r.ec == std::errc() && r.ptr == end) return Value(i);
    if (s.find_first_of(".eE") != std::string::npos &&
        s.find_first_not_of("0123456789+-.eE") == std::string::npos) {
      double d = 0;
      auto rd = std::from_chars(s.data(), end, d);
      if (rd.ec == std::errc() && rd.ptr == end) return Value(d);
    }
  }
  return Value(s);
}

}  // namespace

Value ConfigToValue(const ConfigValue& v) {
  switch (v.kind) {
    case ConfigValue::Kind::kNull:
      return Value::None();
    case ConfigValue::Kind::kScalar:
      return ScalarToValue(v.scalar);
    case ConfigValue::Kind::kList: {
      ValueList items;
      for (const ConfigValue& item : v.items) items.push_back(ConfigToValue(item));
      return Value::List(std::move(items));
    }
    case ConfigValue::Kind::kMap: {
      Value d = Value::EmptyDict();
      for (const ConfigEntry& e : v.entries) d.mutable_dict().Set(Value(e.key), ConfigToValue(e.value));
      return d;
    }
  }
  return Value::None();
}

ConfigValue ValueToConfig(const Value& v, const SourceLocation& where) {
  ConfigValue out;
  out.location = where;
  if (v.is_none() || v.is_undefined()) return out;
  if (v.is_list()) {
    out.kind = ConfigValue::Kind::kList;
    for (const Value& item : v.as_list()) out.items.push_back(ValueToConfig(item, where));
    return out;
  }
  if (v.is_dict()) {
    out.kind = ConfigValue::Kind::kMap;
    for (const auto& [k, val] : v.as_dict().entries()) {
      out.entries.push_back(ConfigEntry{k.ToString(), where, ValueToConfig(val, where)});
    }
    return out;
  }
  out.kind = ConfigValue::Kind::kScalar;
  out.scalar = v.is_bool() ? (v.as_bool() ? "true" : "false") : v.ToString();
  return out;
}

namespace {
std::string QuoteIdent(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}
}  // namespace

std::string QuoteRelation(std::string_view schema, std::string_view identifier) {
  if (schema.empty()) return QuoteIdent(identifier);
  return QuoteIdent(schema) + "." + QuoteIdent(identifier);
}

Value TargetValue(const DbtProject& project) {
  const WarehouseTarget& t = project.target;
  Value d = Value::EmptyDict();
  Dict& m = d.mutable_dict();
  m.Set(Value("name"), Value(t.name));
  m.Set(Value("schema"), Value(t.schema));
  m.Set(Value("type"), Value(t.type));
  m.Set(Value("threads"), Value(int64_t{t.threads > 0 ? t.threads : 1}));
  m.Set(Value("database"), Value(t.database));
  m.Set(Value("profile_name"), Value(project.profile));
  m.Set(Value("target_name"), Value(t.name));
  return d;
}

}  // namespace sluice::transform
