// SessionWindow: GROUP BY over session windows,
//   FROM SESSION(TABLE bid PARTITION BY bidder, DESCRIPTOR(date_time), INTERVAL '10' SECOND)
//   or SESSION(bid, date_time, INTERVAL '10' SECOND)
// with GROUP BY window_start, window_end[, keys]. Sessions are kept per partition key
// (the PARTITION BY columns, else the GROUP BY keys other than window_start/window_end).
// A row at t opens the session [t, t + gap), or joins every session of its partition it
// overlaps, merging them into one. A session's window_start is its first row's time and
// window_end its last row's time + gap.
//
// Design: re-aggregation, not accumulator merging. A session keeps its prepared rows
// (the aggregation inputs after WHERE) until it is done; whenever its output is needed it
// is aggregated afresh by a GroupAggregate with window_start/window_end set to the
// session's bounds. That makes merges exact for every aggregate (count DISTINCT, min,
// max included) without a merge operation on accumulator state; the cost is memory
// bounded by the rows of the sessions still open (sessions close) and work per update
// proportional to the session's rows.
//
// Watermark as WindowAggregate (max event time - delay, OnWatermark, OnProcessingTime for
// processing-time windows). A session closes when the watermark reaches window_end and is
// freed when it reaches window_end + allowed lateness.
//   Changelog mode (no EMIT ON WINDOW CLOSE): every batch re-emits each session it
//   touched: -D its old rows (also those of sessions merged into it), +I its new rows.
//   The sessions of one batch (or of one watermark step) are aggregated together by one
//   GroupAggregate (without hashing when the group keys are just the partition keys
//   and the window bounds) and emitted as one change batch, session after session.
//   EMIT ON WINDOW CLOSE: a session emits its final rows (+I) when it closes. A row within
//   the lateness that changes a closed session (or merges into it) retracts the final rows
//   emitted (-U) and, when the session closes again, emits the new ones (+U). So EMIT ON
//   WINDOW CLOSE with lateness is not append-only.
// A row whose own window [t, t + gap) ends at or before watermark - lateness is late and
// refused (TakeRefusedRows, reason "late: window [..) closed at watermark .."), as is a
// row whose time is NULL. Errors as StreamOperator. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "stream/group_aggregate.h"

namespace sluice::stream {

// One session of one partition.
struct Session {
  std::string partition;  // encoded partition key (see SessionWindow::EncodeKey)
  int64_t start = 0;      // first row's time
  int64_t last = 0;       // last row's time; window_end = last + gap
  std::vector<std::shared_ptr<Column>> rows;  // its prepared rows, one column each
  // Output rows now in the result for this session (and for sessions merged into it):
  // retracted before its new rows are emitted.
  std::vector<RecordBatchPtr> emitted;
  bool fired = false;  // EMIT ON WINDOW CLOSE: its current rows have been emitted
  // Scratch of one AssignSessions call, not checkpointed (false between calls): `last`
  // moved and by_end still lists the session at `listed_end` (updated once per batch).
  bool end_moved = false;
  int64_t listed_end = 0;
};

// All of the operator's state (issue 4 checkpoints it).
struct SessionWindowState {
  std::map<int64_t, Session> sessions;                               // by id
  std::unordered_map<std::string, std::vector<int64_t>> partitions;  // key -> session ids
  std::set<std::pair<int64_t, int64_t>> by_end;                      // (window_end, id)
  int64_t next_id = 0;
  int64_t max_event_time = INT64_MIN;
  int64_t watermark = INT64_MIN;
};

class SessionWindow final : public StreamOperator {
 public:
  // `query` must be a SESSION aggregate (window().kind == kSession, start_key and
  // end_key set). `allowed_lateness` >= 0 (micros).
  SessionWindow(std::shared_ptr<sql::CompiledAggregate> query, int64_t watermark_delay,
                int64_t allowed_lateness = 0);

  const SchemaPtr& output_schema() const override { return query_->output_schema(); }
  Status Apply(const RecordBatch& input, ChangeSink* out) override;
  Status OnWatermark(int64_t watermark, ChangeSink* out) override;
  Status OnProcessingTime(int64_t now_us, ChangeSink* out) override;
  Status Finish(ChangeSink* out) override;
  RefusedRows TakeRefusedRows() override;
  // Checkpoints: SessionWindowState (session_window_codec.cc).
  Status Snapshot(StateWriter* out) const override;
  Status Restore(StateReader* in) override;

  int64_t watermark() const { return state_.watermark; }
  // Sessions holding state (open, or closed within the allowed lateness).
  size_t open_sessions() const { return state_.sessions.size(); }

 private:
  // The input rows that are neither late nor NULL-timed, plus window_start = t and
  // window_end = t + gap; the others go to refused_.
  RecordBatchPtr Expand(const RecordBatch& input);
  // Folds the prepared rows into sessions; fills touched_ with the surviving sessions.
  void AssignSessions(const RecordBatch& prepared);
  // Encodes the partition key of prepared row `row` into key_.
  void EncodeKey(const RecordBatch& prepared, int64_t row);
  // Moves session `from` into `into` (rows, bounds, emitted rows) and erases it.
  void Absorb(int64_t into, int64_t from);
  void SetEnd(int64_t id, Session* s, int64_t new_last);
  // The session's output rows (after HAVING), aggregated afresh.
  Result<RecordBatchPtr> Aggregate(const Session& s);
  // Emits, in one batch, for each session of `ids` in order: the retraction of its
  // emitted rows (op `retract`), then its new rows (op `insert`, or `reinsert` when it
  // had emitted rows); those become its emitted rows. The sessions are aggregated
  // together by one GroupAggregate (their groups are distinct: sessions differ in their
  // partition keys, which are group keys, or in window_start).
  Status PublishAll(const std::vector<int64_t>& ids, warehouse::ChangeOp retract,
                    warehouse::ChangeOp insert, warehouse::ChangeOp reinsert, ChangeSink* out);
  // The output rows of each session of `ids` (after HAVING): rows [row_ends_[k-1],
  // row_ends_[k]) of *rows belong to ids[k]. *rows may be null when there are none.
  Status AggregateAll(const std::vector<int64_t>& ids, RecordBatchPtr* rows);
  Status CloseSessions(int64_t watermark, ChangeSink* out);
  void Free(int64_t id);

  std::shared_ptr<sql::CompiledAggregate> query_;
  sql::WindowInfo window_;
  int64_t gap_;
  int64_t delay_;
  int64_t lateness_;
  bool session_groups_ = false;  // every group key is a partition key or a window bound
  SessionWindowState state_;
  // Scratch.
  std::string key_;
  std::vector<int64_t> starts_;  // scratch: each taken row's own session bounds
  std::vector<int64_t> ends_;
  std::vector<int32_t> take_;
  std::vector<int32_t> refused_;
  std::vector<std::string> refused_reasons_;
  std::vector<int64_t> row_session_;             // per prepared row: its session (before redirects)
  std::unordered_map<int64_t, int64_t> merged_;  // absorbed session -> absorbing one
  std::vector<int64_t> touched_;
  std::vector<int64_t> moved_;     // AssignSessions: sessions whose end moved
  std::vector<int64_t> publish_;   // CloseSessions: sessions to emit
  std::vector<int64_t> free_;      // CloseSessions: sessions to free
  std::vector<int64_t> row_ends_;  // AggregateAll: per session, the end of its output rows
  std::vector<int32_t> groups_;    // AggregateAll scratch
  std::vector<int32_t> group_session_;
  SchemaPtr rows_schema_;  // the sessions' prepared rows, built on first use
  RefusedRows refused_rows_;
};

}  // namespace sluice::stream
