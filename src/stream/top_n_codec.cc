// TopN::Snapshot / Restore: TopNState in the state_codec.h format.
#include "stream/state_codec.h"
#include "stream/top_n.h"

namespace sluice::stream {

Status TopN::Snapshot(StateWriter* out) const {
  out->WriteTag("TopN");
  out->WriteU8(static_cast<uint8_t>(mode_));
  out->WriteI32(state_.num_partitions);
  out->WriteU64(state_.partition_keys.size());
  for (const Column& c : state_.partition_keys) out->WriteColumn(c);
  out->WriteVector(state_.partition_hashes);
  out->WriteVector(state_.table);
  out->WriteNested(state_.ranked);
  out->WriteVector(state_.first_key);
  out->WriteVector(state_.first_null_rank);
  out->WriteU64(state_.rows.size());
  for (const Column& c : state_.rows) out->WriteColumn(c);
  out->WriteNested(state_.order_keys);
  out->WriteNested(state_.order_null_ranks);
  out->WriteVector(state_.alive);
  out->WriteI64(state_.dead_rows);
  out->WriteI64(state_.ignored_retractions);
  return Status::OK();
}

Status TopN::Restore(StateReader* in) {
  SLUICE_RETURN_NOT_OK(in->ExpectTag("TopN"));
  uint8_t mode = 0;
  SLUICE_RETURN_NOT_OK(in->ReadU8(&mode));
  if (mode != static_cast<uint8_t>(mode_)) return in->Corrupt("the top-N state is of another mode");
  TopNState s;
  SLUICE_RETURN_NOT_OK(in->ReadI32(&s.num_partitions));
  if (s.num_partitions < 0) return in->Corrupt("bad partition count");
  const size_t parts = static_cast<size_t>(s.num_partitions);
  const Schema& schema = *options_.input_schema;
  uint64_t n = 0;
  SLUICE_RETURN_NOT_OK(in->ReadU64(&n));
  if (n != options_.partition_keys.size()) return in->Corrupt("the top-N state has another PARTITION BY");
  for (const int c : options_.partition_keys) {
    s.partition_keys.emplace_back(schema.field(c).type);
    SLUICE_RETURN_NOT_OK(in->ReadColumn(schema.field(c).type, &s.partition_keys.back()));
    if (static_cast<size_t>(s.partition_keys.back().length()) != parts) return in->Corrupt("partition key length");
  }
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s.partition_hashes));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s.table));
  SLUICE_RETURN_NOT_OK(in->ReadNested(&s.ranked));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s.first_key));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s.first_null_rank));
  SLUICE_RETURN_NOT_OK(in->ReadU64(&n));
  if (n != static_cast<uint64_t>(schema.num_fields())) return in->Corrupt("the top-N state has other input columns");
  for (const Field& f : schema.fields()) {
    s.rows.emplace_back(f.type);
    SLUICE_RETURN_NOT_OK(in->ReadColumn(f.type, &s.rows.back()));
  }
  SLUICE_RETURN_NOT_OK(in->ReadNested(&s.order_keys));
  SLUICE_RETURN_NOT_OK(in->ReadNested(&s.order_null_ranks));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s.alive));
  SLUICE_RETURN_NOT_OK(in->ReadI64(&s.dead_rows));
  SLUICE_RETURN_NOT_OK(in->ReadI64(&s.ignored_retractions));
  // Shapes: what the operator's code indexes without checks.
  const bool keep_first = mode_ == Mode::kKeepFirst;
  const size_t slots = s.alive.size();
  const size_t table = s.table.size();
  bool ok = s.partition_hashes.size() == parts && table >= 2 * parts && table >= 1 &&
            (table & (table - 1)) == 0 && s.ranked.size() == (keep_first ? 0 : parts) &&
            s.first_key.size() == (keep_first ? parts : 0) &&
            s.first_null_rank.size() == (keep_first ? parts : 0) &&
            s.order_keys.size() == options_.order.size() &&
            s.order_null_ranks.size() == options_.order.size() && s.dead_rows >= 0 &&
            static_cast<uint64_t>(s.dead_rows) <= slots;
  for (const Column& c : s.rows) ok = ok && static_cast<size_t>(c.length()) == slots;
  for (size_t k = 0; ok && k < options_.order.size(); ++k) {
    ok = s.order_keys[k].size() == slots && s.order_null_ranks[k].size() == slots;
  }
  for (const int32_t p : s.table) ok = ok && p >= -1 && p < s.num_partitions;
  for (const auto& list : s.ranked) {
    for (const int32_t slot : list) ok = ok && slot >= 0 && static_cast<size_t>(slot) < slots;
  }
  if (!ok) return in->Corrupt("the top-N state does not match its query");
  state_ = std::move(s);
  return Status::OK();
}

}  // namespace sluice::stream
