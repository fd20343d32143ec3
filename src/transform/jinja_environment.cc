#include "transform/jinja_environment.h"

#include "transform/jinja_ast.h"
#include "transform/jinja_error.h"
#include "transform/jinja_parser.h"

namespace sluice::transform {

namespace {

Result<Value> Range(const CallArgs& args, int64_t max_length) {
  if (!args.keyword.empty()) return Status::Invalid("'range' takes no keyword arguments");
  const auto& p = args.positional;
  if (p.empty() || p.size() > 3) return Status::Invalid("'range' takes 1 to 3 arguments");
  for (const auto& v : p) {
    if (!v.is_int())
      return Status::Invalid("'range' arguments must be ints, got '" + std::string(v.TypeName()) +
                             "'");
  }
  int64_t start = 0;
  int64_t stop = 0;
  int64_t step = 1;
  if (p.size() == 1) {
    stop = p[0].as_int();
  } else {
    start = p[0].as_int();
    stop = p[1].as_int();
    if (p.size() == 3) step = p[2].as_int();
  }
  if (step == 0) return Status::Invalid("'range' step must not be zero");
  // Count without overflow: work in long double, the bound check keeps the loop small.
  const long double span = static_cast<long double>(stop) - static_cast<long double>(start);
  long double count = span / static_cast<long double>(step);
  if (count < 0) count = 0;
  if (count > static_cast<long double>(max_length)) {
    return Status::OutOfRange("'range' would produce more than " + std::to_string(max_length) +
                              " numbers (the render limit)");
  }
  ValueList out;
  for (int64_t v = start; step > 0 ? v < stop : v > stop; v += step) {
    out.emplace_back(v);
    if (static_cast<int64_t>(out.size()) > max_length) break;
    if ((step > 0 && v > INT64_MAX - step) || (step < 0 && v < INT64_MIN - step)) break;
  }
  return Value::List(std::move(out));
}

Result<Value> MakeDict(const CallArgs& args) {
  Value d = Value::EmptyDict();
  if (args.positional.size() > 1)
    return Status::Invalid("'dict' takes at most 1 positional argument");
  if (!args.positional.empty()) {
    if (!args.positional[0].is_dict()) return Status::Invalid("'dict' expects a dict argument");
    for (const auto& [k, v] : args.positional[0].as_dict().entries()) d.mutable_dict().Set(k, v);
  }
  for (const auto& [k, v] : args.keyword) d.mutable_dict().Set(Value(k), v);
  return d;
}

}  // namespace

Environment::Environment(RenderLimits limits) : limits_(limits) {
  const int64_t max_range = limits_.max_range_length;
  AddFunction("range", [max_range](const CallArgs& args, const SourceLocation&) {
    return Range(args, max_range);
  });
  AddFunction("dict", [](const CallArgs& args, const SourceLocation&) { return MakeDict(args); });
  // namespace() is a dict whose attributes `{% set ns.x = ... %}` may assign inside loops.
  AddFunction("namespace",
              [](const CallArgs& args, const SourceLocation&) { return MakeDict(args); });
}

void Environment::SetGlobal(std::string name, Value value) {
  macro_origins_.erase(name);
  globals_[std::move(name)] = std::move(value);
}

void Environment::AddFunction(std::string name, HostFunction fn) {
  Value v = Value::Function(name, std::move(fn));
  SetGlobal(std::move(name), std::move(v));
}

Status Environment::LoadMacros(std::string_view source, const std::string& file) {
  SLUICE_ASSIGN_OR_RETURN(auto body, ParseTemplate(source, file));
  std::vector<std::pair<std::string, Value>> found;
  for (const auto& node : body->nodes) {
    if (node->kind != NodeKind::kMacro) continue;
    const MacroDef& def = *node->macro;
    const SourceLocation here{file, def.line, def.column};
    for (const auto& [name, unused] : found) {
      if (name == def.name) {
        return TemplateError(StatusCode::kAlreadyExists, here,
                             "macro '" + def.name + "' is defined twice in this file");
      }
    }
    const auto prior = macro_origins_.find(def.name);
    if (prior != macro_origins_.end()) {
      return TemplateError(
          StatusCode::kAlreadyExists, here,
          "macro '" + def.name + "' is already defined at " + prior->second.ToString(),
          "rename one of them");
    }
    auto c = std::make_shared<Callable>();
    c->kind = Callable::Kind::kMacro;
    c->name = def.name;
    c->macro = node->macro;  // shares the definition; keeps it alive after `body` goes
    found.emplace_back(def.name, Value::FromCallable(std::move(c)));
  }
  for (auto& [name, v] : found) {
    const MacroDef& def = *v.as_callable().macro;
    globals_[name] = std::move(v);
    macro_origins_[name] = SourceLocation{file, def.line, def.column};
  }
  return Status::OK();
}

const Value* Environment::FindGlobal(std::string_view name) const {
  auto it = globals_.find(name);
  return it == globals_.end() ? nullptr : &it->second;
}

std::vector<std::string> Environment::GlobalNames() const {
  std::vector<std::string> out;
  for (const auto& [k, unused] : globals_) out.push_back(k);
  return out;
}

}  // namespace sluice::transform
