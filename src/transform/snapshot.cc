// Snapshots: slowly changing dimensions, type 2, as dbt records them. The snapshot's
// SELECT is loaded into "<identifier>__sluice_snap_src"; the snapshot table holds every
// version of every row with dbt's columns dbt_scd_id (md5 of key and version time),
// dbt_updated_at, dbt_valid_from and dbt_valid_to (NULL for the current version).
//
//   strategy timestamp: a row changed when its updated_at is later than the current
//     version's dbt_updated_at; the new version is valid from that updated_at.
//   strategy check: a row changed when one of check_cols (all columns for "all") IS
//     DISTINCT FROM the current version; the new version is valid from the run's time.
//
// New keys get a first version; changed rows close the current version (dbt_valid_to)
// and get a new one, in one transaction. Rows deleted from the source are left as they
// are (hard deletes are not tracked), and source columns the snapshot table lacks are
// not added (rebuild the snapshot to pick them up).
#include <algorithm>
#include <string>
#include <vector>

#include "core/time.h"
#include "transform/materialize.h"
#include "warehouse/table_name.h"

namespace sluice::transform {

using warehouse::QuoteIdentifier;
using warehouse::QuoteLiteral;

namespace {

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

bool Contains(const std::vector<ColumnInfo>& cols, const std::string& name) {
  return std::any_of(cols.begin(), cols.end(), [&](const ColumnInfo& c) { return c.name == name; });
}

std::string Col(const std::string& alias, const std::string& name) {
  return alias + "." + QuoteIdentifier(name);
}

struct SnapshotSql {
  std::string updated;  // the version time of source row `s`
  std::string scd_id;   // dbt_scd_id of source row `s`
  std::string Versioned(const std::vector<std::string>& columns) const {
    std::vector<std::string> select;
    for (const std::string& c : columns) select.push_back(Col("s", c));
    return "SELECT " + Join(select, ", ") + ", " + scd_id + " AS dbt_scd_id, " + updated +
           " AS dbt_updated_at, " + updated + " AS dbt_valid_from, NULLIF(" + updated + ", " +
           updated + ") AS dbt_valid_to";
  }
};

Status CheckConfig(const Node& n, const std::vector<ColumnInfo>& source) {
  const NodeConfig& c = n.config;
  if (c.unique_key.empty()) {
    return Status::Invalid(
        "a snapshot needs config unique_key (the column(s) that identify a "
        "row)");
  }
  if (c.snapshot_strategy != "timestamp" && c.snapshot_strategy != "check") {
    return Status::Invalid("snapshot strategy '" + c.snapshot_strategy +
                           "' is not supported: use strategy='timestamp' with updated_at, or "
                           "strategy='check' with check_cols");
  }
  std::vector<std::string> needed = c.unique_key;
  if (c.snapshot_strategy == "timestamp") {
    if (c.updated_at.empty()) return Status::Invalid("strategy 'timestamp' needs updated_at");
    needed.push_back(c.updated_at);
  } else {
    if (c.check_cols.empty()) return Status::Invalid("strategy 'check' needs check_cols");
    if (!(c.check_cols.size() == 1 && c.check_cols[0] == "all")) {
      needed.insert(needed.end(), c.check_cols.begin(), c.check_cols.end());
    }
  }
  for (const std::string& name : needed) {
    if (!Contains(source, name)) {
      std::vector<std::string> names;
      for (const ColumnInfo& s : source) names.push_back(s.name);
      return Status::Invalid("column '" + name +
                             "' of the snapshot config is not in the "
                             "snapshot's query (columns: " +
                             Join(names, ", ") + ")");
    }
  }
  return Status::OK();
}

// A later run: inserts the new versions (into `fresh` first) and closes the old ones in
// one transaction. Returns the number of new versions.
Result<int64_t> UpdateSnapshot(const BuildContext& ctx, const SnapshotSql& q,
                               const std::string& staging, const std::string& fresh,
                               const std::vector<std::string>& source_names) {
  const Node& n = ctx.n();
  const NodeConfig& c = n.config;
  Status st;
  Result<std::vector<ColumnInfo>> target =
      TableColumns(ctx.conn, ctx.postgres, n.schema_name, n.identifier);
  if (!target.ok()) return target.status();
  for (const char* dbt_col : {"dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to"}) {
    if (!Contains(*target, dbt_col)) {
      return Status::Invalid(n.relation +
                             " exists but is not a snapshot table (it has "
                             "no column " +
                             dbt_col + "); drop it or rename the snapshot");
    }
  }
  std::vector<std::string> columns;  // source columns the snapshot table has
  for (const std::string& name : source_names) {
    if (Contains(*target, name)) columns.push_back(name);
  }
  std::vector<std::string> key_match, changed;
  for (const std::string& k : c.unique_key) key_match.push_back(Col("s", k) + " = " + Col("t", k));
  if (c.snapshot_strategy == "timestamp") {
    changed.push_back(Col("s", c.updated_at) + " > t.dbt_updated_at");
  } else {
    const bool all = c.check_cols.size() == 1 && c.check_cols[0] == "all";
    for (const std::string& col : all ? columns : c.check_cols) {
      changed.push_back(Col("s", col) + " IS DISTINCT FROM " + Col("t", col));
    }
  }
  st = ctx.conn->Execute("DROP TABLE IF EXISTS " + fresh);
  if (st.ok()) {
    st = ctx.conn->Execute("CREATE TABLE " + fresh + " AS " + q.Versioned(columns) + " FROM " +
                           staging + " AS s LEFT JOIN " + n.relation + " AS t ON " +
                           Join(key_match, " AND ") +
                           " AND t.dbt_valid_to IS NULL WHERE "
                           "t.dbt_scd_id IS NULL OR " +
                           Join(changed, " OR "));
  }
  Result<int64_t> rows = st.ok() ? CountRows(ctx.conn, fresh) : Result<int64_t>(st);
  SLUICE_RETURN_NOT_OK(rows.status());
  std::vector<std::string> close_match, all_columns;
  const std::string target_name = QuoteIdentifier(n.identifier);
  for (const std::string& k : c.unique_key) {
    close_match.push_back(target_name + "." + QuoteIdentifier(k) + " = " + Col("f", k));
  }
  for (const std::string& col : columns) all_columns.push_back(QuoteIdentifier(col));
  for (const char* dbt_col : {"dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to"}) {
    all_columns.push_back(dbt_col);
  }
  st = RunInTransaction(
      ctx.conn, {"UPDATE " + n.relation + " SET dbt_valid_to = f.dbt_valid_from FROM " + fresh +
                     " AS f WHERE " + Join(close_match, " AND ") + " AND " + target_name +
                     ".dbt_valid_to IS NULL",
                 "INSERT INTO " + n.relation + " (" + Join(all_columns, ", ") + ") SELECT " +
                     Join(all_columns, ", ") + " FROM " + fresh});
  SLUICE_RETURN_NOT_OK(st);
  return rows;
}

}  // namespace

Result<BuildOutcome> BuildSnapshot(const BuildContext& ctx) {
  const Node& n = ctx.n();
  const NodeConfig& c = n.config;
  RenderContext rc;
  rc.this_relation = n.relation;
  SLUICE_ASSIGN_OR_RETURN(std::string sql, RenderFor(ctx, rc));
  SLUICE_RETURN_NOT_OK(RunHooks(ctx, c.pre_hook));

  const std::string staging = SiblingRelation(n, "__sluice_snap_src");
  const std::string fresh = SiblingRelation(n, "__sluice_snap_new");
  const std::string tmp = SiblingRelation(n, "__sluice_tmp");
  auto cleanup = [&] {
    for (const std::string* rel : {&staging, &fresh, &tmp}) {
      (void)ctx.conn->Execute("DROP TABLE IF EXISTS " + *rel);
    }
  };
  auto fail = [&](const Status& st) -> Status {
    cleanup();
    return NodeError(n, st);
  };
  Status st = ctx.conn->Execute("DROP TABLE IF EXISTS " + staging);
  if (st.ok()) st = ctx.conn->Execute("CREATE TABLE " + staging + " AS " + NestableSql(sql));
  if (!st.ok()) return fail(st);
  Result<std::vector<ColumnInfo>> source =
      TableColumns(ctx.conn, ctx.postgres, n.schema_name, n.identifier + "__sluice_snap_src");
  if (!source.ok()) return fail(source.status());
  st = CheckConfig(n, *source);
  if (!st.ok()) return fail(st);

  SnapshotSql q;
  std::vector<std::string> key_parts;
  for (const std::string& k : c.unique_key) {
    key_parts.push_back("COALESCE(CAST(" + Col("s", k) + " AS VARCHAR), '')");
  }
  if (c.snapshot_strategy == "timestamp") {
    q.updated = Col("s", c.updated_at);
  } else {
    q.updated = "CAST(" + QuoteLiteral(FormatTimestamp(NowMicros())) + " AS TIMESTAMP)";
  }
  q.scd_id = "md5(" + Join(key_parts, " || '|' || ") + " || '|' || COALESCE(CAST(" + q.updated +
             " AS VARCHAR), ''))";

  Result<RelationType> existing = LookUpRelation(ctx);
  if (!existing.ok()) return fail(existing.status());
  std::vector<std::string> source_names;
  for (const ColumnInfo& col : *source) source_names.push_back(col.name);
  BuildOutcome out;
  if (*existing == RelationType::kNone) {
    st = ctx.conn->Execute("DROP TABLE IF EXISTS " + tmp);
    if (st.ok()) {
      st = ctx.conn->Execute("CREATE TABLE " + tmp + " AS " + q.Versioned(source_names) + " FROM " +
                             staging + " AS s");
    }
    Result<int64_t> rows = st.ok() ? CountRows(ctx.conn, tmp) : Result<int64_t>(st);
    if (rows.ok()) st = SwapIn(ctx, tmp, RelationType::kNone);
    if (!rows.ok() || !st.ok()) return fail(rows.ok() ? st : rows.status());
    out.rows = *rows;
    out.message = "created snapshot";
  } else {
    Result<int64_t> rows = UpdateSnapshot(ctx, q, staging, fresh, source_names);
    if (!rows.ok()) return fail(rows.status());
    out.rows = *rows;
    out.message = "snapshotted";
  }
  cleanup();
  SLUICE_RETURN_NOT_OK(RunHooks(ctx, c.post_hook));
  return out;
}

}  // namespace sluice::transform
