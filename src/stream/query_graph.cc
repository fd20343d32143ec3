#include "stream/query_graph.h"

#include <algorithm>

#include "core/column.h"
#include "stream/batch_transform.h"
#include "sql/join_condition.h"
#include "stream/group_aggregate.h"
#include "stream/state_codec.h"
#include "stream/hash_join.h"
#include "stream/lookup_join.h"
#include "stream/over_aggregate.h"
#include "stream/top_n.h"
#include "stream/window_assign.h"
#include "stream/window_aggregate.h"

namespace sluice::stream {

using warehouse::ChangeBatch;
using warehouse::ChangeOp;

struct QueryGraph::Node {
  const sql::PlanNode* plan = nullptr;
  std::unique_ptr<StreamOperator> op;  // stateful nodes
  int parent = -1;                     // -1: the root
  int parent_port = 0;
  std::unique_ptr<NodeSink> sink;      // op's output, forwarded to Deliver
  // Select scratch.
  std::vector<ChangeOp> ops;
  // kWindowAssign.
  std::unique_ptr<WindowAssign> assign;
  // Per plan input: the child node, or -1 for an input port (a scan).
  std::vector<int> children;
  // An event-time TUMBLE/HOP/CUMULATE window aggregate (op), whose watermark says which
  // windows are closed.
  const WindowAggregate* window = nullptr;
  // The smallest watermark of the window aggregates below (and at) this node; INT64_MIN
  // when a scan feeds it without one. And the last one handed to op (window_close_expiry).
  int64_t window_watermark = INT64_MIN;
  int64_t delivered_watermark = INT64_MIN;
  // kJoin: its operator (window_close_expiry joins get OnWindowWatermark).
  HashJoin* join = nullptr;
};

// An operator's ChangeSink: forwards its changes to the node's parent.
class QueryGraph::NodeSink final : public ChangeSink {
 public:
  NodeSink(QueryGraph* graph, int node) : graph_(graph), node_(node) {}
  Status Emit(const ChangeBatch& changes) override {
    if (changes.rows == nullptr || changes.rows->num_rows() == 0) return Status::OK();
    return graph_->Deliver(node_, changes.rows, &changes.ops);
  }

 private:
  QueryGraph* graph_;
  int node_;
};

namespace {

// The join operator of a kJoin plan node. Takes the residual out of the plan's condition.
// A HashJoin for node `node` of the graph (its state store is <state dir>/op<node>).
Result<std::unique_ptr<StreamOperator>> MakeJoinOperator(const sql::PlanNode& p,
                                                         const QueryGraphOptions& options, int node) {
  sql::JoinCondition& cond = *p.join;
  HashJoinOptions o;
  o.type = p.join_type;
  o.left_keys = cond.left_keys;
  o.right_keys = cond.right_keys;
  if (cond.residual) o.residual = sql::CloneBound(*cond.residual);
  if (cond.has_time_bounds) {
    o.time_bounds = JoinTimeBounds{cond.left_time, cond.right_time, cond.lower_us, cond.upper_us};
  }
  o.left_expiry = p.left_expiry;
  o.right_expiry = p.right_expiry;
  o.expiry_offset_us = p.expiry_offset_us;
  o.left_event_time = p.left_event_time;
  o.right_event_time = p.right_event_time;
  o.watermark_delay_us = options.watermark_delay_us;
  o.window_time_offset_us[0] = p.left_time_close_offset_us;
  o.window_time_offset_us[1] = p.right_time_close_offset_us;
  o.left_schema = p.inputs[0]->schema;
  o.right_schema = p.inputs[1]->schema;
  o.state = options.state;
  if (!o.state.dir.empty()) o.state.dir += "/op" + std::to_string(node);
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<HashJoin> join, HashJoin::Make(std::move(o), options.error_context));
  return std::unique_ptr<StreamOperator>(std::move(join));
}

}  // namespace

QueryGraph::~QueryGraph() = default;

size_t QueryGraph::num_nodes() const { return nodes_.size(); }
const StreamOperator* QueryGraph::node_operator(size_t n) const { return nodes_[n]->op.get(); }
const sql::PlanNode& QueryGraph::node_plan(size_t n) const { return *nodes_[n]->plan; }

Result<std::unique_ptr<QueryGraph>> QueryGraph::Make(sql::PlanPtr plan, const QueryGraphOptions& options) {
  std::unique_ptr<QueryGraph> g(new QueryGraph());
  g->plan_ = plan;
  SLUICE_ASSIGN_OR_RETURN(int root, g->Build(plan, options));
  if (root < 0) return Status::Invalid("a query must do more than scan a stream");
  return g;
}

namespace {

// An OverAggregate for a kOverAggregate node; its output types must be the planner's.
Result<std::unique_ptr<StreamOperator>> MakeOverOperator(const sql::PlanNode& p,
                                                         const QueryGraphOptions& options) {
  OverAggregateOptions o;
  o.input_schema = p.inputs[0]->schema;
  o.partition_keys = p.partition;
  for (const sql::PlanNode::Order& ord : p.order) {
    o.order.push_back(OverAggregateOptions::Order{ord.column, ord.descending, ord.nulls_first});
  }
  o.preceding = p.over_preceding;
  o.range_peers = p.over_range_peers;
  o.append_only_input = p.inputs[0]->append_only;
  const int first = o.input_schema->num_fields();
  for (size_t i = 0; i < p.over_calls.size(); ++i) {
    OverFunction f = OverFunction::kCountStar;
    switch (p.over_calls[i].kind) {
      case sql::AggregateKind::kCountStar: f = OverFunction::kCountStar; break;
      case sql::AggregateKind::kCount: f = OverFunction::kCount; break;
      case sql::AggregateKind::kSum: f = OverFunction::kSum; break;
      case sql::AggregateKind::kAvg: f = OverFunction::kAvg; break;
      case sql::AggregateKind::kMin: f = OverFunction::kMin; break;
      case sql::AggregateKind::kMax: f = OverFunction::kMax; break;
      default:
        return Status::NotImplemented(options.error_context.Where(p.pos) + ": " +
                                      sql::AggregateKindName(p.over_calls[i].kind) +
                                      "() over a window frame");
    }
    o.aggregates.push_back({f, p.over_calls[i].arg_column,
                            p.schema->field(first + static_cast<int>(i)).name});
  }
  Result<std::unique_ptr<OverAggregate>> made = OverAggregate::Make(std::move(o));
  if (!made.ok()) {
    return Status::Invalid(options.error_context.Where(p.pos) + ": " + made.status().message());
  }
  std::unique_ptr<OverAggregate> op = std::move(made).value();
  const Schema& mine = *op->output_schema();
  for (int c = 0; c < p.schema->num_fields(); ++c) {
    if (!(mine.field(c).type == p.schema->field(c).type)) {
      return Status::Internal("OVER aggregate: output column " + std::to_string(c) + " is " +
                              mine.field(c).type.ToString() + ", the plan has " +
                              p.schema->field(c).type.ToString());
    }
  }
  return std::unique_ptr<StreamOperator>(std::move(op));
}

}  // namespace

// Creates the nodes of `p`'s subtree in post-order; returns p's node, or -1 for a scan
// (which becomes an input port of the graph).
Result<int> QueryGraph::Build(const sql::PlanPtr& p, const QueryGraphOptions& options) {
  std::vector<int> children;
  for (const sql::PlanPtr& in : p->inputs) {
    SLUICE_ASSIGN_OR_RETURN(int c, Build(in, options));
    children.push_back(c);
  }
  if (p->kind == sql::PlanKind::kScan) return -1;
  auto node = std::make_unique<Node>();
  node->plan = p.get();
  const int self = static_cast<int>(nodes_.size());
  node->sink = std::make_unique<NodeSink>(this, self);
  switch (p->kind) {
    case sql::PlanKind::kScan:
    case sql::PlanKind::kSelect:
    case sql::PlanKind::kUnion:
      break;
    case sql::PlanKind::kWindowAssign:
      node->assign = std::make_unique<WindowAssign>(
          p->inputs[0]->schema, p->time_column, WindowSpec{p->window, p->window_size, p->window_slide});
      break;
    case sql::PlanKind::kAggregate: {
      OperatorStateOptions state = options.state;
      if (!state.dir.empty()) state.dir += "/op" + std::to_string(self);
      auto agg = std::make_unique<GroupAggregate>(p->aggregate, !p->inputs[0]->append_only, std::move(state));
      if (p->window_close_expiry) {
        Status st = agg->SetWatermarkExpiry(p->expiry_key, p->expiry_offset_us);
        if (!st.ok()) return Status::Internal(options.error_context.Where(p->pos) + ": " + st.message());
      }
      node->op = std::move(agg);
      break;
    }
    case sql::PlanKind::kWindowAggregate: {
      OperatorStateOptions state = options.state;
      if (!state.dir.empty()) state.dir += "/op" + std::to_string(self);
      node->op = MakeWindowOperator(p->aggregate, options.watermark_delay_us, p->allowed_lateness_us,
                                    std::move(state));
      if (!p->aggregate->window().processing_time) {
        node->window = dynamic_cast<const WindowAggregate*>(node->op.get());  // null: SESSION
      }
      break;
    }
    case sql::PlanKind::kJoin: {
      SLUICE_ASSIGN_OR_RETURN(node->op, MakeJoinOperator(*p, options, self));
      node->join = static_cast<HashJoin*>(node->op.get());
      break;
    }
    case sql::PlanKind::kLookupJoin: {
      LookupJoinOptions o;
      o.type = p->join_type;
      o.stream_schema = p->inputs[0]->schema;
      o.table = p->lookup_table;
      o.table_schema = p->lookup_schema;
      o.table_keys = p->lookup_table_keys;
      o.stream_keys = p->lookup_keys;
      o.residual = p->lookup_residual;
      o.refresh_interval_us = p->lookup_refresh_us;
      o.provider = options.lookup_tables;
      if (!o.provider) {
        return Status::Invalid(options.error_context.Where(p->pos) + ": the lookup join of table '" +
                               p->lookup_table + "' has no table provider (internal)");
      }
      SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<LookupJoin> lookup, LookupJoin::Make(std::move(o)));
      node->op = std::move(lookup);
      break;
    }
    case sql::PlanKind::kTopN: {
      TopNOptions o;
      o.input_schema = p->inputs[0]->schema;
      o.partition_keys = p->partition;
      for (const sql::PlanNode::Order& ord : p->order) {
        o.order.push_back(TopNOptions::Order{ord.column, ord.descending, ord.nulls_first});
      }
      o.limit = p->limit;
      o.emit_rank = p->emit_rank;
      o.append_only_input = p->inputs[0]->append_only;
      o.rank_name = p->schema->field(p->schema->num_fields() - 1).name;
      SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<TopN> top, TopN::Make(std::move(o)));
      node->op = std::move(top);
      break;
    }
    case sql::PlanKind::kOverAggregate: {
      SLUICE_ASSIGN_OR_RETURN(node->op, MakeOverOperator(*p, options));
      break;
    }
  }
  node->children = children;
  window_close_expiry_ = window_close_expiry_ || p->window_close_expiry;
  nodes_.push_back(std::move(node));
  for (size_t i = 0; i < children.size(); ++i) {
    if (children[i] >= 0) {
      nodes_[static_cast<size_t>(children[i])]->parent = self;
      nodes_[static_cast<size_t>(children[i])]->parent_port = static_cast<int>(i);
    } else {
      input_tables_.push_back(p->inputs[i]->table);
      port_targets_.emplace_back(self, static_cast<int>(i));
    }
  }
  return self;
}

Status QueryGraph::ApplyInput(int port, const RecordBatch& input, ChangeSink* out) {
  if (port < 0 || port >= num_inputs()) {
    return Status::Internal("query graph has no input port " + std::to_string(port));
  }
  out_ = out;
  // Nodes keep no reference to the input past the call; wrap without copying.
  RecordBatchPtr rows(std::shared_ptr<const RecordBatch>(), &input);
  const auto [node, node_port] = port_targets_[static_cast<size_t>(port)];
  sink_failed_ = false;
  Status st = Push(node, node_port, rows, nullptr);
  if (st.ok()) st = PassWindowWatermarks();
  CollectRefused();
  out_ = nullptr;
  return st;
}

Status QueryGraph::Push(int n, int port, const RecordBatchPtr& rows, const std::vector<ChangeOp>* ops) {
  Status st = PushOnce(n, port, rows, ops);
  // A failure of the query's sink is not about these rows, and the nodes on the way have
  // applied them: never retry then.
  if (sink_failed_) return st;
  if (st.ok() || st.code() != StatusCode::kInvalid || rows->num_rows() <= 1) {
    if (st.code() == StatusCode::kInvalid && rows->num_rows() == 1) {
      RefusedRows r;
      r.rows = SliceBatch(*rows, 0, 1);  // `rows` may be borrowed from the caller
      r.reasons.push_back(st.message());
      refused_.push_back(std::move(r));
      return Status::OK();
    }
    return st;
  }
  // The node refused the batch and kept no effect of it: isolate the bad rows (halves,
  // in order, split again where they fail).
  std::vector<ChangeOp> part_ops;
  Status fatal;
  Status isolated = IsolateBadRows(
      *rows,
      [&](const RecordBatchPtr& part, int64_t first) -> Status {
        if (ops) {
          part_ops.assign(ops->begin() + first, ops->begin() + first + part->num_rows());
        }
        Status applied = PushOnce(n, port, part, ops ? &part_ops : nullptr);
        if (applied.ok() || (applied.code() == StatusCode::kInvalid && !sink_failed_)) return applied;
        fatal = applied;
        return Status::Cancelled("stopped isolating bad rows");
      },
      [&](const RecordBatchPtr& one, int64_t, const Status& error) {
        RefusedRows bad;
        bad.rows = one;
        bad.reasons.push_back(error.message());
        refused_.push_back(std::move(bad));
      });
  return fatal.ok() ? isolated : fatal;
}

Status QueryGraph::PushOnce(int n, int port, const RecordBatchPtr& rows, const std::vector<ChangeOp>* ops) {
  Node& node = *nodes_[static_cast<size_t>(n)];
  switch (node.plan->kind) {
    case sql::PlanKind::kSelect:
      return RunSelect(n, rows, ops);
    case sql::PlanKind::kUnion:
      return Deliver(n, rows, ops);
    case sql::PlanKind::kWindowAssign: {
      SLUICE_ASSIGN_OR_RETURN(RecordBatchPtr out, node.assign->Assign(*rows));
      return Deliver(n, out, nullptr);
    }
    default:
      break;
  }
  if (ops == nullptr) return node.op->ApplyInput(port, *rows, node.sink.get());
  ChangeBatch changes{rows, *ops};
  return node.op->ApplyChanges(port, changes, node.sink.get());
}

Status QueryGraph::RunSelect(int n, const RecordBatchPtr& rows, const std::vector<ChangeOp>* ops) {
  Node& node = *nodes_[static_cast<size_t>(n)];
  const sql::PlanNode& p = *node.plan;
  if (!p.with_ops) {
    // The input is append-only (an operator may still have sent all-+I ops): WHERE drops
    // rows, so the ops of the input no longer line up; the output is all +I.
    SLUICE_ASSIGN_OR_RETURN(RecordBatchPtr out, p.select->Evaluate(*rows));
    return Deliver(n, out, nullptr);
  }
  // The ops travel as a trailing INT32 column through WHERE and the projection.
  auto op_column = std::make_shared<Column>(DataType::Int32());
  op_column->ResizeFixed(rows->num_rows());
  int32_t* codes = op_column->mutable_values<int32_t>();
  for (int64_t r = 0; r < rows->num_rows(); ++r) {
    codes[r] = ops ? static_cast<int32_t>((*ops)[static_cast<size_t>(r)]) : 0;
  }
  std::vector<ColumnPtr> columns = rows->columns();
  columns.push_back(op_column);
  RecordBatch with_ops(p.select->input_schema(), std::move(columns), rows->num_rows());
  SLUICE_ASSIGN_OR_RETURN(RecordBatchPtr out, p.select->Evaluate(with_ops));
  const int last = out->num_columns() - 1;
  const int32_t* out_codes = out->column(last).values<int32_t>();
  node.ops.resize(static_cast<size_t>(out->num_rows()));
  for (int64_t r = 0; r < out->num_rows(); ++r) node.ops[static_cast<size_t>(r)] = static_cast<ChangeOp>(out_codes[r]);
  std::vector<ColumnPtr> kept(out->columns().begin(), out->columns().end() - 1);
  auto result = std::make_shared<RecordBatch>(p.schema, std::move(kept), out->num_rows());
  std::vector<ChangeOp> delivered = std::move(node.ops);
  Status st = Deliver(n, result, &delivered);
  node.ops = std::move(delivered);
  return st;
}

Status QueryGraph::Deliver(int n, const RecordBatchPtr& rows, const std::vector<ChangeOp>* ops) {
  if (rows->num_rows() == 0) return Status::OK();
  const Node& node = *nodes_[static_cast<size_t>(n)];
  if (node.parent >= 0) return Push(node.parent, node.parent_port, rows, ops);
  if (out_ == nullptr) return Status::Internal("query graph emitted outside a call");
  ChangeBatch changes;
  changes.rows = rows;
  if (ops) {
    changes.ops = *ops;
  } else {
    changes.ops.assign(static_cast<size_t>(rows->num_rows()), ChangeOp::kInsert);
  }
  Status st = out_->Emit(changes);
  if (!st.ok()) sink_failed_ = true;
  return st;
}

Status QueryGraph::OnWatermark(int64_t watermark, ChangeSink* out) {
  out_ = out;
  Status st;
  for (size_t i = 0; i < nodes_.size() && st.ok(); ++i) {
    if (nodes_[i]->op) st = nodes_[i]->op->OnWatermark(watermark, nodes_[i]->sink.get());
  }
  if (st.ok()) st = PassWindowWatermarks();
  CollectRefused();
  out_ = nullptr;
  return st;
}

Status QueryGraph::OnProcessingTime(int64_t now_us, ChangeSink* out) {
  out_ = out;
  Status st;
  for (size_t i = 0; i < nodes_.size() && st.ok(); ++i) {
    if (nodes_[i]->op) st = nodes_[i]->op->OnProcessingTime(now_us, nodes_[i]->sink.get());
  }
  if (st.ok()) st = PassWindowWatermarks();
  CollectRefused();
  out_ = nullptr;
  return st;
}

Status QueryGraph::Finish(ChangeSink* out) {
  out_ = out;
  Status st;
  for (size_t i = 0; i < nodes_.size() && st.ok(); ++i) {
    if (nodes_[i]->op) st = nodes_[i]->op->Finish(nodes_[i]->sink.get());
  }
  CollectRefused();
  out_ = nullptr;
  return st;
}

// Window aggregates advance their watermark from their own rows (max event time - delay),
// which the rest of the graph never hears of. A node that frees state by window close
// gets the smallest watermark of the window aggregates below it: each of those has
// closed every window that watermark has passed (end + allowed lateness), and every
// change it emitted for a window reached the node (synchronously) before this call.
Status QueryGraph::PassWindowWatermarks() {
  if (!window_close_expiry_) return Status::OK();
  for (auto& node : nodes_) {  // post-order: inputs first
    Node& n = *node;
    if (n.window != nullptr) {
      n.window_watermark = n.window->watermark();
    } else {
      int64_t wm = INT64_MAX;
      for (const int c : n.children) {
        wm = std::min(wm, c < 0 ? INT64_MIN : nodes_[static_cast<size_t>(c)]->window_watermark);
      }
      n.window_watermark = n.children.empty() ? INT64_MIN : wm;
    }
    if (!n.plan->window_close_expiry) continue;
    // An interval join with a window bound as one side's time (plan
    // left/right_time_close_offset_us) takes the window aggregates' watermark of those
    // sides only; its stream sides bring their own.
    int64_t wm = n.window_watermark;
    const int64_t offsets[2] = {n.plan->left_time_close_offset_us, n.plan->right_time_close_offset_us};
    if (n.join != nullptr && (offsets[0] >= 0 || offsets[1] >= 0)) {
      wm = INT64_MAX;
      for (size_t i = 0; i < n.children.size() && i < 2; ++i) {
        if (offsets[i] < 0) continue;
        const int c = n.children[i];
        wm = std::min(wm, c < 0 ? INT64_MIN : nodes_[static_cast<size_t>(c)]->window_watermark);
      }
    }
    if (wm == INT64_MIN || wm <= n.delivered_watermark) continue;
    n.delivered_watermark = wm;
    SLUICE_RETURN_NOT_OK(n.join != nullptr ? n.join->OnWindowWatermark(wm, n.sink.get())
                                           : n.op->OnWatermark(wm, n.sink.get()));
  }
  return Status::OK();
}

void QueryGraph::CollectRefused() {
  for (auto& node : nodes_) {
    if (node->assign) {
      RefusedRows r = node->assign->TakeRefusedRows();
      if (r.rows != nullptr && r.rows->num_rows() > 0) refused_.push_back(std::move(r));
    }
    if (!node->op) continue;
    RefusedRows r = node->op->TakeRefusedRows();
    if (r.rows != nullptr && r.rows->num_rows() > 0) refused_.push_back(std::move(r));
  }
}

RefusedRows QueryGraph::TakeRefusedRows() {
  if (refused_.empty()) return {};
  RefusedRows r = std::move(refused_.front());
  refused_.erase(refused_.begin());
  return r;
}

// Checkpoints: the stateful nodes' operators, in node order (inputs before readers).
Status QueryGraph::Snapshot(StateWriter* out) const {
  out->WriteTag("QueryGraph");
  uint64_t stateful = 0;
  for (const auto& node : nodes_) stateful += node->op != nullptr;
  out->WriteU64(nodes_.size());
  out->WriteU64(stateful);
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (!nodes_[i]->op) continue;
    out->WriteU64(i);
    SLUICE_RETURN_NOT_OK(nodes_[i]->op->Snapshot(out));
  }
  return Status::OK();
}

Status QueryGraph::Restore(StateReader* in) {
  SLUICE_RETURN_NOT_OK(in->ExpectTag("QueryGraph"));
  uint64_t nodes = 0, stateful = 0;
  SLUICE_RETURN_NOT_OK(in->ReadU64(&nodes));
  SLUICE_RETURN_NOT_OK(in->ReadU64(&stateful));
  uint64_t expected = 0;
  for (const auto& node : nodes_) expected += node->op != nullptr;
  if (nodes != nodes_.size() || stateful != expected) {
    return in->Corrupt("the query's plan has " + std::to_string(nodes_.size()) + " nodes (" +
                       std::to_string(expected) + " stateful), the state " + std::to_string(nodes) +
                       " (" + std::to_string(stateful) + ")");
  }
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (!nodes_[i]->op) continue;
    uint64_t index = 0;
    SLUICE_RETURN_NOT_OK(in->ReadU64(&index));
    if (index != i) return in->Corrupt("state of plan node " + std::to_string(index) + " where node " + std::to_string(i) + " was expected");
    SLUICE_RETURN_NOT_OK(nodes_[i]->op->Restore(in));
  }
  return Status::OK();
}

}  // namespace sluice::stream
