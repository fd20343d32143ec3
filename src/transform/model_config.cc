#include "transform/model_config.h"

#include <algorithm>
#include <cctype>

namespace sluice::transform {

namespace {

// Config keys sluice reads.
const std::vector<std::string> kReadKeys = {
    "materialized", "incremental_strategy", "unique_key", "tags",        "schema",
    "alias",        "enabled",              "full_refresh", "pre-hook",  "pre_hook",
    "post-hook",    "post_hook",            "strategy",   "updated_at",  "check_cols",
    "target_schema", "column_types",        "delimiter",  "severity",    "where"};

// dbt config keys that sluice accepts and does not use.
const std::vector<std::string> kAcceptedKeys = {
    "database", "docs", "persist_docs", "meta", "quote_columns", "on_schema_change", "grants",
    "contract", "access", "group", "sql_header", "store_failures", "store_failures_as",
    "limit", "warn_if", "error_if", "fail_calc", "bind", "labels", "quoting",
    "target_database", "indexes", "invalidate_hard_deletes", "hard_deletes",
    "snapshot_meta_column_names", "dbt_valid_to_current", "event_time", "batch_size",
    "lookback", "begin", "concurrent_batches", "on_configuration_change",
    "incremental_predicates", "merge_update_columns", "merge_exclude_columns", "file_format",
    "transient", "copy_grants", "enforced", "column_name", "description"};

// Config keys whose value is a map (so a map value does not make them a folder).
const std::vector<std::string> kMapKeys = {"column_types", "meta", "docs", "persist_docs",
                                           "grants", "contract", "quoting", "labels",
                                           "snapshot_meta_column_names"};

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

void Report(Diagnostics* diag, const SourceLocation& where, std::string msg, std::string hint) {
  if (diag != nullptr) diag->Error(where, std::move(msg), std::move(hint));
}

bool GetScalar(std::string_view key, const ConfigValue& v, Diagnostics* diag, std::string* out) {
  if (v.is_null()) {
    out->clear();
    return true;
  }
  if (!v.is_scalar()) {
    Report(diag, v.location, "config '" + std::string(key) + "' must be a single value, found a " +
                                 v.KindName(), "");
    return false;
  }
  *out = v.scalar;
  return true;
}

std::string Trim(std::string s) {
  const auto ws = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!s.empty() && ws(s.back())) s.pop_back();
  size_t i = 0;
  while (i < s.size() && ws(s[i])) ++i;
  return s.substr(i);
}

// A scalar or a list of scalars; `split_commas` splits "a, b" as dbt's unique_key does.
bool GetList(std::string_view key, const ConfigValue& v, bool split_commas, Diagnostics* diag,
             std::vector<std::string>* out) {
  out->clear();
  std::vector<const ConfigValue*> items;
  if (v.is_list()) {
    for (const ConfigValue& item : v.items) items.push_back(&item);
  } else if (!v.is_null()) {
    items.push_back(&v);
  }
  for (const ConfigValue* item : items) {
    if (!item->is_scalar()) {
      Report(diag, item->location,
             "config '" + std::string(key) + "' must be a value or a list of values", "");
      return false;
    }
    if (!split_commas) {
      out->push_back(item->scalar);
      continue;
    }
    size_t start = 0;
    while (start <= item->scalar.size()) {
      size_t comma = item->scalar.find(',', start);
      if (comma == std::string::npos) comma = item->scalar.size();
      std::string part = Trim(item->scalar.substr(start, comma - start));
      if (!part.empty()) out->push_back(std::move(part));
      start = comma + 1;
    }
  }
  return true;
}

bool GetBool(std::string_view key, const ConfigValue& v, Diagnostics* diag, bool* out) {
  std::string s;
  if (!GetScalar(key, v, diag, &s)) return false;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s == "true" || s == "yes" || s == "1") {
    *out = true;
  } else if (s == "false" || s == "no" || s == "0") {
    *out = false;
  } else {
    Report(diag, v.location, "config '" + std::string(key) + "' must be true or false, found '" +
                                 s + "'", "");
    return false;
  }
  return true;
}

bool GetEnum(std::string_view key, const ConfigValue& v, const std::vector<std::string>& allowed,
             const std::string& what, Diagnostics* diag, std::string* out) {
  std::string s;
  if (!GetScalar(key, v, diag, &s)) return false;
  if (Contains(allowed, s)) {
    *out = s;
    return true;
  }
  std::string hint = SuggestionHint(s, allowed);
  Report(diag, v.location, std::string(key) + " '" + s + "' is not supported" + what, hint);
  return false;
}

void ApplyMaterialized(NodeKind kind, const ConfigValue& v, ConfigBuilder* b, Diagnostics* diag) {
  std::vector<std::string> allowed;
  std::string what;
  switch (kind) {
    case NodeKind::kModel:
      allowed = {"view", "table", "incremental", "ephemeral"};
      what = " for a model";
      break;
    case NodeKind::kSeed:
      allowed = {"seed"};
      what = " for a seed";
      break;
    case NodeKind::kSnapshot:
      allowed = {"snapshot"};
      what = " for a snapshot";
      break;
    default:
      allowed = {"test"};
      what = " for a test";
      break;
  }
  std::string s;
  if (!GetEnum("materialized", v, allowed, what, diag, &s)) return;
  static const std::pair<const char*, Materialization> kNames[] = {
      {"view", Materialization::kView},           {"table", Materialization::kTable},
      {"incremental", Materialization::kIncremental}, {"ephemeral", Materialization::kEphemeral},
      {"snapshot", Materialization::kSnapshot},   {"seed", Materialization::kSeed},
      {"test", Materialization::kTest}};
  for (const auto& [name, m] : kNames) {
    if (s == name) b->config.materialized = m;
  }
}

}  // namespace

bool IsConfigKey(std::string_view key) {
  return Contains(kReadKeys, key) || Contains(kAcceptedKeys, key);
}

const char* MaterializationName(Materialization m) {
  switch (m) {
    case Materialization::kView: return "view";
    case Materialization::kTable: return "table";
    case Materialization::kIncremental: return "incremental";
    case Materialization::kEphemeral: return "ephemeral";
    case Materialization::kSnapshot: return "snapshot";
    case Materialization::kSeed: return "seed";
    case Materialization::kTest: return "test";
  }
  return "?";
}

void ApplyConfigKey(NodeKind kind, std::string_view key, const ConfigValue& v, ConfigBuilder* b,
                    Diagnostics* diag) {
  NodeConfig& c = b->config;
  std::string s;
  if (key == "materialized") {
    ApplyMaterialized(kind, v, b, diag);
  } else if (key == "incremental_strategy") {
    if (GetEnum(key, v, {"append", "merge", "delete+insert"}, "", diag, &s)) {
      c.incremental_strategy = s == "append"  ? IncrementalStrategy::kAppend
                               : s == "merge" ? IncrementalStrategy::kMerge
                                              : IncrementalStrategy::kDeleteInsert;
      b->strategy_set = true;
    }
  } else if (key == "unique_key") {
    GetList(key, v, true, diag, &c.unique_key);
  } else if (key == "tags") {
    std::vector<std::string> tags;
    if (GetList(key, v, false, diag, &tags)) {
      for (std::string& t : tags) {
        if (!Contains(c.tags, t)) c.tags.push_back(std::move(t));
      }
    }
  } else if (key == "schema") {
    if (GetScalar(key, v, diag, &s)) c.schema = s;
  } else if (key == "alias") {
    if (GetScalar(key, v, diag, &s)) c.alias = s;
  } else if (key == "enabled") {
    GetBool(key, v, diag, &c.enabled);
  } else if (key == "full_refresh") {
    if (!v.is_null()) GetBool(key, v, diag, &c.full_refresh);
  } else if (key == "pre-hook" || key == "pre_hook") {
    GetList(key, v, false, diag, &c.pre_hook);
  } else if (key == "post-hook" || key == "post_hook") {
    GetList(key, v, false, diag, &c.post_hook);
  } else if (key == "strategy") {
    if (GetEnum(key, v, {"timestamp", "check"}, "", diag, &s)) c.snapshot_strategy = s;
  } else if (key == "updated_at") {
    if (GetScalar(key, v, diag, &s)) c.updated_at = s;
  } else if (key == "check_cols") {
    GetList(key, v, false, diag, &c.check_cols);
  } else if (key == "target_schema") {
    if (GetScalar(key, v, diag, &s)) c.target_schema = s;
  } else if (key == "column_types") {
    if (v.is_map()) {
      for (const ConfigEntry& e : v.entries) {
        if (GetScalar(e.key, e.value, diag, &s)) c.column_types[e.key] = s;
      }
    } else if (!v.is_null()) {
      Report(diag, v.location, "config 'column_types' must be a map of column: type", "");
    }
  } else if (key == "delimiter") {
    if (GetScalar(key, v, diag, &s)) {
      if (s.size() != 1) {
        Report(diag, v.location, "config 'delimiter' must be one character, found '" + s + "'", "");
      } else {
        c.delimiter = s;
      }
    }
  } else if (key == "severity") {
    if (GetScalar(key, v, diag, &s)) {
      std::transform(s.begin(), s.end(), s.begin(),
                     [](unsigned char ch) { return std::tolower(ch); });
      if (s == "error" || s == "warn") {
        c.severity = s;
      } else {
        Report(diag, v.location, "severity '" + s + "' is not supported", "use error or warn");
      }
    }
  } else if (key == "where") {
    if (GetScalar(key, v, diag, &s)) c.where = s;
  } else if (!IsConfigKey(key)) {
    std::vector<std::string> known = kReadKeys;
    const std::string close = ClosestMatch(key, known);
    if (!close.empty()) {
      Report(diag, v.location, "unknown config '" + std::string(key) + "'",
             "did you mean '" + close + "'?");
    }
  }
}

void ApplyConfigMap(NodeKind kind, const ConfigValue& map, ConfigBuilder* b, Diagnostics* diag) {
  if (map.is_null()) return;
  if (!map.is_map()) {
    Report(diag, map.location, "'config' must be a map", "write 'key: value' lines below it");
    return;
  }
  for (const ConfigEntry& e : map.entries) {
    std::string_view key = e.key;
    if (!key.empty() && key[0] == '+') key.remove_prefix(1);
    ApplyConfigKey(kind, key, e.value, b, diag);
  }
}

namespace {

// True when the entry is a config (not a folder) at a level of a project config tree.
bool IsConfigEntry(const ConfigEntry& e) {
  if (!e.key.empty() && e.key[0] == '+') return true;
  return IsConfigKey(e.key) && (!e.value.is_map() || Contains(kMapKeys, e.key));
}

std::string_view ConfigName(const ConfigEntry& e) {
  std::string_view k = e.key;
  if (!k.empty() && k[0] == '+') k.remove_prefix(1);
  return k;
}

void ApplyLevel(NodeKind kind, const ConfigValue& level, const std::vector<std::string>& path,
                size_t depth, ConfigBuilder* b) {
  if (!level.is_map()) return;
  for (const ConfigEntry& e : level.entries) {
    if (IsConfigEntry(e)) ApplyConfigKey(kind, ConfigName(e), e.value, b, nullptr);
  }
  if (depth >= path.size()) return;
  for (const ConfigEntry& e : level.entries) {
    if (!IsConfigEntry(e) && e.key == path[depth]) ApplyLevel(kind, e.value, path, depth + 1, b);
  }
}

void CheckLevel(NodeKind kind, const ConfigValue& level, Diagnostics* diag) {
  if (level.is_null()) return;
  if (!level.is_map()) {
    diag->Error(level.location, "expected a map of configs and folders, found a " +
                                    std::string(level.KindName()),
                "write '+materialized: table' or 'folder:' with configs below it");
    return;
  }
  for (const ConfigEntry& e : level.entries) {
    if (IsConfigEntry(e)) {
      ConfigBuilder scratch;
      ApplyConfigKey(kind, ConfigName(e), e.value, &scratch, diag);
    } else if (e.value.is_map() || e.value.is_null()) {
      CheckLevel(kind, e.value, diag);
    } else {
      std::vector<std::string> known = kReadKeys;
      const std::string close = ClosestMatch(e.key, known);
      diag->Error(e.key_location, "unknown config '" + e.key + "'",
                  close.empty() ? "a folder name needs configs below it; a custom config "
                                  "needs a '+' prefix"
                                : "did you mean '" + close + "'?");
    }
  }
}

}  // namespace

void ApplyProjectConfigTree(NodeKind kind, const ConfigValue& tree,
                            const std::string& project_name,
                            const std::vector<std::string>& folders, const std::string& name,
                            ConfigBuilder* b) {
  std::vector<std::string> path;
  path.push_back(project_name);
  for (const auto& f : folders) path.push_back(f);
  path.push_back(name);
  ApplyLevel(kind, tree, path, 0, b);
}

void CheckProjectConfigTree(NodeKind kind, const ConfigValue& tree, Diagnostics* diag) {
  CheckLevel(kind, tree, diag);
}

NodeConfig FinishConfig(ConfigBuilder b) {
  if (!b.strategy_set && !b.config.unique_key.empty()) {
    b.config.incremental_strategy = IncrementalStrategy::kMerge;
  }
  return std::move(b.config);
}

}  // namespace sluice::transform
