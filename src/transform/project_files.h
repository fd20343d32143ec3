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

// The tables of `CREATE MATERIALIZED VIEW name` statements in a stream file, each with the
// sluice sources (names in `sources`) its FROM/JOIN clauses read. Comments and quoted text
// are skipped; the SQL module validates the statements themselves.
std::vector<StreamTable> ScanStreamTables(std::string_view text, const std::string& path,
                                          const std::map<std::string, std::string>& sources);

// Fills p->models, seeds, snapshots, tests, macros and schema_files from the resource
// paths (recursively, sorted by path; names starting with '.' skipped), then p->sources
// from the schema files' `sources:`. A resource path that is missing is fine.
void CollectProjectFiles(DbtProject* p, Diagnostics* diag);

}  // namespace sluice::transform
