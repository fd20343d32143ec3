// The Jinja environment a dbt node renders in (ref, source, config, this, var, env_var,
// target, is_incremental, execute, adapter, ...), for BuildManifest's parse pass and for
// RenderNode. Internal to the transform module.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "transform/jinja.h"
#include "transform/manifest.h"

namespace sluice::transform {

// A ref()/source() call as written.
struct RefCall {
  std::vector<std::string> args;  // ref: {name} or {package, name}; source: {source, table}
  SourceLocation where;
};

// Ephemeral models inlined into one render, in the order their CTEs must appear.
struct EphemeralSet {
  std::vector<int> in_progress;
  std::vector<int> done;
  std::vector<std::pair<std::string, std::string>> ctes;  // (cte name, sql)
};

// One render: what it may see and, in parse mode, what it records.
struct RenderScope {
  const DbtProject* project = nullptr;
  const Manifest* manifest = nullptr;  // parse mode: may be partial
  int node = -1;
  bool parse = false;                  // BuildManifest's pass: execute = false
  RenderContext context;
  std::string this_relation;
  // Parse mode records:
  std::vector<RefCall> refs;
  std::vector<RefCall> sources;
  std::vector<std::pair<std::string, ConfigValue>> configs;  // config(key=value) in order
  // Render mode:
  EphemeralSet* ephemerals = nullptr;
};

// A fresh environment for `scope` (which must outlive it), macros loaded. Fails when a
// macro file does not parse or defines a name twice.
Result<std::unique_ptr<Environment>> MakeNodeEnvironment(RenderScope* scope);

// Renders `text` (named `file` in messages) in `scope`.
Result<std::string> RenderInScope(RenderScope* scope, const std::string& text,
                                  const std::string& file);

// `sql` with the ephemeral models' CTEs put in front: merged into its own WITH clause when it
// has one, else as a new `with ... ` prefix.
std::string InlineCtes(const std::string& sql,
                       const std::vector<std::pair<std::string, std::string>>& ctes);

// The relation ref('name') resolves to, for messages and lookups: the node index of a model,
// seed, snapshot or stream table named `name`, or -1.
int FindRefTarget(const Manifest& m, const std::string& name);

}  // namespace sluice::transform
