// Pipeline checkpoints and resume (the Pipeline members declared under "Checkpoints").
//
// Taking checkpoint N, between two source batches (one thread: no barriers needed):
//   (a) snapshot every query's operator and the source position (on the pipeline's
//       thread),
//   (b) wait for the background write of N-1 (so N-1.ckpt is durable before anything
//       commits N, and a write error stops the pipeline here),
//   (c) FlushWithCommit(N) every committing sink (warehouse: data + `_sluice_commits`
//       row in one transaction; the row's position also holds N's record count and
//       finished flag, EncodeCommitPosition), plain Flush for the others,
//   (d) hand the snapshot to the CheckpointWriter: encoding, temp file, fsync, rename,
//       fsync of the directory, then delete all but the newest two files (after N is
//       durable).
// With checkpoint_async_write off, N.ckpt is written durably before (c) instead.
// So at any crash the sinks hold commits N-1 or N, N-1.ckpt is durable when any sink
// committed N, and only N.ckpt may be missing.
// Resuming: R = the smallest checkpoint id the committing sinks committed (the newest
// file when no sink commits). Restore from R.ckpt. A sink that committed a newer
// checkpoint M (a crash between two commits of (c)) already holds the output up to M,
// so the replay takes checkpoint M at exactly M's record count (from M's commit row, or
// M.ckpt for rows of older versions): that sink gets AlreadyExists (its replayed rows
// are dropped), the others commit M normally. When R.ckpt is missing (a crash after
// every sink committed R, before the file was durable) the pipeline restores the newest
// file K < R (or starts from the beginning when R is its first checkpoint) and replays
// the same way to R, whose commit row gives the record count: every sink drops the
// replayed rows.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "observe/log.h"
#include "sql/compiled_aggregate.h"
#include "sql/join_condition.h"
#include "sql/parser.h"
#include "stream/bad_record_log.h"
#include "stream/checkpoint.h"
#include "stream/pipeline.h"
#include "stream/query_graph.h"
#include "stream/state_codec.h"

namespace sluice::stream {

namespace {

std::string Columns(const Schema& schema, const std::vector<int>& cols) {
  std::string out = "[";
  for (size_t i = 0; i < cols.size(); ++i) {
    const Field& f = schema.field(cols[i]);
    out += (i ? ", " : "") + f.name + " " + f.type.ToString();
  }
  return out + "]";
}

std::string Micros(int64_t us) { return std::to_string(us) + "us"; }

const char* WindowName(sql::WindowKind k) {
  switch (k) {
    case sql::WindowKind::kTumble: return "TUMBLE";
    case sql::WindowKind::kHop: return "HOP";
    case sql::WindowKind::kSession: return "SESSION";
    case sql::WindowKind::kCumulate: return "CUMULATE";
    default: return "none";
  }
}

void AddAggregateFacets(const sql::PlanNode& n, StateOperatorInfo* op) {
  const sql::CompiledAggregate& a = *n.aggregate;
  op->facets.emplace_back("input columns", a.input_schema()->ToString());
  std::vector<int> keys;
  for (int k = 0; k < a.num_keys(); ++k) keys.push_back(k);
  op->facets.emplace_back("group keys", Columns(*a.frame_schema(), keys));
  std::string aggs = "[";
  for (size_t i = 0; i < a.aggregates().size(); ++i) {
    const sql::AggregateInput& in = a.aggregates()[i];
    aggs += (i ? ", " : "") + in.text + " " + in.type.ToString() +
            (in.filter_column >= 0 ? " FILTER" : "");
  }
  op->facets.emplace_back("aggregates", aggs + "]");
  if (n.kind != sql::PlanKind::kWindowAggregate) return;
  const sql::WindowInfo& w = a.window();
  std::string spec = std::string(WindowName(w.kind)) + " size " + Micros(w.size) + " slide " +
                     Micros(w.slide);
  if (w.time_column >= 0) spec += " on " + w.source_schema->field(w.time_column).name;
  if (w.processing_time) spec += " (processing time)";
  if (w.emit_on_close) spec += " emit on close";
  op->facets.emplace_back("window", spec);
  op->facets.emplace_back("allowed lateness", Micros(n.allowed_lateness_us));
}

void AddJoinFacets(const sql::PlanNode& n, StateOperatorInfo* op) {
  const Schema& l = *n.inputs[0]->schema;
  const Schema& r = *n.inputs[1]->schema;
  op->facets.emplace_back("join type", n.join_type == sql::JoinType::kLeft ? "LEFT" : "INNER");
  op->facets.emplace_back("left columns", l.ToString());
  op->facets.emplace_back("right columns", r.ToString());
  if (n.join == nullptr) return;
  const sql::JoinCondition& c = *n.join;
  op->facets.emplace_back("join keys", Columns(l, c.left_keys) + " = " + Columns(r, c.right_keys));
  std::string bounds = "none";
  if (c.has_time_bounds) {
    bounds = r.field(c.right_time).name + " - " + l.field(c.left_time).name + " in [" +
             Micros(c.lower_us) + ", " + Micros(c.upper_us) + "]";
  }
  op->facets.emplace_back("time bounds", bounds);
  op->facets.emplace_back("expiry", std::to_string(n.left_expiry) + "/" + std::to_string(n.right_expiry));
}

void AddTopNFacets(const sql::PlanNode& n, StateOperatorInfo* op) {
  const Schema& in = *n.inputs[0]->schema;
  op->facets.emplace_back("input columns", in.ToString());
  op->facets.emplace_back("partition by", Columns(in, n.partition));
  std::string order = "[";
  for (size_t i = 0; i < n.order.size(); ++i) {
    order += (i ? ", " : "") + in.field(n.order[i].column).name +
             (n.order[i].descending ? " DESC" : " ASC") +
             (n.order[i].nulls_first ? " NULLS FIRST" : " NULLS LAST");
  }
  op->facets.emplace_back("order by", order + "]");
  op->facets.emplace_back("limit", std::to_string(n.limit));
  op->facets.emplace_back("rank column", n.emit_rank ? "yes" : "no");
}

// The stateful nodes of `n`'s tree in post-order (the QueryGraph's node order). Node kinds
// not known here are described by their whole subtree (any change refuses).
void DescribeState(const sql::PlanNode& n, const std::string& file, std::vector<StateOperatorInfo>* out) {
  for (const sql::PlanPtr& in : n.inputs) DescribeState(*in, file, out);
  switch (n.kind) {
    case sql::PlanKind::kScan:
    case sql::PlanKind::kSelect:
    case sql::PlanKind::kUnion:
    case sql::PlanKind::kWindowAssign:
      return;  // stateless
    default:
      break;
  }
  StateOperatorInfo op;
  op.kind = sql::PlanKindName(n.kind);
  op.where = file + ":" + std::to_string(n.pos.line) + ":" + std::to_string(n.pos.column);
  if ((n.kind == sql::PlanKind::kAggregate || n.kind == sql::PlanKind::kWindowAggregate) &&
      n.aggregate != nullptr) {
    AddAggregateFacets(n, &op);
  } else if (n.kind == sql::PlanKind::kJoin && n.inputs.size() == 2) {
    AddJoinFacets(n, &op);
  } else if (n.kind == sql::PlanKind::kTopN && n.inputs.size() == 1) {
    AddTopNFacets(n, &op);
  } else {
    op.facets.emplace_back("plan", n.ToString());
  }
  out->push_back(std::move(op));
}

bool HasAggregateModifiers(const sql::ParsedExpr& e) {
  if (e.filter != nullptr || e.distinct || e.over != nullptr) return true;
  for (const auto& a : e.args) {
    if (a != nullptr && HasAggregateModifiers(*a)) return true;
  }
  return false;
}

std::string CollapseSpaces(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// The query's SQL as far as its state depends on it: the SELECT list of a top-level
// query whose result comes straight from a stateful operator (an aggregate, window
// aggregate or top-N, only projections above) is masked, since it is computed from the
// state after it (its aggregates are compared as operator facets). Everything else
// (FROM, WHERE, GROUP BY, subqueries, ...) is kept. When unsure, nothing is masked.
std::string StateSql(const std::string& sql, const sql::PlanNode* root) {
  const sql::PlanNode* top = root;
  while (top != nullptr && top->kind == sql::PlanKind::kSelect && top->inputs.size() == 1) {
    top = top->inputs[0].get();
  }
  const bool from_state = top != nullptr && (top->kind == sql::PlanKind::kAggregate ||
                                             top->kind == sql::PlanKind::kWindowAggregate ||
                                             top->kind == sql::PlanKind::kTopN);
  if (!from_state) return CollapseSpaces(sql);
  Result<std::vector<sql::Statement>> parsed = sql::ParseScript(sql + ";", "checkpoint");
  if (!parsed.ok() || parsed->size() != 1 || (*parsed)[0].select == nullptr) return CollapseSpaces(sql);
  const sql::SelectStmt& select = *(*parsed)[0].select;
  if (!select.union_all.empty() || select.items.empty()) return CollapseSpaces(sql);
  for (const auto& item : select.items) {
    if (item.star || item.expr == nullptr || HasAggregateModifiers(*item.expr)) return CollapseSpaces(sql);
  }
  for (const auto& g : select.group_by) {
    if (g == nullptr || g->kind == sql::ExprKind::kLiteral) return CollapseSpaces(sql);  // GROUP BY 1
  }
  const int begin = select.items.front().pos.offset;
  const int end = select.from.pos.offset;
  if (begin <= 0 || end <= begin || static_cast<size_t>(end) > sql.size()) return CollapseSpaces(sql);
  return CollapseSpaces(sql.substr(0, static_cast<size_t>(begin)) + " <select list> " +
                        sql.substr(static_cast<size_t>(end)));
}

}  // namespace

std::string Pipeline::QueryFingerprint(const PipelineQuery& q) const {
  std::string f = q.name + "\n";
  f += "stream " + std::to_string(q.stream) + " inputs";
  for (int s : q.input_streams) f += " " + std::to_string(s);
  f += "\nsink " + spec_.sinks[static_cast<size_t>(q.sink)].name + " " +
       spec_.sinks[static_cast<size_t>(q.sink)].schema->ToString() + "\n";
  if (q.op) {
    f += "output " + q.op->output_schema()->ToString() + "\n";
    if (const auto* graph = dynamic_cast<const QueryGraph*>(q.op.get())) f += graph->plan().ToString();
  }
  return f;
}

CheckpointQuery Pipeline::DescribeQuery(const PipelineQuery& q) const {
  CheckpointQuery cq;
  cq.name = q.name;
  cq.fingerprint = QueryFingerprint(q);
  cq.stateful = q.op != nullptr;
  cq.has_layout = true;
  const auto* graph = dynamic_cast<const QueryGraph*>(q.op.get());
  if (graph != nullptr) {
    const std::string file = q.location.substr(0, q.location.find(':'));
    DescribeState(graph->plan(), file, &cq.layout);
  }
  if (q.sql.empty()) {
    // Without the SQL text a changed plan cannot be shown harmless: compare it whole.
    cq.state_sql = "(plan) " + cq.fingerprint;
  } else {
    cq.state_sql = StateSql(q.sql, graph != nullptr ? &graph->plan() : nullptr);
  }
  return cq;
}

Status Pipeline::SetUpCheckpoints() {
  if (options_.checkpoint_interval_us <= 0 || ctx_.state_dir.empty()) {
    if (options_.restore_from.empty()) return Status::OK();
    return Status::Invalid("pipeline '" + spec_.name + "' cannot start from a savepoint without "
                           "checkpoints (set run.checkpoint_interval and a state_dir)");
  }
  // Every stateful operator must support snapshots; otherwise run as before, without.
  for (const auto& q : spec_.queries) {
    if (!q.op) continue;
    StateWriter probe;
    Status st = q.op->Snapshot(&probe);
    if (st.code() == StatusCode::kNotImplemented && !options_.restore_from.empty()) {
      return Status::Invalid("pipeline '" + spec_.name + "' cannot start from a savepoint: query " +
                             q.location + " cannot snapshot its state (" + st.message() + ")");
    }
    if (st.code() == StatusCode::kNotImplemented) {
      observe::LogWarn("checkpoints are off for this pipeline (at-least-once delivery)",
                       {{"pipeline", spec_.name}, {"query", q.location}, {"reason", st.message()}});
      return Status::OK();
    }
    SLUICE_RETURN_NOT_OK(st.WithContext(q.location));
  }
  const std::string dir =
      (std::filesystem::path(ctx_.state_dir) / "checkpoints" / spec_.name).string();
  checkpoints_ = std::make_unique<CheckpointStore>(dir);
  if (options_.checkpoint_async_write) {
    checkpoint_writer_ = std::make_unique<CheckpointWriter>(checkpoints_.get(), 2);
  }
  SLUICE_RETURN_NOT_OK(ResumeFromCheckpoint().WithContext("pipeline '" + spec_.name + "'"));
  if (bad_records_ != nullptr && (resumed_from_ >= 0 || forced_checkpoint_id_ > 0)) {
    // The dead letters reported after the restored checkpoint come again in the replay.
    const int64_t after = std::max<int64_t>(resumed_from_, 0);
    Result<int64_t> deleted = bad_records_->DeleteUncommitted(spec_.name, after);
    if (!deleted.ok()) {
      return deleted.status().WithContext("pipeline '" + spec_.name +
                                          "': cannot delete the dead letters after checkpoint " +
                                          std::to_string(after) + ", which the replay reports again");
    }
    if (*deleted > 0) {
      observe::LogInfo("dead letters after the checkpoint deleted; the replay reports them again",
                       {{"pipeline", spec_.name}, {"checkpoint", after}, {"dead_letters", *deleted}});
    }
  }
  return Status::OK();
}

// How to start a pipeline over from nothing.
std::string Pipeline::StartOverAdvice() const {
  return "delete " + checkpoints_->dir() + ", the rows the pipeline wrote and its commit rows " +
         "(DELETE FROM _sluice_commits WHERE sink LIKE '" + spec_.name +
         "/%'), or set state_dir to a new directory with a new warehouse";
}

Result<CommitInfo> Pipeline::CommittedInfo(PipelineSink& s, int64_t id) {
  const std::string what = "sink '" + s.name + "' (" + CommitKey(s) + " in _sluice_commits)";
  SLUICE_ASSIGN_OR_RETURN(std::string text, s.sink->LastCommittedPosition(CommitKey(s)));
  SLUICE_ASSIGN_OR_RETURN(CommitInfo info, DecodeCommitPosition(text, what));
  if (!info.has_replay_info) {
    return Status::Invalid(what + " committed checkpoint " + std::to_string(id) +
                           " without its record count (written by an older sluice)");
  }
  return info;
}

Status Pipeline::ResumeFromCheckpoint() {
  if (!options_.restore_from.empty()) return ResumeFromSavepoint();
  SLUICE_ASSIGN_OR_RETURN(std::vector<int64_t> ids, checkpoints_->List());
  int64_t restore_id = INT64_MAX;  // R
  int64_t newest_commit = -1;      // M
  PipelineSink* lagging = nullptr;  // a sink that committed R
  PipelineSink* leading = nullptr;  // a sink that committed M
  bool any_commits = false;
  for (auto& s : spec_.sinks) {
    if (!SinkCommits(s)) continue;
    any_commits = true;
    SLUICE_ASSIGN_OR_RETURN(int64_t c, s.sink->LastCommittedCheckpoint(CommitKey(s)));
    if (c < 0) {
      // Record "checkpoint 0" (nothing) now, while no pipeline is writing: the commit
      // table and this sink's row then exist before pipelines commit concurrently
      // (DuckDB refuses two transactions creating the same table).
      Status st = s.sink->FlushWithCommit(CommitKey(s), 0, "");
      if (!st.ok() && st.code() != StatusCode::kAlreadyExists) {
        return st.WithContext("sink '" + s.name + "'");
      }
      c = 0;
    }
    if (c < restore_id) lagging = &s;
    if (c > newest_commit) leading = &s;
    restore_id = std::min(restore_id, c);
    newest_commit = std::max(newest_commit, c);
  }
  if (!any_commits) restore_id = newest_commit = ids.empty() ? -1 : ids.back();
  next_checkpoint_id_ = std::max(ids.empty() ? 0 : ids.back(), newest_commit) + 1;
  const bool have_restore_file = std::find(ids.begin(), ids.end(), restore_id) != ids.end();
  if (restore_id > 0 && (have_restore_file || lagging == nullptr)) {
    Result<CheckpointData> data = checkpoints_->Read(restore_id);
    if (!data.ok()) {
      return Status::Invalid("cannot resume: " +
                             (lagging != nullptr ? "sink '" + lagging->name + "' last committed" : std::string("the newest is")) +
                             " checkpoint " + std::to_string(restore_id) + " but it cannot be read (" +
                             data.status().message() + "); to start over, " + StartOverAdvice());
    }
    SLUICE_RETURN_NOT_OK(RestoreCheckpoint(*data, checkpoints_->PathOf(restore_id)));
  } else if (restore_id > 0) {
    // Every sink committed R (or later) but R.ckpt never became durable: replay to R from
    // an older file, or from the beginning, stopping at R's record count.
    if (newest_commit > restore_id) {
      return Status::Invalid("cannot resume: sink '" + lagging->name + "' last committed checkpoint " +
                             std::to_string(restore_id) + " and sink '" + leading->name + "' checkpoint " +
                             std::to_string(newest_commit) + ", but the file of checkpoint " +
                             std::to_string(restore_id) + " is missing (" + checkpoints_->PathOf(restore_id) +
                             "; deleted by hand?); to start over, " + StartOverAdvice());
    }
    Result<CommitInfo> info = CommittedInfo(*lagging, restore_id);
    if (!info.ok()) {
      return Status::Invalid("cannot resume: checkpoint " + std::to_string(restore_id) + " is missing (" +
                             checkpoints_->PathOf(restore_id) + ") and " + info.status().message() +
                             "; to start over, " + StartOverAdvice());
    }
    int64_t older = 0;  // K
    for (int64_t id : ids) {
      if (id < restore_id) older = id;
    }
    if (older == 0 && restore_id > 1) {
      // Only a pipeline's first checkpoint has no older file to replay from (later ones
      // are committed once the previous file is durable). The source's start is not a
      // recorded position, so replaying from it is allowed only there.
      return Status::Invalid("cannot resume: checkpoint " + std::to_string(restore_id) + " is missing (" +
                             checkpoints_->PathOf(restore_id) + ") and no older checkpoint is left to replay " +
                             "from (deleted by hand?); to start over, " + StartOverAdvice());
    }
    if (older > 0) {
      Result<CheckpointData> data = checkpoints_->Read(older);
      if (!data.ok()) {
        return Status::Invalid("cannot resume: checkpoint " + std::to_string(restore_id) +
                               " is missing and the older checkpoint " + std::to_string(older) +
                               " cannot be read (" + data.status().message() + "); to start over, " +
                               StartOverAdvice());
      }
      SLUICE_RETURN_NOT_OK(RestoreCheckpoint(*data, checkpoints_->PathOf(older)));
    }
    if (info->records < stats_.records_in.load(std::memory_order_relaxed)) {
      return Status::Invalid("cannot resume: checkpoint " + std::to_string(older) + " counts more records than " +
                             "the commit rows of checkpoint " + std::to_string(restore_id) + "; to start over, " +
                             StartOverAdvice());
    }
    observe::LogInfo("checkpoint file missing after its commit: replaying to it",
                     {{"pipeline", spec_.name},
                      {"checkpoint", restore_id},
                      {"from", older},
                      {"records", info->records}});
    forced_checkpoint_id_ = restore_id;
    forced_records_ = info->records;
    forced_finished_ = info->finished;
    return Status::OK();
  }
  if (newest_commit > std::max<int64_t>(restore_id, 0)) {
    Result<CommitInfo> info = CommittedInfo(*leading, newest_commit);
    if (!info.ok()) {
      // A commit row of an older version: the file has the record count.
      Result<CheckpointData> ahead = checkpoints_->Read(newest_commit);
      if (!ahead.ok()) {
        return Status::Invalid("cannot resume: sink '" + leading->name + "' committed checkpoint " +
                               std::to_string(newest_commit) + " but it cannot be read (" +
                               ahead.status().message() + ") and " + info.status().message() +
                               "; to start over, " + StartOverAdvice());
      }
      info = CommitInfo{true, ahead->records, ahead->finished, ahead->position};
    }
    forced_checkpoint_id_ = newest_commit;
    forced_records_ = info->records;
    forced_finished_ = info->finished;
  }
  return Status::OK();
}

// Starting from a savepoint's checkpoint S (`sluice run --from-savepoint`). The sinks'
// commits must agree with S: a committing sink that committed exactly S holds exactly the
// output before it (the normal "stop with savepoint, then resume" path). One behind S
// lacks output and is refused. One ahead of S already holds output of records after S,
// which the replay writes again: refused for appending sinks (duplicates), allowed for
// keyed (upsert) sinks, where the replayed changes overwrite the same keys and the table
// converges to the result once the replay passes the point it had reached.
Status Pipeline::ResumeFromSavepoint() {
  const std::string& path = options_.restore_from;
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("savepoint file '" + path + "' does not exist");
  std::ostringstream buf;
  buf << in.rdbuf();
  SLUICE_ASSIGN_OR_RETURN(CheckpointData data, DecodeCheckpoint(buf.str(), "savepoint '" + path + "'"));
  const int64_t sp = data.id;
  int64_t newest_commit = sp;
  for (auto& s : spec_.sinks) {
    if (!SinkCommits(s)) continue;
    SLUICE_ASSIGN_OR_RETURN(int64_t c, s.sink->LastCommittedCheckpoint(CommitKey(s)));
    if (c < 0) {
      Status st = s.sink->FlushWithCommit(CommitKey(s), 0, "");
      if (!st.ok() && st.code() != StatusCode::kAlreadyExists) return st.WithContext("sink '" + s.name + "'");
      c = 0;
    }
    const std::string sink = "sink '" + s.name + "' (" + CommitKey(s) + " in _sluice_commits)";
    if (c < sp) {
      return Status::Invalid(
          "cannot start from savepoint " + path + " (checkpoint " + std::to_string(sp) + "): " + sink +
          " has committed only checkpoint " + std::to_string(c) + ", so its table lacks the output " +
          "the savepoint's state already counts (a different or restored warehouse?); start from " +
          "the savepoint with the warehouse it was taken with, or run without --from-savepoint");
    }
    if (c > sp && !s.sink->AcceptsChanges()) {
      return Status::Invalid(
          "cannot start from savepoint " + path + " (checkpoint " + std::to_string(sp) + "): " + sink +
          " appends rows and has committed checkpoint " + std::to_string(c) + ", after the savepoint: " +
          "its table already holds rows of records after the savepoint, which the replay would write " +
          "again (duplicates). Take savepoints with --stop to resume from them, restore the " +
          "warehouse as of the savepoint, or run without --from-savepoint to continue from checkpoint " +
          std::to_string(c));
    }
    if (c > sp) {
      observe::LogWarn("replaying into a keyed table that is ahead of the savepoint: its rows are "
                       "overwritten as the replay passes them",
                       {{"pipeline", spec_.name}, {"sink", s.name}, {"savepoint", sp}, {"committed", c}});
    }
    newest_commit = std::max(newest_commit, c);
  }
  SLUICE_RETURN_NOT_OK(RestoreCheckpoint(data, path));
  SLUICE_ASSIGN_OR_RETURN(std::vector<int64_t> ids, checkpoints_->List());
  // The savepoint becomes this pipeline's checkpoint S, so a crash before the next
  // checkpoint resumes from it (the sinks committed S).
  SLUICE_RETURN_NOT_OK(checkpoints_->Write(data));
  next_checkpoint_id_ = std::max(ids.empty() ? 0 : ids.back(), newest_commit) + 1;
  observe::LogInfo("started from savepoint", {{"pipeline", spec_.name}, {"savepoint", path}, {"checkpoint", sp}});
  return Status::OK();
}

Status Pipeline::RestoreCheckpoint(const CheckpointData& data, const std::string& where) {
  const std::string start_over =
      "; its state cannot be restored. Undo the change, or " +
      std::string(options_.restore_from.empty() ? "" : "run without --from-savepoint, or ") +
      "to start over, " + StartOverAdvice();
  // The same queries, in order, each with state it can read.
  for (size_t i = 0; i < std::max(spec_.queries.size(), data.queries.size()); ++i) {
    if (i >= spec_.queries.size()) {
      return Status::Invalid("query '" + data.queries[i].name + "' was removed since checkpoint " +
                             where + start_over);
    }
    const PipelineQuery& q = spec_.queries[i];
    if (i >= data.queries.size() || data.queries[i].name != q.name) {
      return Status::Invalid("query " + q.location + " ('" + q.name + "') is not in checkpoint " + where +
                             " (queries were added or reordered)" + start_over);
    }
    Status compatible = CheckStateCompatible(data.queries[i], DescribeQuery(q), q.location + " ('" + q.name + "')");
    if (!compatible.ok()) {
      return Status::Invalid(compatible.message() + " (checkpoint " + where + ")" + start_over);
    }
    if (data.queries[i].fingerprint != QueryFingerprint(q)) {
      observe::LogInfo("query changed since the checkpoint in a way its state allows",
                       {{"pipeline", spec_.name}, {"query", q.location}});
    }
  }
  for (size_t i = 0; i < spec_.queries.size(); ++i) {
    PipelineQuery& q = spec_.queries[i];
    if (!q.op) continue;
    const CheckpointQuery& cq = data.queries[i];
    const std::string what = "checkpoint " + where + ", query '" + q.name + "'";
    if (!cq.stateful) return Status::Invalid(what + ": no operator state");
    SLUICE_ASSIGN_OR_RETURN(StateReader reader, StateReader::Open(cq.state, what));
    SLUICE_RETURN_NOT_OK(q.op->Restore(&reader));
    SLUICE_RETURN_NOT_OK(reader.ExpectEnd());
  }
  SLUICE_RETURN_NOT_OK(spec_.source->Seek(data.position).WithContext("source '" + spec_.name + "'"));
  stats_.records_in.store(data.records, std::memory_order_relaxed);
  resumed_from_ = data.id;
  max_event_time_ = data.max_event_time;
  observe::LogInfo("resumed from checkpoint", {{"pipeline", spec_.name},
                                                {"checkpoint", data.id},
                                                {"records", data.records},
                                                {"position", data.position.ToString()}});
  return Status::OK();
}

Status Pipeline::TakeCheckpoint(int64_t id, bool finished) {
  CheckpointData data;
  data.id = id;
  data.finished = finished;
  data.records = stats_.records_in.load(std::memory_order_relaxed);
  data.position = spec_.source->CurrentPosition();
  data.max_event_time = max_event_time_;
  for (const auto& q : spec_.queries) {
    CheckpointQuery cq = DescribeQuery(q);
    if (q.op) {
      StateWriter w(checkpoint_writer_ != nullptr
                        ? checkpoint_writer_->TakeSpareBuffer(data.queries.size())
                        : std::string());
      SLUICE_RETURN_NOT_OK(q.op->Snapshot(&w).WithContext(q.location));
      cq.state = w.Finish();
    }
    data.queries.push_back(std::move(cq));
  }
  // Bad records the source reported up to this position go to the dead-letter table
  // before a checkpoint covers them (a crash between the two reports them again, and
  // the table keeps records with a stable location once).
  if (bad_records_ != nullptr) bad_records_->Flush();
  const std::string position = EncodeCommitPosition(data.records, finished, data.position);
  if (checkpoint_writer_ != nullptr) {
    // N-1.ckpt must be durable before any sink commits N (a resume then never needs
    // more than N.ckpt replayed), and its write error stops the pipeline here.
    SLUICE_RETURN_NOT_OK(checkpoint_writer_->Wait());
  } else {
    SLUICE_RETURN_NOT_OK(checkpoints_->Write(data));
  }
  for (auto& s : spec_.sinks) {
    if (!SinkCommits(s)) {
      SLUICE_RETURN_NOT_OK(s.sink->Flush().WithContext("sink '" + s.name + "' failed to flush"));
      continue;
    }
    Status st = s.sink->FlushWithCommit(CommitKey(s), id, position);
    if (st.code() == StatusCode::kAlreadyExists) {
      // A replay of output this sink committed before the crash: dropped, already there.
      observe::LogDebug("sink already committed this checkpoint",
                        {{"pipeline", spec_.name}, {"sink", s.name}, {"checkpoint", id}});
      continue;
    }
    SLUICE_RETURN_NOT_OK(st.WithContext("sink '" + s.name + "' failed to commit checkpoint " +
                                        std::to_string(id)));
  }
  if (bad_records_ != nullptr) bad_records_->Flush();
  next_checkpoint_id_ = std::max(next_checkpoint_id_, id + 1);
  if (checkpoint_writer_ != nullptr) return checkpoint_writer_->Submit(std::move(data));
  return checkpoints_->Prune(2);
}

Status Pipeline::WaitForCheckpointWrite() {
  return checkpoint_writer_ != nullptr ? checkpoint_writer_->Wait() : Status::OK();
}

void Pipeline::RequestSavepoint(int64_t request, std::string copy_to, bool stop) {
  std::lock_guard<std::mutex> lock(savepoint_mu_);
  savepoint_request_ = request;
  savepoint_copy_to_ = std::move(copy_to);
  savepoint_stop_ = stop;
  savepoint_pending_.store(true, std::memory_order_release);
}

SavepointReply Pipeline::savepoint_reply() const {
  std::lock_guard<std::mutex> lock(savepoint_mu_);
  return savepoint_reply_;
}

std::string Pipeline::checkpoint_dir() const {
  return checkpoints_ != nullptr ? checkpoints_->dir() : std::string();
}

Status Pipeline::AnswerSavepoint(bool* stop) {
  int64_t request;
  std::string copy_to;
  {
    std::lock_guard<std::mutex> lock(savepoint_mu_);
    savepoint_pending_.store(false, std::memory_order_relaxed);
    request = savepoint_request_;
    copy_to = savepoint_copy_to_;
    *stop = savepoint_stop_;
  }
  SavepointReply reply{request, 0, Status::OK()};
  Status fatal;
  if (checkpoints_ == nullptr) {
    reply.status = Status::Invalid("checkpoints are off for pipeline '" + spec_.name +
                                   "' (run.checkpoint_interval is 0, or an operator cannot snapshot)");
    *stop = false;
  } else {
    reply.checkpoint_id = next_checkpoint_id_;
    fatal = TakeCheckpoint(reply.checkpoint_id, false);
    if (fatal.ok()) fatal = WaitForCheckpointWrite();  // the file is copied next
    reply.status = fatal.ok() ? CopyFileDurably(checkpoints_->PathOf(reply.checkpoint_id), copy_to) : fatal;
    if (!reply.status.ok()) *stop = false;
    observe::LogInfo("savepoint checkpoint taken", {{"pipeline", spec_.name}, {"checkpoint", reply.checkpoint_id}});
  }
  std::lock_guard<std::mutex> lock(savepoint_mu_);
  savepoint_reply_ = reply;
  return fatal;
}

}  // namespace sluice::stream
