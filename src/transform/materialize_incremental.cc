// The incremental materialization: the first run, --full-refresh and config
// full_refresh build the table like `table` does; later runs render the model with
// is_incremental() true, load its rows into "<identifier>__sluice_tmp" and apply them in
// one transaction (append, merge on unique_key, or delete+insert on unique_key).
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "transform/materialize.h"
#include "warehouse/table_name.h"

namespace sluice::transform {

using warehouse::QuoteIdentifier;

namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool HasColumn(const std::vector<ColumnInfo>& columns, const std::string& name) {
  return std::any_of(columns.begin(), columns.end(),
                     [&](const ColumnInfo& c) { return Lower(c.name) == Lower(name); });
}

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

// "s"."k" = t."k" AND ... over the unique key.
std::string KeyMatch(const std::vector<std::string>& key, const std::string& left,
                     const std::string& right) {
  std::vector<std::string> terms;
  for (const std::string& k : key) {
    terms.push_back(left + "." + QuoteIdentifier(k) + " = " + right + "." + QuoteIdentifier(k));
  }
  return Join(terms, " AND ");
}

// The statements applying the rows of `tmp` to the node's table.
Result<std::vector<std::string>> ApplyStatements(const Node& n, const std::string& tmp,
                                                 const std::vector<std::string>& columns) {
  const NodeConfig& c = n.config;
  std::vector<std::string> quoted;
  for (const std::string& col : columns) quoted.push_back(QuoteIdentifier(col));
  const std::string insert = "INSERT INTO " + n.relation + " (" + Join(quoted, ", ") + ") SELECT " +
                             Join(quoted, ", ") + " FROM " + tmp;
  if (c.incremental_strategy == IncrementalStrategy::kAppend) return std::vector{insert};
  if (c.unique_key.empty()) {
    return Status::Invalid(
        "incremental_strategy '" +
        std::string(c.incremental_strategy == IncrementalStrategy::kMerge ? "merge"
                                                                          : "delete+insert") +
        "' needs a unique_key: set config(unique_key='id'), or use incremental_strategy "
        "'append'");
  }
  for (const std::string& k : c.unique_key) {
    if (std::find(columns.begin(), columns.end(), k) == columns.end()) {
      return Status::Invalid(
          "unique_key column '" + k +
          "' is not a column of the model's output (columns: " + Join(columns, ", ") + ")");
    }
  }
  if (c.incremental_strategy == IncrementalStrategy::kDeleteInsert) {
    const std::string target = QuoteIdentifier(n.identifier);
    return std::vector{"DELETE FROM " + n.relation + " WHERE EXISTS (SELECT 1 FROM " + tmp +
                           " AS sluice_source WHERE " +
                           KeyMatch(c.unique_key, "sluice_source", target) + ")",
                       insert};
  }
  std::vector<std::string> sets;
  std::vector<std::string> values;
  for (const std::string& col : columns) {
    values.push_back("sluice_source." + QuoteIdentifier(col));
    if (std::find(c.unique_key.begin(), c.unique_key.end(), col) != c.unique_key.end()) continue;
    sets.push_back(QuoteIdentifier(col) + " = sluice_source." + QuoteIdentifier(col));
  }
  std::string merge = "MERGE INTO " + n.relation + " AS sluice_target USING " + tmp +
                      " AS sluice_source ON " +
                      KeyMatch(c.unique_key, "sluice_target", "sluice_source");
  if (!sets.empty()) merge += " WHEN MATCHED THEN UPDATE SET " + Join(sets, ", ");
  merge += " WHEN NOT MATCHED THEN INSERT (" + Join(quoted, ", ") + ") VALUES (" +
           Join(values, ", ") + ")";
  return std::vector{merge};
}

const char* StrategyDone(IncrementalStrategy s) {
  switch (s) {
    case IncrementalStrategy::kAppend:
      return "appended to incremental";
    case IncrementalStrategy::kMerge:
      return "merged into incremental";
    case IncrementalStrategy::kDeleteInsert:
      return "delete+insert into incremental";
  }
  return "";
}

}  // namespace

Result<BuildOutcome> BuildIncremental(const BuildContext& ctx) {
  const Node& n = ctx.n();
  const std::string& on_change = n.config.on_schema_change;
  if (on_change != "ignore" && on_change != "fail" && on_change != "append_new_columns" &&
      on_change != "sync_all_columns") {
    return NodeError(n, Status::Invalid("on_schema_change '" + on_change +
                                        "' is not one of ignore, fail, append_new_columns"));
  }
  Result<RelationType> existing = LookUpRelation(ctx);
  if (!existing.ok()) return NodeError(n, existing.status());
  if (ctx.full_refresh || n.config.full_refresh || *existing != RelationType::kTable) {
    SLUICE_ASSIGN_OR_RETURN(BuildOutcome out, BuildTable(ctx));
    out.message = "created incremental";
    return out;
  }
  RenderContext rc;
  rc.is_incremental = true;
  rc.this_relation = n.relation;
  SLUICE_ASSIGN_OR_RETURN(std::string sql, RenderFor(ctx, rc));
  SLUICE_RETURN_NOT_OK(RunHooks(ctx, n.config.pre_hook));

  const std::string tmp = SiblingRelation(n, "__sluice_tmp");
  auto fail = [&](const Status& st) -> Status {
    (void)ctx.conn->Execute("DROP TABLE IF EXISTS " + tmp);
    return NodeError(n, st);
  };
  Status st = ctx.conn->Execute("DROP TABLE IF EXISTS " + tmp);
  if (st.ok()) st = ctx.conn->Execute("CREATE TABLE " + tmp + " AS " + NestableSql(sql));
  if (!st.ok()) return fail(st);
  Result<std::vector<ColumnInfo>> new_cols =
      TableColumns(ctx.conn, ctx.postgres, n.schema_name, n.identifier + "__sluice_tmp");
  Result<std::vector<ColumnInfo>> old_cols =
      TableColumns(ctx.conn, ctx.postgres, n.schema_name, n.identifier);
  if (!new_cols.ok()) return fail(new_cols.status());
  if (!old_cols.ok()) return fail(old_cols.status());

  std::vector<std::string> statements;
  std::vector<std::string> columns;  // loaded columns
  std::vector<std::string> missing;  // in the output, not in the table
  for (const ColumnInfo& c : *new_cols) {
    if (HasColumn(*old_cols, c.name)) {
      columns.push_back(c.name);
    } else {
      missing.push_back(c.name);
      if (on_change == "append_new_columns" || on_change == "sync_all_columns") {
        statements.push_back("ALTER TABLE " + n.relation + " ADD COLUMN " +
                             QuoteIdentifier(c.name) + " " + c.type);
        columns.push_back(c.name);
      }
    }
  }
  if (!missing.empty() && on_change == "fail") {
    return fail(Status::Invalid("the model's output has column(s) " + Join(missing, ", ") +
                                " that the table " + n.relation +
                                " lacks (on_schema_change: fail); set on_schema_change to "
                                "append_new_columns to add them, or rebuild with --full-refresh"));
  }
  Result<std::vector<std::string>> apply = ApplyStatements(n, tmp, columns);
  if (!apply.ok()) return fail(apply.status());
  statements.insert(statements.end(), apply->begin(), apply->end());
  Result<int64_t> rows = CountRows(ctx.conn, tmp);
  if (!rows.ok()) return fail(rows.status());
  statements.push_back("DROP TABLE " + tmp);
  st = RunInTransaction(ctx.conn, statements);
  if (!st.ok()) return fail(st);
  SLUICE_RETURN_NOT_OK(RunHooks(ctx, n.config.post_hook));
  BuildOutcome out;
  out.message = StrategyDone(n.config.incremental_strategy);
  if (!missing.empty() && on_change == "ignore") {
    out.message += " (ignored new column(s) " + Join(missing, ", ") + ")";
  } else if (!missing.empty()) {
    out.message += " (added column(s) " + Join(missing, ", ") + ")";
  }
  out.rows = *rows;
  return out;
}

}  // namespace sluice::transform
