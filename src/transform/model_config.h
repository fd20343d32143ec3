// Node configs: dbt_project.yml trees (`models:`, `seeds:`, `snapshots:`, `tests:`), schema.yml
// `config:` maps and {{ config(...) }} calls, all applied through one function so that every
// source of config accepts the same keys and reports the same errors.
//
// A dbt_project.yml tree is keyed by the project name, then folders below the resource path,
// then (optionally) a node name; a key is a config when it starts with '+' or is a known
// config key with a non-map value (`+materialized: table`, `materialized: table`), else a
// folder. Configs at deeper levels win, except `tags`, which add up (as in dbt).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/diagnostics.h"
#include "transform/manifest.h"

namespace sluice::transform {

// A config being assembled, with what is needed to finish it.
struct ConfigBuilder {
  NodeConfig config;
  bool strategy_set = false;  // incremental_strategy given explicitly
};

// True for config keys sluice reads or accepts (`+` already stripped).
bool IsConfigKey(std::string_view key);

// Applies `key: value` to `b`. Bad values are reported to `diag` (may be null: ignored).
// Unknown keys close to a known one get a did-you-mean error; others are accepted and ignored
// (dbt allows custom configs).
void ApplyConfigKey(NodeKind kind, std::string_view key, const ConfigValue& value,
                    ConfigBuilder* b, Diagnostics* diag);

// Applies every entry of a `config:` map.
void ApplyConfigMap(NodeKind kind, const ConfigValue& map, ConfigBuilder* b, Diagnostics* diag);

// Applies the dbt_project.yml tree for a node at `folders` named `name` in project
// `project_name`. Reports nothing (see CheckProjectConfigTree).
void ApplyProjectConfigTree(NodeKind kind, const ConfigValue& tree,
                            const std::string& project_name,
                            const std::vector<std::string>& folders, const std::string& name,
                            ConfigBuilder* b);

// Reports every bad value and unknown config in a dbt_project.yml tree, once.
void CheckProjectConfigTree(NodeKind kind, const ConfigValue& tree, Diagnostics* diag);

// Fills defaults that depend on other keys (incremental strategy from unique_key).
NodeConfig FinishConfig(ConfigBuilder b);

// "view", "table", "incremental", "ephemeral", "snapshot", "seed", "test".
const char* MaterializationName(Materialization m);

}  // namespace sluice::transform
