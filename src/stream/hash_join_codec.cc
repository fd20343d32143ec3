// HashJoin::Snapshot / Restore: HashJoinState in the state_codec.h format. With the rocksdb
// backend a snapshot holds the spilled rows too (so either backend restores it), and a
// restore loads everything into memory, then spills down to the budget.
#include "stream/hash_join.h"

#include <cstring>

#include "stream/state_codec.h"

namespace sluice::stream {

namespace {

void WriteSide(const JoinSide& s, StateWriter* out) {
  out->WriteU64(s.columns.size());
  for (const auto& c : s.columns) out->WriteColumn(*c);
  out->WriteVector(s.key_offsets);
  out->WriteVector(s.key_bytes);
  out->WriteVector(s.key_hash);
  out->WriteVector(s.row_hash);
  out->WriteVector(s.prev);
  out->WriteVector(s.next);
  out->WriteVector(s.alive);
  out->WriteVector(s.match_count);
  out->WriteVector(s.expire_at);
  out->WriteVector(s.table);
  out->WriteI64(s.table_used);
  out->WriteU64(s.expiry_heap.size());
  char* p = out->Extend(s.expiry_heap.size() * 12);
  for (const auto& [at, row] : s.expiry_heap) {
    std::memcpy(p, &at, 8);
    std::memcpy(p + 8, &row, 4);
    p += 12;
  }
  out->WriteI64(s.live_rows);
  out->WriteI64(s.max_event_time);
}

bool RowRef(int32_t r, size_t slots) { return r >= -1 && (r < 0 || static_cast<size_t>(r) < slots); }

Status ReadSide(const Schema& schema, StateReader* in, JoinSide* s) {
  uint64_t n = 0;
  SLUICE_RETURN_NOT_OK(in->ReadU64(&n));
  if (n != static_cast<uint64_t>(schema.num_fields())) return in->Corrupt("the join state has other input columns");
  s->columns.clear();
  for (const Field& f : schema.fields()) {
    s->columns.push_back(std::make_unique<Column>(f.type));
    SLUICE_RETURN_NOT_OK(in->ReadColumn(f.type, s->columns.back().get()));
  }
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s->key_offsets));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s->key_bytes));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s->key_hash));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s->row_hash));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s->prev));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s->next));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s->alive));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s->match_count));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s->expire_at));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s->table));
  SLUICE_RETURN_NOT_OK(in->ReadI64(&s->table_used));
  SLUICE_RETURN_NOT_OK(in->ReadCount(&n, 12));
  s->expiry_heap.resize(n);
  for (auto& [at, row] : s->expiry_heap) {
    SLUICE_RETURN_NOT_OK(in->ReadI64(&at));
    SLUICE_RETURN_NOT_OK(in->ReadI32(&row));
  }
  SLUICE_RETURN_NOT_OK(in->ReadI64(&s->live_rows));
  SLUICE_RETURN_NOT_OK(in->ReadI64(&s->max_event_time));
  // Shapes and references: what the join's code indexes without checks.
  const size_t slots = s->alive.size();
  bool ok = s->key_offsets.size() == slots + 1 && s->key_offsets.front() == 0 &&
            static_cast<uint64_t>(s->key_offsets.back()) == s->key_bytes.size() &&
            s->key_hash.size() == slots && s->row_hash.size() == slots && s->prev.size() == slots &&
            s->next.size() == slots && s->match_count.size() == slots && s->expire_at.size() == slots &&
            s->live_rows >= 0 && static_cast<uint64_t>(s->live_rows) <= slots &&
            (s->table.size() & (s->table.size() - 1)) == 0 && s->table_used >= 0 &&
            (s->table.empty() ? s->table_used == 0 : static_cast<uint64_t>(s->table_used) < s->table.size());
  for (const auto& c : s->columns) ok = ok && static_cast<size_t>(c->length()) == slots;
  for (size_t i = 0; ok && i < slots; ++i) {
    ok = s->key_offsets[i] <= s->key_offsets[i + 1] && RowRef(s->prev[i], slots) && RowRef(s->next[i], slots);
  }
  for (const JoinKeyEntry& e : s->table) {
    ok = ok && RowRef(e.key_row, slots) && RowRef(e.head, slots) && RowRef(e.tail, slots);
  }
  for (const auto& [at, row] : s->expiry_heap) ok = ok && row >= 0 && static_cast<size_t>(row) < slots;
  if (!ok) return in->Corrupt("the join state does not match its query");
  return Status::OK();
}

}  // namespace

Status HashJoin::Snapshot(StateWriter* out) const {
  out->WriteTag("HashJoin");
  if (spill_ && spill_->has_spilled()) {
    // Every row, spilled or not, in the memory backend's format.
    HashJoinState full;
    SLUICE_RETURN_NOT_OK(spill_->AddSpilledRows(state_, &full));
    WriteSide(full.left, out);
    WriteSide(full.right, out);
    out->WriteI64(full.watermark);
    return Status::OK();
  }
  WriteSide(state_.left, out);
  WriteSide(state_.right, out);
  out->WriteI64(state_.watermark);
  return Status::OK();
}

Status HashJoin::Restore(StateReader* in) {
  SLUICE_RETURN_NOT_OK(in->ExpectTag("HashJoin"));
  HashJoinState s;
  SLUICE_RETURN_NOT_OK(ReadSide(*schema_[0], in, &s.left));
  SLUICE_RETURN_NOT_OK(ReadSide(*schema_[1], in, &s.right));
  SLUICE_RETURN_NOT_OK(in->ReadI64(&s.watermark));
  state_ = std::move(s);
  if (!spill_) return Status::OK();
  // Restored into memory; spill again at once when that is over the budget.
  spill_->Reset();
  return spill_->AfterChange(&state_);
}

}  // namespace sluice::stream
