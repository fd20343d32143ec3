// RenderNode and the environment every node renders in.
#include <algorithm>
#include <cctype>

#include "core/time.h"
#include "transform/generic_test_sql.h"
#include "transform/model_config.h"
#include "transform/render_env.h"
#include "transform/render_helpers.h"

namespace sluice::transform {

namespace {

constexpr const char* kCtePrefix = "__dbt__cte__";

Value MakeDict(std::initializer_list<std::pair<const char*, Value>> items) {
  Value d = Value::EmptyDict();
  for (const auto& [k, v] : items) d.mutable_dict().Set(Value(k), v);
  return d;
}

Value StringList(const std::vector<std::string>& items) {
  ValueList out;
  for (const auto& s : items) out.push_back(Value(s));
  return Value::List(std::move(out));
}

Value ModelValue(const Manifest& m, const Node& n) {
  const NodeConfig& c = n.config;
  Value config = MakeDict({{"materialized", Value(MaterializationName(c.materialized))},
                           {"tags", StringList(c.tags)},
                           {"unique_key", StringList(c.unique_key)},
                           {"schema", Value(c.schema)},
                           {"alias", Value(c.alias)},
                           {"enabled", Value(c.enabled)},
                           {"full_refresh", Value(c.full_refresh)}});
  return MakeDict({{"name", Value(n.name)},
                   {"unique_id", Value(n.unique_id)},
                   {"resource_type", Value(NodeKindName(n.kind))},
                   {"package_name", Value(m.project->name)},
                   {"path", Value(n.path)},
                   {"original_file_path", Value(n.path)},
                   {"alias", Value(n.identifier)},
                   {"schema", Value(n.schema_name)},
                   {"tags", StringList(c.tags)},
                   {"config", config}});
}

const ConfigValue* FindVar(const DbtProject& p, const std::string& name) {
  if (!p.vars.is_map()) return nullptr;
  if (const ConfigValue* v = p.vars.Find(name)) return v;
  const ConfigValue* scoped = p.vars.Find(p.name);
  if (scoped != nullptr && scoped->is_map()) return scoped->Find(name);
  return nullptr;
}

std::vector<std::string> VarNames(const DbtProject& p) {
  std::vector<std::string> names;
  if (!p.vars.is_map()) return names;
  for (const ConfigEntry& e : p.vars.entries) names.push_back(e.key);
  if (const ConfigValue* scoped = p.vars.Find(p.name); scoped != nullptr && scoped->is_map()) {
    for (const ConfigEntry& e : scoped->entries) names.push_back(e.key);
  }
  return names;
}

Result<std::vector<std::string>> StringArgs(const ValueList& a, size_t n, const char* fn) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    if (!a[i].is_string()) {
      return Status::Invalid(std::string(fn) + "() needs names as strings, found " +
                             std::string(a[i].TypeName()));
    }
    out.push_back(a[i].as_string());
  }
  return out;
}

Result<Value> InlineEphemeral(RenderScope* scope, int target);

Result<Value> Ref(RenderScope* scope, const CallArgs& args, const SourceLocation& where) {
  const Param params[] = {{"name", std::nullopt},
                          {"package_or_name", Value::None()},
                          {"version", Value::None()},
                          {"v", Value::None()}};
  SLUICE_ASSIGN_OR_RETURN(ValueList a, BindArgs(args, params, "ref"));
  const size_t n = a[1].is_none() ? 1 : 2;
  SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> names, StringArgs(a, n, "ref"));
  const std::string& name = names.back();
  const Manifest& m = *scope->manifest;
  if (scope->parse) {
    scope->refs.push_back(RefCall{names, where});
    const int target = FindRefTarget(m, name);
    if (target >= 0 && !m.nodes[static_cast<size_t>(target)].relation.empty()) {
      return Value(m.nodes[static_cast<size_t>(target)].relation);
    }
    return Value(QuoteRelation(scope->project->target.schema, name));
  }
  const int target = FindRefTarget(m, name);
  if (target < 0) return Status::Invalid("no model, seed or snapshot named '" + name + "'");
  const Node& t = m.nodes[static_cast<size_t>(target)];
  if (t.kind == NodeKind::kModel && t.config.materialized == Materialization::kEphemeral) {
    return InlineEphemeral(scope, target);
  }
  return Value(t.relation);
}

Result<Value> Source(RenderScope* scope, const CallArgs& args, const SourceLocation& where) {
  const Param params[] = {{"source_name", std::nullopt}, {"table_name", std::nullopt}};
  SLUICE_ASSIGN_OR_RETURN(ValueList a, BindArgs(args, params, "source"));
  SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> names, StringArgs(a, 2, "source"));
  const Manifest& m = *scope->manifest;
  int target = m.Find(NodeKind::kSource, names[0] + "." + names[1]);
  if (target < 0) target = m.Find(NodeKind::kStream, names[1]);
  if (scope->parse) {
    scope->sources.push_back(RefCall{names, where});
    if (target >= 0) return Value(m.nodes[static_cast<size_t>(target)].relation);
    return Value(QuoteRelation(names[0], names[1]));
  }
  if (target < 0) {
    return Status::Invalid("source '" + names[0] + "." + names[1] + "' is not declared");
  }
  return Value(m.nodes[static_cast<size_t>(target)].relation);
}

Result<Value> Var(const RenderScope* scope, const CallArgs& args) {
  const Param params[] = {{"name", std::nullopt}, {"default", Value::Undefined("", "", {})}};
  SLUICE_ASSIGN_OR_RETURN(ValueList a, BindArgs(args, params, "var"));
  if (!a[0].is_string()) return Status::Invalid("var() needs a variable name string");
  const std::string& name = a[0].as_string();
  if (const ConfigValue* v = FindVar(*scope->project, name)) return ConfigToValue(*v);
  if (!a[1].is_undefined()) return a[1];
  const std::string close = ClosestMatch(name, VarNames(*scope->project));
  return Status::Invalid("var '" + name + "' is not defined (" +
                         (close.empty() ? "" : "did you mean '" + close + "'? ") +
                         "add it under vars: in dbt_project.yml, pass --vars '{" + name +
                         ": ...}', or give a default: var('" + name + "', default))");
}

Value HostFn(std::string name, HostFunction fn) { return Value::Function(std::move(name), std::move(fn)); }

}  // namespace

int FindRefTarget(const Manifest& m, const std::string& name) {
  auto it = m.refs.find(name);
  if (it != m.refs.end()) return it->second;
  return m.Find(NodeKind::kStream, name);
}

namespace {

Result<Value> Config(RenderScope* scope, const CallArgs& a, const SourceLocation& w) {
  if (!a.positional.empty()) {
    if (a.positional.size() == 1 && a.positional[0].is_dict() && a.keyword.empty()) {
      if (scope->parse) {
        for (const auto& [k, v] : a.positional[0].as_dict().entries()) {
          scope->configs.emplace_back(k.ToString(), ValueToConfig(v, w));
        }
      }
      return Value("");
    }
    return Status::Invalid("config() takes keyword arguments, e.g. config(materialized='table')");
  }
  if (scope->parse) {
    for (const auto& [k, v] : a.keyword) scope->configs.emplace_back(k, ValueToConfig(v, w));
  }
  return Value("");
}

HostFunction Constant(std::string name, Value value) {
  return [name = std::move(name), value](const CallArgs& a, const SourceLocation&) -> Result<Value> {
    SLUICE_RETURN_NOT_OK(BindArgs(a, {}, name).status());
    return value;
  };
}

// ref, source, config, var, env_var, is_incremental, should_full_refresh, log.
void AddDbtFunctions(Environment* env, RenderScope* scope) {
  const Manifest& m = *scope->manifest;
  env->AddFunction("ref", [scope](const CallArgs& a, const SourceLocation& w) {
    return Ref(scope, a, w);
  });
  env->AddFunction("source", [scope](const CallArgs& a, const SourceLocation& w) {
    return Source(scope, a, w);
  });
  env->AddFunction("config", [scope](const CallArgs& a, const SourceLocation& w) {
    return Config(scope, a, w);
  });
  env->AddFunction("var", [scope](const CallArgs& a, const SourceLocation&) { return Var(scope, a); });
  AddEnvVarFunction(env, nullptr);
  env->AddFunction("is_incremental",
                   Constant("is_incremental", Value(scope->context.is_incremental)));
  const bool full_refresh =
      scope->node >= 0 && m.nodes[static_cast<size_t>(scope->node)].config.full_refresh;
  env->AddFunction("should_full_refresh", Constant("should_full_refresh", Value(full_refresh)));
  env->AddFunction("log", [](const CallArgs&, const SourceLocation&) -> Result<Value> {
    return Value("");
  });
}

Value AdapterValue(const std::string& type) {
  return MakeDict(
      {{"quote", HostFn("adapter.quote",
                        [](const CallArgs& a, const SourceLocation&) -> Result<Value> {
                          const Param params[] = {{"identifier", std::nullopt}};
                          SLUICE_ASSIGN_OR_RETURN(ValueList v, BindArgs(a, params, "quote"));
                          return Value(QuoteRelation("", v[0].ToString()));
                        })},
       {"type", HostFn("adapter.type", Constant("type", Value(type)))}});
}

Value ExceptionsValue() {
  return MakeDict(
      {{"raise_compiler_error",
        HostFn("raise_compiler_error",
               [](const CallArgs& a, const SourceLocation&) -> Result<Value> {
                 const Param params[] = {{"msg", std::nullopt}};
                 SLUICE_ASSIGN_OR_RETURN(ValueList v, BindArgs(a, params, "raise_compiler_error"));
                 return Status::Invalid(v[0].ToString());
               })},
       {"warn", HostFn("warn", [](const CallArgs&, const SourceLocation&) -> Result<Value> {
          return Value("");
        })}});
}

// this, target, execute, project_name, run_started_at, flags, model, adapter, exceptions.
void SetDbtGlobals(Environment* env, const RenderScope& scope) {
  const DbtProject& p = *scope.project;
  const Manifest& m = *scope.manifest;
  env->SetGlobal("this", Value(scope.this_relation));
  env->SetGlobal("target", TargetValue(p));
  env->SetGlobal("execute", Value(!scope.parse));
  env->SetGlobal("project_name", Value(p.name));
  static const std::string started = FormatTimestamp(NowMicros());
  env->SetGlobal("run_started_at", Value(started));
  env->SetGlobal("flags", MakeDict({{"FULL_REFRESH", Value(false)}}));
  if (scope.node >= 0) {
    env->SetGlobal("model", ModelValue(m, m.nodes[static_cast<size_t>(scope.node)]));
  }
  env->SetGlobal("adapter", AdapterValue(p.target.type));
  env->SetGlobal("exceptions", ExceptionsValue());
}

}  // namespace

Result<std::unique_ptr<Environment>> MakeNodeEnvironment(RenderScope* scope) {
  auto env = std::make_unique<Environment>();
  AddDbtFunctions(env.get(), scope);
  SetDbtGlobals(env.get(), *scope);
  for (const MacroFile& f : scope->project->macros) {
    Status st = env->LoadMacros(f.text, f.path);
    // BuildManifest reports a broken macro file once; its parse pass goes on without it.
    if (!st.ok() && !scope->parse) return st;
  }
  return env;
}

Result<std::string> RenderInScope(RenderScope* scope, const std::string& text,
                                  const std::string& file) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Environment> env, MakeNodeEnvironment(scope));
  SLUICE_ASSIGN_OR_RETURN(Template t, Template::Parse(text, file));
  return t.Render(*env);
}

namespace {

Result<Value> InlineEphemeral(RenderScope* scope, int target) {
  const Node& t = scope->manifest->nodes[static_cast<size_t>(target)];
  const std::string cte = kCtePrefix + t.name;
  EphemeralSet* set = scope->ephemerals;
  if (set == nullptr) return Status::Invalid("ephemeral model '" + t.name + "' cannot be used here");
  if (std::find(set->done.begin(), set->done.end(), target) != set->done.end()) return Value(cte);
  if (std::find(set->in_progress.begin(), set->in_progress.end(), target) !=
      set->in_progress.end()) {
    return Status::Invalid("ephemeral model '" + t.name + "' refers to itself through a cycle");
  }
  set->in_progress.push_back(target);
  RenderScope child;
  child.project = scope->project;
  child.manifest = scope->manifest;
  child.node = target;
  child.this_relation = t.relation;
  child.ephemerals = set;
  Result<std::string> sql = RenderInScope(&child, t.raw_sql, t.path);
  set->in_progress.pop_back();
  if (!sql.ok()) return sql.status();
  set->done.push_back(target);
  set->ctes.emplace_back(cte, std::move(*sql));
  return Value(cte);
}

// Where the statement starts: past whitespace and SQL comments.
size_t StatementStart(const std::string& sql) {
  size_t i = 0;
  while (i < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[i]))) {
      ++i;
    } else if (sql.compare(i, 2, "--") == 0) {
      const size_t nl = sql.find('\n', i);
      i = nl == std::string::npos ? sql.size() : nl + 1;
    } else if (sql.compare(i, 2, "/*") == 0) {
      const size_t end = sql.find("*/", i + 2);
      i = end == std::string::npos ? sql.size() : end + 2;
    } else {
      break;
    }
  }
  return i;
}

bool KeywordAt(const std::string& sql, size_t i, const char* kw) {
  const size_t n = std::char_traits<char>::length(kw);
  if (i + n > sql.size()) return false;
  for (size_t k = 0; k < n; ++k) {
    if (std::tolower(static_cast<unsigned char>(sql[i + k])) != kw[k]) return false;
  }
  return i + n == sql.size() || !(std::isalnum(static_cast<unsigned char>(sql[i + n])) ||
                                  sql[i + n] == '_');
}

}  // namespace

std::string InlineCtes(const std::string& sql,
                       const std::vector<std::pair<std::string, std::string>>& ctes) {
  if (ctes.empty()) return sql;
  std::string defs;
  for (const auto& [name, body] : ctes) {
    if (!defs.empty()) defs += ", ";
    defs += name + " as (\n" + body + "\n)";
  }
  const size_t start = StatementStart(sql);
  if (KeywordAt(sql, start, "with")) {
    size_t after = start + 4;
    const size_t next = StatementStart(sql.substr(after)) + after;
    std::string head = sql.substr(0, start) + "with ";
    if (KeywordAt(sql, next, "recursive")) {
      head += "recursive ";
      after = next + 9;
    }
    return head + defs + "," + sql.substr(after);
  }
  return sql.substr(0, start) + "with " + defs + "\n" + sql.substr(start);
}

Result<std::string> RenderNode(const Manifest& manifest, int node, const RenderContext& context) {
  if (node < 0 || static_cast<size_t>(node) >= manifest.nodes.size()) {
    return Status::Invalid("no node " + std::to_string(node) + " in the manifest");
  }
  const Node& n = manifest.nodes[static_cast<size_t>(node)];
  if (n.kind == NodeKind::kTest && n.generic_test.has_value()) {
    return GenericTestSql(manifest, n);
  }
  if (n.kind != NodeKind::kModel && n.kind != NodeKind::kSnapshot && n.kind != NodeKind::kTest) {
    return Status::Invalid(std::string(NodeKindName(n.kind)) + " '" + n.name +
                           "' has no SQL to render");
  }
  EphemeralSet ephemerals;
  ephemerals.in_progress.push_back(node);
  RenderScope scope;
  scope.project = manifest.project;
  scope.manifest = &manifest;
  scope.node = node;
  scope.context = context;
  scope.this_relation = context.this_relation.empty() ? n.relation : context.this_relation;
  scope.ephemerals = &ephemerals;
  SLUICE_ASSIGN_OR_RETURN(std::string sql, RenderInScope(&scope, n.raw_sql, n.path));
  if (n.kind == NodeKind::kSnapshot) {
    // The text around {% snapshot %} ... {% endsnapshot %} was blanked: drop the padding.
    const size_t begin = sql.find_first_not_of(" \t\r\n");
    const size_t end = sql.find_last_not_of(" \t\r\n");
    sql = begin == std::string::npos ? "" : sql.substr(begin, end - begin + 1);
  }
  return InlineCtes(sql, ephemerals.ctes);
}

}  // namespace sluice::transform
