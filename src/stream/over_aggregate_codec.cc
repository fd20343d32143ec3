// OverAggregate::Snapshot / Restore: OverAggregateState in the state_codec.h format.
#include "stream/over_aggregate.h"
#include "stream/state_codec.h"

namespace sluice::stream {

Status OverAggregate::Snapshot(StateWriter* out) const {
  out->WriteTag("OverAggregate");
  out->WriteI64(options_.preceding);
  out->WriteBool(options_.range_peers);
  out->WriteNested(state_.lists);
  out->WriteVector(state_.partition_hashes);
  out->WriteVector(state_.free_partitions);
  out->WriteVector(state_.table);
  out->WriteI32(state_.live_partitions);
  out->WriteI32(state_.deleted_entries);
  out->WriteU64(state_.rows.size());
  for (const Column& c : state_.rows) out->WriteColumn(c);
  out->WriteNested(state_.order_keys);
  out->WriteNested(state_.order_null_ranks);
  out->WriteNested(state_.args);
  out->WriteNested(state_.arg_valid);
  out->WriteNested(state_.emitted_value);
  out->WriteNested(state_.emitted_valid);
  out->WriteVector(state_.alive);
  out->WriteVector(state_.emitted);
  out->WriteI64(state_.dead_rows);
  out->WriteI64(state_.ignored_retractions);
  return Status::OK();
}

Status OverAggregate::Restore(StateReader* in) {
  SLUICE_RETURN_NOT_OK(in->ExpectTag("OverAggregate"));
  int64_t preceding = 0;
  bool range_peers = false;
  SLUICE_RETURN_NOT_OK(in->ReadI64(&preceding));
  SLUICE_RETURN_NOT_OK(in->ReadBool(&range_peers));
  if (preceding != options_.preceding || range_peers != options_.range_peers) {
    return in->Corrupt("the OVER aggregate state has another window frame");
  }
  OverAggregateState s;
  SLUICE_RETURN_NOT_OK(in->ReadNested(&s.lists));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s.partition_hashes));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s.free_partitions));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s.table));
  SLUICE_RETURN_NOT_OK(in->ReadI32(&s.live_partitions));
  SLUICE_RETURN_NOT_OK(in->ReadI32(&s.deleted_entries));
  const Schema& schema = *options_.input_schema;
  uint64_t n = 0;
  SLUICE_RETURN_NOT_OK(in->ReadU64(&n));
  if (n != static_cast<uint64_t>(schema.num_fields())) {
    return in->Corrupt("the OVER aggregate state has other input columns");
  }
  for (const Field& f : schema.fields()) {
    s.rows.emplace_back(f.type);
    SLUICE_RETURN_NOT_OK(in->ReadColumn(f.type, &s.rows.back()));
  }
  SLUICE_RETURN_NOT_OK(in->ReadNested(&s.order_keys));
  SLUICE_RETURN_NOT_OK(in->ReadNested(&s.order_null_ranks));
  SLUICE_RETURN_NOT_OK(in->ReadNested(&s.args));
  SLUICE_RETURN_NOT_OK(in->ReadNested(&s.arg_valid));
  SLUICE_RETURN_NOT_OK(in->ReadNested(&s.emitted_value));
  SLUICE_RETURN_NOT_OK(in->ReadNested(&s.emitted_valid));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s.alive));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s.emitted));
  SLUICE_RETURN_NOT_OK(in->ReadI64(&s.dead_rows));
  SLUICE_RETURN_NOT_OK(in->ReadI64(&s.ignored_retractions));
  // Shapes: what the operator's code indexes without checks.
  const size_t slots = s.alive.size();
  const size_t parts = s.lists.size();
  const size_t table = s.table.size();
  const size_t keys = options_.order.size();
  const size_t aggs = options_.aggregates.size();
  bool ok = s.partition_hashes.size() == parts && table >= 64 && (table & (table - 1)) == 0 &&
            s.live_partitions >= 0 && s.deleted_entries >= 0 &&
            static_cast<size_t>(s.live_partitions + s.deleted_entries) * 2 <= table &&
            s.order_keys.size() == keys && s.order_null_ranks.size() == keys &&
            s.args.size() == aggs && s.arg_valid.size() == aggs && s.emitted_value.size() == aggs &&
            s.emitted_valid.size() == aggs && s.emitted.size() == slots && s.dead_rows >= 0 &&
            static_cast<uint64_t>(s.dead_rows) <= slots;
  for (const Column& c : s.rows) ok = ok && static_cast<size_t>(c.length()) == slots;
  for (size_t k = 0; ok && k < keys; ++k) {
    ok = s.order_keys[k].size() == slots && s.order_null_ranks[k].size() == slots;
  }
  for (size_t a = 0; ok && a < aggs; ++a) {
    ok = s.args[a].size() == slots && s.arg_valid[a].size() == slots &&
         s.emitted_value[a].size() == slots && s.emitted_valid[a].size() == slots;
  }
  // Every listed slot live and listed once; every table entry a non-empty partition.
  std::vector<uint8_t> seen(ok ? slots : 0, 0);
  size_t live_parts = 0;
  for (const auto& list : s.lists) {
    if (!list.empty()) ++live_parts;
    for (const int32_t slot : list) {
      ok = ok && slot >= 0 && static_cast<size_t>(slot) < slots &&
           s.alive[static_cast<size_t>(slot)] && !seen[static_cast<size_t>(slot)];
      if (ok) seen[static_cast<size_t>(slot)] = 1;
    }
  }
  ok = ok && live_parts == static_cast<size_t>(s.live_partitions);
  size_t in_table = 0;
  for (const int32_t p : s.table) {
    ok = ok && p >= -2 && p < static_cast<int64_t>(parts);
    if (ok && p >= 0) {
      ok = !s.lists[static_cast<size_t>(p)].empty();
      ++in_table;
    }
  }
  ok = ok && in_table == live_parts;
  for (const int32_t p : s.free_partitions) {
    ok = ok && p >= 0 && static_cast<size_t>(p) < parts && s.lists[static_cast<size_t>(p)].empty();
  }
  if (!ok) return in->Corrupt("the OVER aggregate state does not match its query");
  state_ = std::move(s);
  dirty_.assign(slots, 0);
  partition_dirty_.assign(parts, 0);
  dirty_partitions_.clear();
  return Status::OK();
}

}  // namespace sluice::stream
