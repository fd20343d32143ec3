// Pieces shared by manifest building, rendering and profile reading: env_var(), conversions
// between ConfigValue trees and Jinja values, relation quoting. Internal to transform.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "transform/dbt_project.h"
#include "transform/jinja.h"

namespace sluice::transform {

// Defines env_var(name, default): the environment variable's value, else `default`, else an
// error saying to export it. Every value read is appended to `*used` (may be null).
void AddEnvVarFunction(Environment* env, std::vector<std::string>* used);

// A ConfigValue tree as a Jinja value: maps -> dicts, lists -> lists, scalars typed the way
// YAML would type them (true/false -> bool, 12 -> int, 1.5 -> float, else string), null ->
// none.
Value ConfigToValue(const ConfigValue& v);
// A Jinja value as a ConfigValue tree (bool -> "true"/"false", numbers as text, none ->
// null), every node located at `where`.
ConfigValue ValueToConfig(const Value& v, const SourceLocation& where);

// "schema"."identifier" (identifier alone when schema is empty), quotes doubled.
std::string QuoteRelation(std::string_view schema, std::string_view identifier);

// `target` as Jinja sees it: {name, schema, type, threads, database, profile_name}.
Value TargetValue(const DbtProject& project);

}  // namespace sluice::transform
