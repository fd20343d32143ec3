// QueryGraph: runs a logical plan (sql/plan.h) as one StreamOperator. Each stateful plan
// node becomes its operator (GroupAggregate, WindowAggregate, HashJoin, TopN), each Select
// a vectorized projection, and changes flow up the tree batch by batch: a batch pushed on
// input port i (the i-th stream the plan scans) runs through every node above that scan,
// and whatever reaches the root is the query's changelog.
//
// Bad rows are isolated where they fail: when a node cannot evaluate a batch (Invalid;
// nodes leave their state unchanged then) the batch is retried in parts at that node
// (halves, in order, split again where they fail: IsolateBadRows), and each failing row
// is refused with its error (TakeRefusedRows) while the others go on.
// Watermarks, processing time and Finish reach every operator, inputs before the nodes
// that read them. A node that frees state when windows close (a join or GROUP BY on a
// window aggregate's window_end, sql::WindowCloseOffset) also gets, after every call, the
// smallest watermark of the window aggregates below it, which advance on their own rows;
// an interval join whose time on one side is such a window bound (Nexmark q7) gets that
// of the window aggregates below that side (HashJoin::OnWindowWatermark) and combines it
// with its stream side's own.
// One thread drives a graph.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sql/plan.h"
#include "stream/state_backend.h"
#include "stream/stream_operator.h"

namespace sluice::stream {

class LookupTableProvider;  // stream/lookup_join.h

struct QueryGraphOptions {
  // The sources' watermark delay: how far event time may run out of order (micros).
  int64_t watermark_delay_us = 0;
  // The script the plan came from, for runtime messages; its text must outlive the graph.
  sql::ErrorContext error_context;
  // Where lookup joins (kLookupJoin nodes) read their tables; required when the plan has one.
  std::shared_ptr<LookupTableProvider> lookup_tables;
  // Where GROUP BY operators and joins keep their state; with kRocksDb, `dir` is this query's
  // directory and the graph's n-th node gets dir/op<n>.
  OperatorStateOptions state;
};

class QueryGraph final : public StreamOperator {
 public:
  // Creates the operators of `plan`. Fails when an operator refuses its options (Invalid,
  // with the plan position's context) or a node kind has no operator yet (NotImplemented).
  static Result<std::unique_ptr<QueryGraph>> Make(sql::PlanPtr plan, const QueryGraphOptions& options);
  ~QueryGraph() override;

  // Port i reads the stream input_tables()[i] (a stream scanned twice has two ports).
  const std::vector<std::string>& input_tables() const { return input_tables_; }
  const sql::PlanNode& plan() const { return *plan_; }
  // The graph's nodes in post-order (inputs first) and a node's operator (null for
  // stateless nodes), for tests and metrics.
  size_t num_nodes() const;
  const StreamOperator* node_operator(size_t n) const;
  const sql::PlanNode& node_plan(size_t n) const;

  const SchemaPtr& output_schema() const override { return plan_->schema; }
  int num_inputs() const override { return static_cast<int>(input_tables_.size()); }
  Status Apply(const RecordBatch& input, ChangeSink* out) override { return ApplyInput(0, input, out); }
  Status ApplyInput(int port, const RecordBatch& input, ChangeSink* out) override;
  Status OnWatermark(int64_t watermark, ChangeSink* out) override;
  Status OnProcessingTime(int64_t now_us, ChangeSink* out) override;
  Status Finish(ChangeSink* out) override;
  // Refused rows of every node, one node's batch per call (call until rows is null).
  RefusedRows TakeRefusedRows() override;
  // Checkpoints: the state of every stateful node's operator, in node order.
  Status Snapshot(StateWriter* out) const override;
  Status Restore(StateReader* in) override;

 private:
  struct Node;
  class NodeSink;
  QueryGraph() = default;
  Result<int> Build(const sql::PlanPtr& node, const QueryGraphOptions& options);
  // Runs `rows` (with `ops`, or all +I when null) through node `n`'s input `port`.
  Status Push(int n, int port, const RecordBatchPtr& rows, const std::vector<warehouse::ChangeOp>* ops);
  Status PushOnce(int n, int port, const RecordBatchPtr& rows, const std::vector<warehouse::ChangeOp>* ops);
  // Hands node `n`'s output to its parent (or the graph's sink at the root).
  Status Deliver(int n, const RecordBatchPtr& rows, const std::vector<warehouse::ChangeOp>* ops);
  Status RunSelect(int n, const RecordBatchPtr& rows, const std::vector<warehouse::ChangeOp>* ops);
  void CollectRefused();
  // Hands the nodes that free state when windows close (plan window_close_expiry) the
  // watermark of the window aggregates below them (see the .cc).
  Status PassWindowWatermarks();

  sql::PlanPtr plan_;
  std::vector<std::unique_ptr<Node>> nodes_;  // post-order: inputs before readers
  std::vector<std::string> input_tables_;
  std::vector<std::pair<int, int>> port_targets_;  // per port: (node, node's input port)
  ChangeSink* out_ = nullptr;                       // during a call
  bool sink_failed_ = false;                        // out_ refused changes in this call
  std::vector<RefusedRows> refused_;
  bool window_close_expiry_ = false;  // some node has plan window_close_expiry
};

}  // namespace sluice::stream
