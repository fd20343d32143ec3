// SessionWindow: GROUP BY over session windows,
//   FROM SESSION(TABLE bid PARTITION BY bidder, DESCRIPTOR(date_time), INTERVAL '10' SECOND)
//   or SESSION(bid, date_time, INTERVAL '10' SECOND)
// with GROUP BY window_start, window_end[, keys]. Sessions are kept per partition key
// (the PARTITION BY columns, else the GROUP BY keys other than window_start/window_end).
// A row at t opens the session [t, t + gap), or joins every session of its partition it
// overlaps, merging them into one. A session's window_start is its first row's time and
// window_end its last row's time + gap.
//
// Design: a session keeps its prepared rows (the aggregation inputs after WHERE) until it
// is done. When every GROUP BY key is a partition key or a window bound (one group per
// session, the common case) its aggregates are kept incrementally: one persistent
// GroupAggregate holds a group (a "slot") per session, and a session's rows not yet
// folded into its slot are folded in when its output is needed; the slot's
// window_start/window_end keys are overwritten with the session's current bounds before
// its row is computed. Rows are folded in the order the session keeps them, so the
// result is exactly that of aggregating the kept rows afresh (double sums included).
// When sessions MERGE (a row bridges two), the absorbed session's rows are appended to
// the absorbing one's after its folded ones and folded into its slot like new rows; the
// absorbed slot dies. After a restore (slots are not checkpointed) or without a slot, a
// session's slot is rebuilt from all its kept rows. Dead slots are compacted away when
// they outnumber live ones. Other GROUP BYs (several groups per session) aggregate
// the touched sessions afresh from their rows (work proportional to the sessions' rows).
// The rows a session has emitted are kept as row ranges of one per-operator store
// (compacted when mostly stale), to be retracted when it changes.
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

// Rows [begin, begin + n) of SessionWindowState::emitted_rows.
struct RowRange {
  int64_t begin = 0;
  int64_t n = 0;
};

// One session of one partition.
struct Session {
  std::string partition;  // encoded partition key (see SessionWindow::EncodeKey)
  int64_t start = 0;      // first row's time
  int64_t last = 0;       // last row's time; window_end = last + gap
  std::vector<std::shared_ptr<Column>> rows;  // its prepared rows, one column each
  // Output rows now in the result for this session (and for sessions merged into it),
  // in emitted_rows: retracted before its new rows are emitted.
  std::vector<RowRange> emitted;
  bool fired = false;  // EMIT ON WINDOW CLOSE: its current rows have been emitted
  // Scratch of one AssignSessions call, not checkpointed (false between calls): `last`
  // moved and by_end still lists the session at `listed_end` (updated once per batch).
  bool end_moved = false;
  int64_t listed_end = 0;
  // Incremental aggregation, not checkpointed (rebuilt from `rows`): its group in
  // SessionWindow's accumulator (-1: none yet, e.g. after a restore), which holds
  // exactly rows [0, folded) (rows of absorbed sessions are appended after them).
  int32_t slot = -1;
  int64_t folded = 0;
};

// The open sessions of one partition: their ids, and the sessions themselves (nodes of
// SessionWindowState::sessions, which stay put until erased; an entry goes with its
// session).
struct PartitionSessions {
  std::vector<int64_t> ids;
  std::vector<Session*> sessions;
};

// All of the operator's state (issue 4 checkpoints it). Movable, not copyable in effect
// (partitions point into sessions).
struct SessionWindowState {
  std::map<int64_t, Session> sessions;                               // by id
  std::unordered_map<std::string, PartitionSessions> partitions;  // key -> its sessions
  std::set<std::pair<int64_t, int64_t>> by_end;                      // (window_end, id)
  int64_t next_id = 0;
  int64_t max_event_time = INT64_MIN;
  int64_t watermark = INT64_MIN;
  // The sessions' emitted output rows (output schema columns; created on first use),
  // and how many of its rows no session refers to any more.
  std::vector<std::shared_ptr<Column>> emitted_rows;
  int64_t emitted_garbage = 0;
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
  // Incremental aggregation (see above) is on by default when the GROUP BY allows it;
  // off, every output is re-aggregated from the session's rows (tests compare the two).
  // May be switched at any time.
  void set_incremental(bool on) { incremental_ = on && session_groups_; }
  bool incremental() const { return incremental_; }

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
  // AggregateAll by the per-session slots of acc_ (incremental_ only); publish_ptr_
  // holds the sessions of `ids`.
  Status AggregateIncremental(const std::vector<int64_t>& ids, RecordBatchPtr* rows);
  // The session no longer has a valid slot (merged, freed).
  void DropSlot(Session* s);
  // Renumbers acc_'s groups without the dead slots when they outnumber the live ones.
  void MaybeCompactSlots();
  // Creates state_.emitted_rows if needed; compacts it when mostly garbage.
  void EnsureEmittedStore();
  void MaybeCompactEmitted();
  const SchemaPtr& RowsSchema(const Session& s);
  Status CloseSessions(int64_t watermark, ChangeSink* out);
  void Free(int64_t id);

  std::shared_ptr<sql::CompiledAggregate> query_;
  sql::WindowInfo window_;
  int64_t gap_;
  int64_t delay_;
  int64_t lateness_;
  bool session_groups_ = false;  // every group key is a partition key or a window bound
  bool incremental_ = false;     // session_groups_ unless switched off
  std::unique_ptr<GroupAggregate> acc_;  // one group (slot) per session; made on first use
  int64_t live_slots_ = 0;               // sessions with slot >= 0
  SessionWindowState state_;
  // Scratch.
  std::string key_;
  std::vector<int64_t> starts_;  // scratch: each taken row's own session bounds
  std::vector<int64_t> ends_;
  std::vector<int32_t> take_;
  std::vector<int32_t> refused_;
  std::vector<std::string> refused_reasons_;
  std::vector<int64_t> row_session_;             // per prepared row: its session (before redirects)
  std::vector<Session*> row_ptr_;                // and that session (after redirects)
  std::unordered_map<int64_t, int64_t> merged_;  // absorbed session -> absorbing one
  std::vector<int64_t> touched_;
  std::vector<std::pair<int64_t, Session*>> moved_;  // AssignSessions: sessions whose end moved
  std::vector<int64_t> publish_;   // CloseSessions: sessions to emit
  std::vector<int64_t> free_;      // CloseSessions: sessions to free
  std::vector<int64_t> row_ends_;  // AggregateAll: per session, the end of its output rows
  std::vector<int32_t> groups_;    // AggregateAll scratch
  std::vector<int32_t> group_session_;
  std::vector<std::pair<int64_t, int32_t>> order_;  // AssignSessions: (session, row)
  std::vector<int32_t> sel_;
  std::vector<int64_t> fold_begin_;  // AggregateIncremental scratch
  std::vector<int32_t> slots_;
  std::vector<Session*> publish_ptr_;  // PublishAll: the sessions of its ids
  SchemaPtr rows_schema_;  // the sessions' prepared rows, built on first use
  RefusedRows refused_rows_;
};

}  // namespace sluice::stream
