// The plan's own functions (plan.h): node kind names, the window bounds the watermark
// closes (WindowCloseOffset), PlanNode::ToString, and a statement's WITH options
// (ReadPlanOptions). The planner itself is planner.cc.
#include "sql/plan.h"

#include "core/config.h"
#include "core/time.h"
#include "sql/join_condition.h"
#include "sql/lookup_join_plan.h"

namespace sluice::sql {

const char* PlanKindName(PlanKind kind) {
  switch (kind) {
    case PlanKind::kScan: return "Scan";
    case PlanKind::kSelect: return "Select";
    case PlanKind::kAggregate: return "Aggregate";
    case PlanKind::kWindowAggregate: return "WindowAggregate";
    case PlanKind::kJoin: return "Join";
    case PlanKind::kTopN: return "TopN";
    case PlanKind::kUnion: return "Union";
    case PlanKind::kWindowAssign: return "WindowAssign";
    case PlanKind::kLookupJoin: return "LookupJoin";
    case PlanKind::kOverAggregate: return "OverAggregate";
  }
  return "?";
}

int64_t WindowCloseOffset(const PlanNode& node, int column) {
  if (column < 0 || column >= node.schema->num_fields()) return kNotWindowBound;
  switch (node.kind) {
    case PlanKind::kWindowAggregate: {
      const CompiledAggregate& agg = *node.aggregate;
      const WindowInfo& w = agg.window();
      const bool fixed = w.kind == WindowKind::kTumble || w.kind == WindowKind::kHop;
      if ((!fixed && w.kind != WindowKind::kCumulate) || w.processing_time) return kNotWindowBound;
      if (static_cast<size_t>(column) >= agg.key_output().size()) return kNotWindowBound;
      const int key = agg.key_output()[static_cast<size_t>(column)];
      if (key < 0) return kNotWindowBound;
      const int64_t lateness = std::max<int64_t>(node.allowed_lateness_us, 0);
      if (key == w.end_key) return lateness;
      if (key == w.start_key && fixed) {
        return w.size > INT64_MAX - lateness ? kNotWindowBound : w.size + lateness;
      }
      return kNotWindowBound;
    }
    case PlanKind::kSelect: {
      if (static_cast<size_t>(column) >= node.passthrough.size()) return kNotWindowBound;
      return WindowCloseOffset(*node.inputs[0], node.passthrough[static_cast<size_t>(column)]);
    }
    case PlanKind::kAggregate: {
      const std::vector<int>& key_output = node.aggregate->key_output();
      if (static_cast<size_t>(column) >= key_output.size()) return kNotWindowBound;
      const int key = key_output[static_cast<size_t>(column)];
      if (key < 0 || static_cast<size_t>(key) >= node.key_input.size()) return kNotWindowBound;
      return WindowCloseOffset(*node.inputs[0], node.key_input[static_cast<size_t>(key)]);
    }
    default:
      return kNotWindowBound;
  }
}

void PlanNode::CollectScans(std::vector<const PlanNode*>* out) const {
  if (kind == PlanKind::kScan) {
    out->push_back(this);
    return;
  }
  for (const PlanPtr& in : inputs) in->CollectScans(out);
}

std::string PlanNode::ToString(int indent) const {
  std::string out(static_cast<size_t>(indent) * 2, ' ');
  out += PlanKindName(kind);
  if (kind == PlanKind::kScan) out += " " + table;
  if (kind == PlanKind::kJoin) out += join_type == JoinType::kLeft ? " left" : " inner";
  if (kind == PlanKind::kTopN) out += " limit " + std::to_string(limit);
  if (kind == PlanKind::kOverAggregate) {
    out += over_range_peers ? " range unbounded"
           : over_preceding < 0 ? " rows unbounded"
                                : " rows " + std::to_string(over_preceding);
  }
  if (kind == PlanKind::kLookupJoin) {
    out += (join_type == JoinType::kLeft ? " left " : " inner ") + lookup_table;
  }
  out += append_only ? " (append-only)" : " (changelog)";
  out += " [";
  for (int i = 0; i < schema->num_fields(); ++i) out += (i ? ", " : "") + schema->field(i).name;
  out += "]";
  if (window_close_expiry && kind == PlanKind::kJoin && (left_time_close_offset_us >= 0 ||
                                                          right_time_close_offset_us >= 0)) {
    const auto side = [&](int column, int64_t offset) {
      return schema->field(column).name +
             (offset < 0 ? " event time" : " window +" + FormatDuration(offset));
    };
    out += " interval-expire(" + side(join->left_time, left_time_close_offset_us) + ", " +
           side(inputs[0]->schema->num_fields() + join->right_time, right_time_close_offset_us) + ")";
  } else if (window_close_expiry && kind == PlanKind::kJoin) {
    out += " expire(" + schema->field(left_expiry).name + ", " +
           schema->field(inputs[0]->schema->num_fields() + right_expiry).name + " +" +
           FormatDuration(expiry_offset_us) + ")";
  }
  if (window_close_expiry && kind == PlanKind::kAggregate) {
    out += " expire(" + inputs[0]->schema->field(key_input[static_cast<size_t>(expiry_key)]).name + " +" +
           FormatDuration(expiry_offset_us) + ")";
  }
  if (!unique_key.empty()) {
    out += " key(";
    for (size_t i = 0; i < unique_key.size(); ++i) {
      out += (i ? ", " : "") + schema->field(unique_key[i]).name;
    }
    out += ")";
  }
  out += "\n";
  for (const PlanPtr& in : inputs) out += in->ToString(indent + 1);
  return out;
}

Result<PlanOptions> ReadPlanOptions(const Statement& stmt, const ErrorContext& ctx) {
  PlanOptions out;
  for (const Statement::Option& opt : stmt.options) {
    if (opt.key == "allowed_lateness") {
      Result<int64_t> d = ParseDuration(opt.value);
      if (!d.ok() || *d < 0) {
        return ctx.Invalid(opt.pos, "allowed_lateness must be a duration such as '30s' or '5m', "
                                    "not '" + opt.value + "'");
      }
      out.allowed_lateness_us = *d;
    } else if (opt.key == "lookup_refresh_interval") {
      Result<int64_t> d = ParseDuration(opt.value);
      if (!d.ok() || *d <= 0) {
        return ctx.Invalid(opt.pos, "lookup_refresh_interval must be a positive duration such as "
                                    "'60s' or '5m', not '" + opt.value + "'");
      }
      out.lookup_refresh_us = *d;
    } else if (opt.key == "state_backend") {
      if (opt.value != "memory" && opt.value != "rocksdb") {
        return ctx.Invalid(opt.pos, "state_backend must be 'memory' or 'rocksdb', not '" + opt.value + "'");
      }
      out.state_backend = opt.value;
    } else if (opt.key == "state_memory_budget") {
      const int64_t bytes = ParseByteSize(opt.value);
      if (bytes < (int64_t{1} << 20)) {
        return ctx.Invalid(opt.pos, "state_memory_budget must be a size of at least 1MB such as "
                                    "'256MB' or '2GB', not '" + opt.value + "'");
      }
      out.state_memory_budget_bytes = bytes;
    } else {
      return ctx.Invalid(opt.pos, "unknown option '" + opt.key + "'; the known options are "
                                  "allowed_lateness, lookup_refresh_interval, state_backend and "
                                  "state_memory_budget");
    }
  }
  return out;
}

}  // namespace sluice::sql
