#include "transform/generic_tests.h"

#include <sstream>
#include <string>

#include "warehouse/result_printer.h"
#include "warehouse/table_name.h"

namespace sluice::transform {

namespace {

constexpr int kSampleRows = 5;

}  // namespace

Result<BuildOutcome> RunDataTest(const BuildContext& ctx) {
  const Node& n = ctx.n();
  SLUICE_ASSIGN_OR_RETURN(std::string sql, RenderFor(ctx, RenderContext{}));
  const std::string query = NestableSql(sql) + " AS dbt_internal_test";
  Result<int64_t> failures = CountRows(ctx.conn, query);
  if (!failures.ok()) return NodeError(n, failures.status());
  BuildOutcome out;
  out.rows = *failures;
  const bool warn = n.config.severity == "warn";
  if (*failures == 0) {
    out.status = NodeStatus::kPass;
    return out;
  }
  out.status = warn ? NodeStatus::kWarn : NodeStatus::kFail;
  out.message = "Got " + std::to_string(*failures) + " result" + (*failures == 1 ? "" : "s") +
                ", configured to " + (warn ? "warn" : "fail") + " if != 0";
  Result<warehouse::QueryResult> sample =
      ctx.conn->Query("SELECT * FROM " + query + " LIMIT " + std::to_string(kSampleRows));
  if (sample.ok() && sample->schema) {
    std::ostringstream text;
    warehouse::PrintResult(*sample->schema, sample->batches, warehouse::OutputFormat::kTable, text);
    out.sample = text.str();
  }
  return out;
}

}  // namespace sluice::transform
