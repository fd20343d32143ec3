#include "warehouse/postgres_commit_log.h"

#include <cstdlib>

#include "warehouse/postgres_client.h"

namespace sluice::warehouse {

namespace {

// The advisory lock class of sluice's commit rows (the two-int form of
// pg_advisory_xact_lock: this class and hashtext(sink)). Key 0 guards table creation.
constexpr const char* kLockClass = "1936487781";  // "sluc" as an int4, arbitrary

constexpr const char* kExistsSql = "SELECT pg_catalog.to_regclass('_sluice_commits') IS NOT NULL";

class PostgresCommitStore : public CommitStore {
 public:
  explicit PostgresCommitStore(PGconn* conn) : conn_(conn) {}

  Status EnsureTable() override {
    SLUICE_ASSIGN_OR_RETURN(auto exists, PostgresQueryText(conn_, kExistsSql, {}));
    if (!exists.empty() && exists[0][0] && *exists[0][0] == "t") return Status::OK();
    // Two first commits at once would both try to create it; CREATE ... IF NOT EXISTS
    // does not cover that race, the lock does (READ COMMITTED: the catalog is read
    // again after the lock is granted).
    return PostgresExec(
        conn_, std::string("SELECT pg_catalog.pg_advisory_xact_lock(") + kLockClass +
                   ", 0);\n"
                   "CREATE TABLE IF NOT EXISTS _sluice_commits (sink text PRIMARY KEY, "
                   "checkpoint_id bigint NOT NULL, position text NOT NULL, "
                   "committed_at timestamp without time zone NOT NULL)");
  }

  Result<std::optional<int64_t>> LockAndRead(const std::string& sink) override {
    SLUICE_ASSIGN_OR_RETURN(
        auto locked,
        PostgresQueryText(conn_,
                          std::string("SELECT pg_catalog.pg_advisory_xact_lock(") + kLockClass +
                              ", pg_catalog.hashtext($1))",
                          {sink}));
    (void)locked;
    SLUICE_ASSIGN_OR_RETURN(
        auto rows, PostgresQueryText(conn_,
                                     "SELECT checkpoint_id::text FROM _sluice_commits "
                                     "WHERE sink = $1 FOR UPDATE",
                                     {sink}));
    if (rows.empty() || !rows[0][0]) return std::optional<int64_t>();
    return std::optional<int64_t>(std::strtoll(rows[0][0]->c_str(), nullptr, 10));
  }

  Status Write(const std::string& sink, int64_t checkpoint_id, const std::string& position,
               int64_t committed_at_micros) override {
    SLUICE_ASSIGN_OR_RETURN(
        auto rows,
        PostgresQueryText(
            conn_,
            "INSERT INTO _sluice_commits AS c VALUES ($1, $2::bigint, $3, "
            "'epoch'::timestamp + $4::bigint * interval '1 microsecond') "
            "ON CONFLICT (sink) DO UPDATE SET checkpoint_id = excluded.checkpoint_id, "
            "position = excluded.position, committed_at = excluded.committed_at "
            "WHERE c.checkpoint_id < excluded.checkpoint_id RETURNING 1",
            {sink, std::to_string(checkpoint_id), position, std::to_string(committed_at_micros)}));
    if (rows.empty()) {
      // Only reachable when another writer bypassed the lock: report it as a replay.
      SLUICE_ASSIGN_OR_RETURN(
          auto stored, PostgresQueryText(conn_,
                                         "SELECT checkpoint_id::text FROM _sluice_commits "
                                         "WHERE sink = $1",
                                         {sink}));
      const int64_t id = stored.empty() || !stored[0][0]
                             ? checkpoint_id
                             : std::strtoll(stored[0][0]->c_str(), nullptr, 10);
      return ReplayError(sink, id, checkpoint_id);
    }
    return Status::OK();
  }

 private:
  PGconn* conn_;
};

}  // namespace

Status RecordPostgresCommit(PGconn* conn, const std::string& sink, int64_t checkpoint_id,
                            const std::string& position) {
  PostgresCommitStore store(conn);
  return RecordCommit(&store, sink, checkpoint_id, position);
}

Result<std::optional<CommitRecord>> ReadPostgresCommit(PGconn* conn, std::string_view sink) {
  SLUICE_ASSIGN_OR_RETURN(auto exists, PostgresQueryText(conn, kExistsSql, {}));
  if (exists.empty() || !exists[0][0] || *exists[0][0] != "t") {
    return std::optional<CommitRecord>();
  }
  // EXTRACT(EPOCH ...) of a timestamp without time zone reads it as UTC; numeric, exact.
  SLUICE_ASSIGN_OR_RETURN(
      auto rows,
      PostgresQueryText(conn,
                        "SELECT sink, checkpoint_id::text, position, "
                        "(EXTRACT(EPOCH FROM committed_at) * 1000000)::bigint::text "
                        "FROM _sluice_commits WHERE sink = $1",
                        {std::string(sink)}));
  if (rows.empty()) return std::optional<CommitRecord>();
  CommitRecord rec;
  rec.sink = *rows[0][0];
  rec.checkpoint_id = std::strtoll(rows[0][1]->c_str(), nullptr, 10);
  rec.position = *rows[0][2];
  rec.committed_at = std::strtoll(rows[0][3]->c_str(), nullptr, 10);
  return std::optional<CommitRecord>(std::move(rec));
}

}  // namespace sluice::warehouse
