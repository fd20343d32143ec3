// View and table materializations, and the helpers every materialization shares.
#include <string>
#include <vector>

#include "core/value.h"
#include "transform/materialize.h"
#include "warehouse/table_name.h"

namespace sluice::transform {

using warehouse::Connection;
using warehouse::QuoteIdentifier;
using warehouse::QuoteLiteral;

namespace {

// Row `row` of column `col` of a query result as text ("" for NULL).
std::string Cell(const warehouse::QueryResult& r, int64_t row, int col) {
  for (const auto& batch : r.batches) {
    if (row < batch->num_rows()) {
      const Column& c = batch->column(col);
      if (c.IsNull(row)) return "";
      if (c.type().id == TypeId::kVarchar) return std::string(c.GetString(row));
      return FormatCell(c, row);
    }
    row -= batch->num_rows();
  }
  return "";
}

std::string ReplaceThis(std::string sql, const std::string& relation) {
  for (const char* pattern : {"{{ this }}", "{{this}}"}) {
    const std::string p = pattern;
    for (size_t at = sql.find(p); at != std::string::npos; at = sql.find(p, at)) {
      sql.replace(at, p.size(), relation);
      at += relation.size();
    }
  }
  return sql;
}

}  // namespace

Result<RelationType> LookUpRelation(const BuildContext& ctx) {
  const Node& n = ctx.n();
  if (ctx.relations != nullptr) {
    if (const auto known = ctx.relations->Get(n.schema_name, n.identifier)) return *known;
  }
  const std::string sql =
      "SELECT CAST(table_type AS VARCHAR) FROM information_schema.tables WHERE "
      "table_catalog = current_database() AND table_schema = " +
      QuoteLiteral(n.schema_name) + " AND table_name = " + QuoteLiteral(n.identifier);
  SLUICE_ASSIGN_OR_RETURN(warehouse::QueryResult r, ctx.conn->Query(sql));
  if (r.num_rows() == 0) return RelationType::kNone;
  return Cell(r, 0, 0) == "VIEW" ? RelationType::kView : RelationType::kTable;
}

Result<std::vector<ColumnInfo>> TableColumns(Connection* conn, bool postgres,
                                             const std::string& schema,
                                             const std::string& identifier) {
  std::string sql;
  if (postgres) {
    const std::string rel = QuoteIdentifier(schema) + "." + QuoteIdentifier(identifier);
    sql =
        "SELECT CAST(a.attname AS TEXT), format_type(a.atttypid, a.atttypmod) FROM "
        "pg_attribute a WHERE a.attrelid = to_regclass(" +
        QuoteLiteral(rel) + ") AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";
  } else {
    sql =
        "SELECT column_name, data_type FROM information_schema.columns WHERE "
        "table_catalog = current_database() AND table_schema = " +
        QuoteLiteral(schema) + " AND table_name = " + QuoteLiteral(identifier) +
        " ORDER BY ordinal_position";
  }
  SLUICE_ASSIGN_OR_RETURN(warehouse::QueryResult r, conn->Query(sql));
  std::vector<ColumnInfo> columns;
  for (int64_t i = 0; i < r.num_rows(); ++i) columns.push_back({Cell(r, i, 0), Cell(r, i, 1)});
  return columns;
}

std::string SiblingRelation(const Node& node, std::string_view suffix) {
  return QuoteIdentifier(node.schema_name) + "." +
         QuoteIdentifier(node.identifier + std::string(suffix));
}

std::string NestableSql(std::string_view sql) {
  size_t end = sql.size();
  while (end > 0 && (sql[end - 1] == ';' || sql[end - 1] == ' ' || sql[end - 1] == '\n' ||
                     sql[end - 1] == '\t' || sql[end - 1] == '\r')) {
    --end;
  }
  // No line break after "(": line N of a warehouse error is line N of the compiled SQL.
  return "(" + std::string(sql.substr(0, end)) + "\n)";
}

Status RunInTransaction(Connection* conn, const std::vector<std::string>& statements) {
  SLUICE_RETURN_NOT_OK(conn->Execute("BEGIN"));
  for (const std::string& sql : statements) {
    Status st = conn->Execute(sql);
    if (!st.ok()) {
      (void)conn->Execute("ROLLBACK");
      return st;
    }
  }
  Status st = conn->Execute("COMMIT");
  if (!st.ok()) (void)conn->Execute("ROLLBACK");
  return st;
}

Result<int64_t> CountRows(Connection* conn, const std::string& relation) {
  SLUICE_ASSIGN_OR_RETURN(warehouse::QueryResult r,
                          conn->Query("SELECT count(*) FROM " + relation));
  if (r.num_rows() == 0) return int64_t{0};
  return static_cast<int64_t>(std::stoll(Cell(r, 0, 0)));
}

Status SwapIn(const BuildContext& ctx, const std::string& tmp_relation, RelationType existing,
              bool in_transaction) {
  const Node& n = ctx.n();
  const std::string cascade = ctx.postgres ? " CASCADE" : "";
  std::vector<std::string> sql;
  if (existing == RelationType::kTable) sql.push_back("DROP TABLE " + n.relation + cascade);
  if (existing == RelationType::kView) sql.push_back("DROP VIEW " + n.relation + cascade);
  sql.push_back("ALTER TABLE " + tmp_relation + " RENAME TO " + QuoteIdentifier(n.identifier));
  if (!in_transaction) return RunInTransaction(ctx.conn, sql);
  for (const std::string& statement : sql) SLUICE_RETURN_NOT_OK(ctx.conn->Execute(statement));
  return Status::OK();
}

Result<std::string> RenderFor(const BuildContext& ctx, const RenderContext& context) {
  Result<std::string> sql = (ctx.render != nullptr && *ctx.render)
                                ? (*ctx.render)(*ctx.manifest, ctx.node, context)
                                : RenderNode(*ctx.manifest, ctx.node, context);
  if (!sql.ok()) return NodeError(ctx.n(), sql.status());
  return sql;
}

Status NodeError(const Node& node, const Status& status) {
  std::string where = node.path.empty() ? "" : " (" + node.path + ")";
  return Status(status.code(), std::string(NodeKindName(node.kind)) + " " + node.name + where +
                                   ": " + status.message());
}

Status RunHooks(const BuildContext& ctx, const std::vector<std::string>& hooks) {
  for (const std::string& hook : hooks) {
    Status st = ctx.conn->Execute(ReplaceThis(hook, ctx.n().relation));
    if (!st.ok()) {
      return NodeError(ctx.n(), Status(st.code(), "hook `" + hook + "` failed: " + st.message()));
    }
  }
  return Status::OK();
}

Result<BuildOutcome> BuildView(const BuildContext& ctx) {
  const Node& n = ctx.n();
  RenderContext rc;
  rc.this_relation = n.relation;
  SLUICE_ASSIGN_OR_RETURN(std::string sql, RenderFor(ctx, rc));
  SLUICE_RETURN_NOT_OK(RunHooks(ctx, n.config.pre_hook));
  Result<RelationType> existing = LookUpRelation(ctx);
  if (!existing.ok()) return NodeError(n, existing.status());
  const std::string create = "CREATE VIEW " + n.relation + " AS " + NestableSql(sql);
  const std::string cascade = ctx.postgres ? " CASCADE" : "";
  Status st;
  if (*existing == RelationType::kTable) {
    st = RunInTransaction(ctx.conn, {"DROP TABLE " + n.relation + cascade, create});
  } else if (*existing == RelationType::kNone) {
    st = ctx.conn->Execute(create);
  } else {
    st = ctx.conn->Execute("CREATE OR REPLACE VIEW " + n.relation + " AS " + NestableSql(sql));
    // PostgreSQL replaces a view only when the new one keeps the old columns in order.
    if (!st.ok() && ctx.postgres) {
      st = RunInTransaction(ctx.conn, {"DROP VIEW " + n.relation + cascade, create});
    }
  }
  if (!st.ok()) return NodeError(n, st);
  SLUICE_RETURN_NOT_OK(RunHooks(ctx, n.config.post_hook));
  BuildOutcome out;
  out.message = "created view";
  return out;
}

Result<BuildOutcome> BuildTable(const BuildContext& ctx) {
  const Node& n = ctx.n();
  RenderContext rc;
  rc.this_relation = n.relation;
  SLUICE_ASSIGN_OR_RETURN(std::string sql, RenderFor(ctx, rc));
  SLUICE_RETURN_NOT_OK(RunHooks(ctx, n.config.pre_hook));
  Result<RelationType> existing = LookUpRelation(ctx);
  if (!existing.ok()) return NodeError(n, existing.status());
  // One transaction: build under the temporary name, count, drop the old relation, rename.
  // A failure anywhere rolls it all back, so the old table stays as it was.
  const std::string tmp = SiblingRelation(n, "__sluice_tmp");
  Status st = ctx.conn->Execute("DROP TABLE IF EXISTS " + tmp);
  if (st.ok()) st = ctx.conn->Execute("BEGIN");
  if (!st.ok()) return NodeError(n, st);
  st = ctx.conn->Execute("CREATE TABLE " + tmp + " AS " + NestableSql(sql));
  Result<int64_t> rows = int64_t{-1};
  if (st.ok()) {
    rows = CountRows(ctx.conn, tmp);
    st = rows.status();
  }
  if (st.ok()) st = SwapIn(ctx, tmp, *existing, /*in_transaction=*/true);
  if (st.ok()) st = ctx.conn->Execute("COMMIT");
  if (!st.ok()) {
    (void)ctx.conn->Execute("ROLLBACK");
    return NodeError(n, st);
  }
  SLUICE_RETURN_NOT_OK(RunHooks(ctx, n.config.post_hook));
  BuildOutcome out;
  out.message = "created table";
  out.rows = *rows;
  return out;
}

}  // namespace sluice::transform
