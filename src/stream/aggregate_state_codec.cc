#include "stream/aggregate_state_codec.h"

#include <bit>

#include "stream/group_aggregate.h"

namespace sluice::stream {

namespace {

void WriteStrings(const std::vector<std::string>& v, StateWriter* out) {
  out->WriteU64(v.size());
  for (const std::string& s : v) out->WriteString(s);
}

Status ReadStrings(StateReader* in, std::vector<std::string>* v) {
  uint64_t n = 0;
  SLUICE_RETURN_NOT_OK(in->ReadCount(&n, 8));
  v->resize(n);
  for (std::string& s : *v) SLUICE_RETURN_NOT_OK(in->ReadString(&s));
  return Status::OK();
}

// Per group: a map or set, written as its size then its entries.
template <typename Map, typename WriteEntry>
void WriteMaps(const std::vector<Map>& v, StateWriter* out, WriteEntry write) {
  out->WriteU64(v.size());
  for (const Map& m : v) {
    out->WriteU64(m.size());
    for (const auto& e : m) write(e);
  }
}

template <typename Map, typename ReadEntry>
Status ReadMaps(StateReader* in, std::vector<Map>* v, ReadEntry read) {
  uint64_t n = 0;
  SLUICE_RETURN_NOT_OK(in->ReadCount(&n, 8));
  v->clear();
  v->resize(n);
  for (Map& m : *v) {
    uint64_t entries = 0;
    SLUICE_RETURN_NOT_OK(in->ReadCount(&entries, 8));
    for (uint64_t i = 0; i < entries; ++i) SLUICE_RETURN_NOT_OK(read(&m));
  }
  return Status::OK();
}

template <typename Key>
Status ReadKey(StateReader* in, Key* k) {
  if constexpr (std::is_same_v<Key, std::string>) {
    return in->ReadString(k);
  } else if constexpr (std::is_same_v<Key, double>) {
    return in->ReadDouble(k);
  } else {
    return in->ReadI64(k);
  }
}

template <typename Key>
void WriteKey(StateWriter* out, const Key& k) {
  if constexpr (std::is_same_v<Key, std::string>) {
    out->WriteString(k);
  } else if constexpr (std::is_same_v<Key, double>) {
    out->WriteDouble(k);
  } else {
    out->WriteI64(k);
  }
}

// Value -> count maps (retractable min/max, count(DISTINCT)).
template <typename Map>
void WriteCounts(const std::vector<Map>& v, StateWriter* out) {
  WriteMaps(v, out, [out](const auto& e) {
    WriteKey(out, e.first);
    out->WriteI64(e.second);
  });
}

template <typename Map>
Status ReadCounts(StateReader* in, std::vector<Map>* v) {
  using Key = std::remove_cv_t<typename Map::key_type>;
  return ReadMaps(in, v, [in](Map* m) {
    Key k{};
    int64_t c = 0;
    SLUICE_RETURN_NOT_OK(ReadKey(in, &k));
    SLUICE_RETURN_NOT_OK(in->ReadI64(&c));
    if (c <= 0) return in->Corrupt("bad value count " + std::to_string(c));
    (*m)[k] = c;
    return Status::OK();
  });
}

// count(DISTINCT) sets keep the format of the node-based sets they replaced: per set its
// size, then per value its bytes as a string (an inline key's `width` low bytes), then
// in a counted set the value's count.
template <bool kCounted>
void WriteDistinct(const FlatDistinct<kCounted>& set, int width, StateWriter* out) {
  out->WriteU64(static_cast<uint64_t>(set.size()));
  const auto write = [out](std::string_view v, int64_t count) {
    out->WriteString(v);
    if constexpr (kCounted) out->WriteI64(count);
  };
  if (width > 0) {
    set.ForEach([&](uint64_t key, int64_t count) {
      write(std::string_view(reinterpret_cast<const char*>(&key), static_cast<size_t>(width)),
            count);
    });
  } else {
    set.ForEachBytes(write);
  }
}

// Reads what WriteDistinct wrote into an empty `set` of aggregate column `a`. The caller
// recounts heap bytes.
template <bool kCounted>
Status ReadDistinct(StateReader* in, const AccumulatorColumn& a, FlatDistinct<kCounted>* set) {
  uint64_t n = 0;
  SLUICE_RETURN_NOT_OK(in->ReadCount(&n, 8));
  std::string v;
  int64_t heap_bytes = 0;
  for (uint64_t i = 0; i < n; ++i) {
    SLUICE_RETURN_NOT_OK(in->ReadString(&v));
    int64_t count = 1;
    if constexpr (kCounted) {
      SLUICE_RETURN_NOT_OK(in->ReadI64(&count));
      if (count <= 0) return in->Corrupt("bad value count " + std::to_string(count));
    }
    if (a.distinct_width == 0) {
      set->AddBytes(v, count, &heap_bytes);
      continue;
    }
    if (v.size() != static_cast<size_t>(a.distinct_width)) {
      return in->Corrupt("a count(DISTINCT) value of " + std::to_string(v.size()) +
                         " bytes, expected " + std::to_string(a.distinct_width));
    }
    uint64_t key = InlineKey(v.data(), a.distinct_width);
    if (a.distinct_double) key = DoubleKey(std::bit_cast<double>(key));
    set->Add(key, count, &heap_bytes);
  }
  return Status::OK();
}

template <bool kCounted>
void WriteDistinctSets(const std::vector<FlatDistinct<kCounted>>& v, int width,
                       StateWriter* out) {
  out->WriteU64(v.size());
  for (const auto& set : v) WriteDistinct(set, width, out);
}

template <bool kCounted>
Status ReadDistinctSets(StateReader* in, const AccumulatorColumn& a,
                        std::vector<FlatDistinct<kCounted>>* v) {
  uint64_t n = 0;
  SLUICE_RETURN_NOT_OK(in->ReadCount(&n, 8));
  v->clear();
  v->resize(n);
  for (auto& set : *v) SLUICE_RETURN_NOT_OK(ReadDistinct(in, a, &set));
  return Status::OK();
}

}  // namespace

void WriteAccumulators(const AccumulatorColumn& a, StateWriter* out) {
  out->WriteTag("acc");
  out->WriteVector(a.count);
  out->WriteVector(a.isum);
  out->WriteVector(a.dsum);
  out->WriteVector(a.ival);
  out->WriteVector(a.dval);
  WriteStrings(a.sval, out);
  WriteDistinctSets(a.distinct, a.distinct_width, out);
  WriteCounts(a.imulti, out);
  WriteCounts(a.dmulti, out);
  WriteCounts(a.smulti, out);
  WriteDistinctSets(a.distinct_counts, a.distinct_width, out);
  out->WriteVector(a.hll);
}

Status ReadAccumulators(const sql::AggregateInput& spec, int32_t num_groups, StateReader* in,
                        AccumulatorColumn* a) {
  SLUICE_RETURN_NOT_OK(in->ExpectTag("acc"));
  if (spec.kind == sql::AggregateKind::kCountDistinct) a->SetDistinctMode(spec);
  SLUICE_RETURN_NOT_OK(in->ReadVector(&a->count));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&a->isum));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&a->dsum));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&a->ival));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&a->dval));
  SLUICE_RETURN_NOT_OK(ReadStrings(in, &a->sval));
  SLUICE_RETURN_NOT_OK(ReadDistinctSets(in, *a, &a->distinct));
  SLUICE_RETURN_NOT_OK(ReadCounts(in, &a->imulti));
  SLUICE_RETURN_NOT_OK(ReadCounts(in, &a->dmulti));
  SLUICE_RETURN_NOT_OK(ReadCounts(in, &a->smulti));
  SLUICE_RETURN_NOT_OK(ReadDistinctSets(in, *a, &a->distinct_counts));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&a->hll));
  // Which arrays a group uses: those a fresh group of this aggregate gets.
  AccumulatorColumn probe;
  probe.retractable = a->retractable;
  probe.AddGroup(spec);
  const size_t g = static_cast<size_t>(num_groups);
  const bool sizes_ok =
      a->count.size() == probe.count.size() * g && a->isum.size() == probe.isum.size() * g &&
      a->dsum.size() == probe.dsum.size() * g && a->ival.size() == probe.ival.size() * g &&
      a->dval.size() == probe.dval.size() * g && a->sval.size() == probe.sval.size() * g &&
      a->distinct.size() == probe.distinct.size() * g &&
      a->imulti.size() == probe.imulti.size() * g && a->dmulti.size() == probe.dmulti.size() * g &&
      a->smulti.size() == probe.smulti.size() * g &&
      a->distinct_counts.size() == probe.distinct_counts.size() * g &&
      a->hll.size() == probe.hll.size() * g;
  if (!sizes_ok) {
    return in->Corrupt("the accumulators of " + spec.text + " do not match the query (" +
                       std::to_string(num_groups) + " groups)");
  }
  a->RecountHeapBytes();
  return Status::OK();
}

namespace {

template <typename Map>
void WriteGroupCounts(const std::vector<Map>& v, size_t g, StateWriter* out) {
  if (g >= v.size()) return;
  out->WriteU64(v[g].size());
  for (const auto& e : v[g]) {
    WriteKey(out, e.first);
    out->WriteI64(e.second);
  }
}

template <typename Map>
Status ReadGroupCounts(StateReader* in, size_t g, std::vector<Map>* v) {
  if (g >= v->size()) return Status::OK();
  using Key = std::remove_cv_t<typename Map::key_type>;
  uint64_t entries = 0;
  SLUICE_RETURN_NOT_OK(in->ReadCount(&entries, 8));
  Map& m = (*v)[g];
  m.clear();
  for (uint64_t i = 0; i < entries; ++i) {
    Key k{};
    int64_t c = 0;
    SLUICE_RETURN_NOT_OK(ReadKey(in, &k));
    SLUICE_RETURN_NOT_OK(in->ReadI64(&c));
    if (c <= 0) return in->Corrupt("bad value count " + std::to_string(c));
    m[k] = c;
  }
  return Status::OK();
}

}  // namespace

void WriteGroupAccumulators(const AccumulatorColumn& a, int32_t group, StateWriter* out) {
  const size_t g = static_cast<size_t>(group);
  out->WriteI64(a.count[g]);
  if (g < a.isum.size()) out->WriteI128(a.isum[g]);
  if (g < a.dsum.size()) out->WriteDouble(a.dsum[g]);
  if (g < a.ival.size()) out->WriteI64(a.ival[g]);
  if (g < a.dval.size()) out->WriteDouble(a.dval[g]);
  if (g < a.sval.size()) out->WriteString(a.sval[g]);
  if (g < a.distinct.size()) WriteDistinct(a.distinct[g], a.distinct_width, out);
  WriteGroupCounts(a.imulti, g, out);
  WriteGroupCounts(a.dmulti, g, out);
  WriteGroupCounts(a.smulti, g, out);
  if (g < a.distinct_counts.size()) WriteDistinct(a.distinct_counts[g], a.distinct_width, out);
  if (g * sql::kHllRegisters < a.hll.size()) {
    out->Raw(a.hll.data() + g * sql::kHllRegisters, sql::kHllRegisters);
  }
}

Status ReadGroupAccumulators(StateReader* in, int32_t group, AccumulatorColumn* a) {
  const size_t g = static_cast<size_t>(group);
  SLUICE_RETURN_NOT_OK(in->ReadI64(&a->count[g]));
  if (a->count[g] < 0) return in->Corrupt("negative row count");
  if (g < a->isum.size()) SLUICE_RETURN_NOT_OK(in->ReadI128(&a->isum[g]));
  if (g < a->dsum.size()) SLUICE_RETURN_NOT_OK(in->ReadDouble(&a->dsum[g]));
  if (g < a->ival.size()) SLUICE_RETURN_NOT_OK(in->ReadI64(&a->ival[g]));
  if (g < a->dval.size()) SLUICE_RETURN_NOT_OK(in->ReadDouble(&a->dval[g]));
  if (g < a->sval.size()) SLUICE_RETURN_NOT_OK(in->ReadString(&a->sval[g]));
  // The slot is fresh from AddGroup (empty sets): heap bytes are added below.
  if (g < a->distinct.size()) SLUICE_RETURN_NOT_OK(ReadDistinct(in, *a, &a->distinct[g]));
  SLUICE_RETURN_NOT_OK(ReadGroupCounts(in, g, &a->imulti));
  SLUICE_RETURN_NOT_OK(ReadGroupCounts(in, g, &a->dmulti));
  SLUICE_RETURN_NOT_OK(ReadGroupCounts(in, g, &a->smulti));
  if (g < a->distinct_counts.size()) {
    SLUICE_RETURN_NOT_OK(ReadDistinct(in, *a, &a->distinct_counts[g]));
  }
  if (g * sql::kHllRegisters < a->hll.size()) {
    SLUICE_RETURN_NOT_OK(in->Raw(a->hll.data() + g * sql::kHllRegisters, sql::kHllRegisters));
  }
  a->heap_bytes += a->GroupHeapBytes(group);
  return Status::OK();
}

// The tag of a snapshot with spilled groups after the table (RestoreSpilled).
constexpr std::string_view kSpilledTag = "GroupAggregate+spilled";

Status GroupAggregate::Snapshot(StateWriter* out) const {
  out->WriteTag(spilled_groups_ > 0 ? kSpilledTag : "GroupAggregate");
  out->WriteBool(retractable_);
  out->WriteI32(query_->num_keys());
  out->WriteU64(state_.accumulators.size());
  out->WriteI32(state_.num_groups);
  out->WriteI32(state_.dead_groups);
  for (const Column& key : state_.keys) out->WriteColumn(key);
  out->WriteVector(state_.hashes);
  out->WriteVector(state_.slots);
  out->WriteVector(state_.visible);
  out->WriteVector(state_.row_count);
  for (const AccumulatorColumn& a : state_.accumulators) WriteAccumulators(a, out);
  if (spilled_groups_ == 0) return Status::OK();
  // Every spilled group, as stored: the snapshot holds the whole state (restorable
  // with either backend); the store is scratch space.
  out->WriteU64(static_cast<uint64_t>(spilled_groups_));
  int64_t written = 0;
  std::unique_ptr<StateBackend::Iterator> it = store_->NewIterator();
  for (; it->Valid(); it->Next()) {
    out->WriteString(it->key());
    out->WriteString(it->value());
    ++written;
  }
  SLUICE_RETURN_NOT_OK(it->status());
  if (written != spilled_groups_) {
    return Status::Internal("state store " + store_->dir() + " holds " + std::to_string(written) +
                            " groups, the GROUP BY counted " + std::to_string(spilled_groups_) +
                            " (a read error, or the directory was changed by another process)");
  }
  return Status::OK();
}

Status GroupAggregate::Restore(StateReader* in) {
  std::string tag;
  SLUICE_RETURN_NOT_OK(in->ReadString(&tag));
  const bool spilled = tag == kSpilledTag;
  if (tag != "GroupAggregate" && !spilled) {
    return in->Corrupt("expected the state of 'GroupAggregate', found '" + tag.substr(0, 64) + "'");
  }
  bool retractable = false;
  int32_t keys = 0;
  uint64_t aggregates = 0;
  SLUICE_RETURN_NOT_OK(in->ReadBool(&retractable));
  SLUICE_RETURN_NOT_OK(in->ReadI32(&keys));
  SLUICE_RETURN_NOT_OK(in->ReadU64(&aggregates));
  if (retractable != retractable_ || keys != query_->num_keys() ||
      aggregates != query_->aggregates().size()) {
    return in->Corrupt("the GROUP BY state has " + std::to_string(keys) + " keys and " +
                       std::to_string(aggregates) + " aggregates, the query " +
                       std::to_string(query_->num_keys()) + " and " +
                       std::to_string(query_->aggregates().size()));
  }
  GroupAggregateState s;
  SLUICE_RETURN_NOT_OK(in->ReadI32(&s.num_groups));
  SLUICE_RETURN_NOT_OK(in->ReadI32(&s.dead_groups));
  if (s.num_groups < 0 || s.dead_groups < 0 || s.dead_groups > s.num_groups) {
    return in->Corrupt("bad group counts");
  }
  const size_t n = static_cast<size_t>(s.num_groups);
  const Schema& frame = *query_->frame_schema();
  for (int k = 0; k < keys; ++k) {
    s.keys.emplace_back(frame.field(k).type);
    SLUICE_RETURN_NOT_OK(in->ReadColumn(frame.field(k).type, &s.keys.back()));
    if (static_cast<size_t>(s.keys.back().length()) != n) return in->Corrupt("key column length");
  }
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s.hashes));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s.slots));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s.visible));
  SLUICE_RETURN_NOT_OK(in->ReadVector(&s.row_count));
  const size_t slots = s.slots.size();
  if (s.hashes.size() != n || s.visible.size() != n ||
      s.row_count.size() != (retractable_ ? n : 0) || slots < 2 * n || slots == 0 ||
      (slots & (slots - 1)) != 0) {
    return in->Corrupt("the group table does not match its " + std::to_string(n) + " groups");
  }
  for (int32_t g : s.slots) {
    if (g < -1 || g >= s.num_groups) return in->Corrupt("bad group id in the hash table");
  }
  s.accumulators.resize(aggregates);
  for (size_t a = 0; a < aggregates; ++a) {
    s.accumulators[a].retractable = retractable_;
    SLUICE_RETURN_NOT_OK(ReadAccumulators(query_->aggregates()[a], s.num_groups, in, &s.accumulators[a]));
  }
  state_ = std::move(s);
  touch_epoch_.assign(n, 0);
  epoch_ = 0;
  store_.reset();  // the store is rebuilt from the snapshot
  spilled_groups_ = 0;
  if (spilled) SLUICE_RETURN_NOT_OK(RestoreSpilled(in));
  return MaybeEvict();
}

}  // namespace sluice::stream
