// `sluice query DIR "SQL"`: run SQL against the project's warehouse and print the result.
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "orchestrate/project_warehouse.h"
#include "observe/log.h"
#include "project/project.h"
#include "transform/dbt_project.h"
#include "warehouse/result_printer.h"

namespace sluice::cli {

int RunQuery(const GlobalOptions& g, const QueryOptions& o) {
  if (!SetUpLogging(g)) return kExitInvalid;
  Diagnostics diag;
  Result<std::unique_ptr<warehouse::Warehouse>> wh = Status::Internal("no warehouse");
  const std::filesystem::path dir = o.dir.empty() ? "." : o.dir;
  if (!std::filesystem::exists(dir / "sluice.yaml") &&
      std::filesystem::exists(dir / "dbt_project.yml")) {
    // A plain dbt project: its profiles.yml target, else the embedded DuckDB.
    transform::DbtProject p = transform::LoadDbtProject(o.dir, {}, &diag);
    if (diag.has_errors()) {
      std::cerr << diag.ToString();
      return kExitInvalid;
    }
    for (const auto& secret : p.secrets) observe::RegisterSecret(secret);
    wh = transform::OpenTargetWarehouse(p.target);
  } else {
    project::Project p = project::LoadProject(o.dir, &diag);
    if (diag.has_errors()) {
      std::cerr << diag.ToString();
      return kExitInvalid;
    }
    for (const auto& secret : p.secrets) observe::RegisterSecret(secret);
    if (!SetUpLogging(g, p.log.level, p.log.format)) return kExitInvalid;
    wh = orchestrate::OpenProjectWarehouse(p);
  }
  if (!wh.ok()) {
    std::cerr << "error: " << wh.status().message() << "\n";
    return kExitFailure;
  }
  Result<std::unique_ptr<warehouse::Connection>> conn = (*wh)->Connect();
  if (!conn.ok()) {
    std::cerr << "error: " << conn.status().message() << "\n";
    return kExitFailure;
  }
  Result<warehouse::QueryResult> result = (*conn)->Query(o.sql);
  if (!result.ok()) {
    std::cerr << "error: " << result.status().message() << "\n";
    return kExitFailure;
  }
  const warehouse::OutputFormat format = o.format == "csv"    ? warehouse::OutputFormat::kCsv
                                         : o.format == "json" ? warehouse::OutputFormat::kJson
                                                              : warehouse::OutputFormat::kTable;
  warehouse::PrintResult(*result->schema, result->batches, format, std::cout);
  return kExitOk;
}

}  // namespace sluice::cli
