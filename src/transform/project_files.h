// The file-reading pieces of LoadDbtProject. Internal to the transform module.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "transform/dbt_project.h"

namespace sluice::transform {

// The tables of the `CREATE MATERIALIZED VIEW name` statements of a stream file (parsed by
// the SQL module), each with the sluice source (a name in `sources`) its FROM reads. A
// syntax error is returned as the SQL module reports it (file:line:column and a caret).
Result<std::vector<StreamTable>> ScanStreamTables(std::string_view text, const std::string& path,
                                                  const std::map<std::string, std::string>& sources);

// Fills p->models, seeds, snapshots, tests, macros and schema_files from the resource
// paths (recursively, sorted by path; names starting with '.' skipped), then p->sources
// from the schema files' `sources:`. A resource path that is missing is fine.
void CollectProjectFiles(DbtProject* p, Diagnostics* diag);

}  // namespace sluice::transform
