#include "stream/aggregate_state.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/hash.h"

namespace sluice::stream {

namespace {

using sql::AggregateKind;

// Calls f(i) for every row that counts: FILTER is TRUE and the argument is not NULL.
template <typename F>
void ForCountedRows(const Column* arg, const Column* filter, int64_t n, F&& f) {
  const uint8_t* fv = filter != nullptr ? filter->values<uint8_t>() : nullptr;
  const bool filter_nulls = filter != nullptr && filter->has_nulls();
  const bool arg_nulls = arg != nullptr && arg->has_nulls();
  for (int64_t i = 0; i < n; ++i) {
    if (fv != nullptr && (!fv[i] || (filter_nulls && filter->IsNull(i)))) continue;
    if (arg_nulls && arg->IsNull(i)) continue;
    f(i);
  }
}

template <typename T>
void SumLoop(const Column& arg, const Column* filter, const int32_t* gid, AccumulatorColumn* a) {
  const T* v = arg.values<T>();
  ForCountedRows(&arg, filter, arg.length(), [&](int64_t i) {
    const int32_t g = gid[i];
    ++a->count[g];
    if constexpr (std::is_same_v<T, double>) {
      a->dsum[g] += v[i];
    } else {
      a->isum[g] += v[i];
    }
  });
}

template <typename T, bool kMin>
void MinMaxLoop(const Column& arg, const Column* filter, const int32_t* gid,
                AccumulatorColumn* a) {
  const T* v = arg.values<T>();
  ForCountedRows(&arg, filter, arg.length(), [&](int64_t i) {
    const int32_t g = gid[i];
    if constexpr (std::is_same_v<T, double>) {
      const double x = v[i];
      if (a->count[g]++ == 0 || (kMin ? x < a->dval[g] : x > a->dval[g])) a->dval[g] = x;
    } else {
      const int64_t x = static_cast<int64_t>(v[i]);
      if (a->count[g]++ == 0 || (kMin ? x < a->ival[g] : x > a->ival[g])) a->ival[g] = x;
    }
  });
}

template <bool kMin>
void MinMaxString(const Column& arg, const Column* filter, const int32_t* gid,
                  AccumulatorColumn* a) {
  ForCountedRows(&arg, filter, arg.length(), [&](int64_t i) {
    const int32_t g = gid[i];
    const std::string_view x = arg.GetString(i);
    if (a->count[g]++ == 0 || (kMin ? x < a->sval[g] : x > a->sval[g])) {
      std::string& s = a->sval[g];
      const int64_t before = StringHeapBytes(s);
      s.assign(x);
      a->heap_bytes += StringHeapBytes(s) - before;
    }
  });
}

template <bool kMin>
void MinMax(const Column& arg, const Column* filter, const int32_t* gid, AccumulatorColumn* a) {
  switch (arg.type().id) {
    case TypeId::kBoolean: MinMaxLoop<uint8_t, kMin>(arg, filter, gid, a); break;
    case TypeId::kInt32:
    case TypeId::kDate: MinMaxLoop<int32_t, kMin>(arg, filter, gid, a); break;
    case TypeId::kDouble: MinMaxLoop<double, kMin>(arg, filter, gid, a); break;
    case TypeId::kVarchar: MinMaxString<kMin>(arg, filter, gid, a); break;
    default: MinMaxLoop<int64_t, kMin>(arg, filter, gid, a); break;
  }
}

std::string_view CellBytes(const Column& c, int64_t i, int width) {
  if (c.type().IsVarLength()) return c.GetString(i);
  return {reinterpret_cast<const char*>(c.values<uint8_t>() + i * width),
          static_cast<size_t>(width)};
}

constexpr int kHllRegisters = sql::kHllRegisters;

void HllAdd(uint8_t* registers, std::string_view bytes) {
  const uint64_t h = HashBytes(bytes.data(), bytes.size());
  const uint64_t index = h >> (64 - sql::kHllPrecision);
  const uint64_t rest = h << sql::kHllPrecision;
  // Position of the first 1 bit in the remaining 64 - p bits (1-based).
  const int rank = rest == 0 ? 64 - sql::kHllPrecision + 1 : std::countl_zero(rest) + 1;
  if (registers[index] < rank) registers[index] = static_cast<uint8_t>(rank);
}

// Calls f(i) for every row that counts (as ForCountedRows) until f returns false;
// returns that row, or -1.
template <typename F>
int64_t ForCountedRowsUntil(const Column* arg, const Column* filter, int64_t n, F&& f) {
  const uint8_t* fv = filter != nullptr ? filter->values<uint8_t>() : nullptr;
  const bool filter_nulls = filter != nullptr && filter->has_nulls();
  const bool arg_nulls = arg != nullptr && arg->has_nulls();
  for (int64_t i = 0; i < n; ++i) {
    if (fv != nullptr && (!fv[i] || (filter_nulls && filter->IsNull(i)))) continue;
    if (arg_nulls && arg->IsNull(i)) continue;
    if (!f(i)) return i;
  }
  return -1;
}

// Adds sign (+1/-1) to map[key], erasing it at 0; false when a retraction finds no key.
// Keeps *bytes (AccumulatorColumn::heap_bytes) up to date.
template <typename Map, typename Key>
bool AddToMultiset(Map& map, const Key& key, int8_t sign, int64_t* bytes) {
  auto it = map.find(key);
  if (sign > 0) {
    if (it == map.end()) {
      map.emplace(key, 1);
      *bytes += EntryBytes(key);
    } else {
      ++it->second;
    }
    return true;
  }
  if (it == map.end()) return false;
  if (--it->second == 0) {
    map.erase(it);
    *bytes -= EntryBytes(key);
  }
  return true;
}

template <typename T>
int64_t SignedSumLoop(const Column& arg, const Column* filter, const int32_t* gid,
                      const int8_t* sign, AccumulatorColumn* a) {
  const T* v = arg.values<T>();
  return ForCountedRowsUntil(&arg, filter, arg.length(), [&](int64_t i) {
    const int32_t g = gid[i];
    if ((a->count[g] += sign[i]) < 0) return false;
    if constexpr (std::is_same_v<T, double>) {
      a->dsum[g] += sign[i] > 0 ? v[i] : -v[i];
      if (a->count[g] == 0) a->dsum[g] = 0;  // no drift left behind by rounding
    } else {
      a->isum[g] += sign[i] > 0 ? Int128{v[i]} : -Int128{v[i]};
    }
    return true;
  });
}

template <typename T>
int64_t SignedMinMaxLoop(const Column& arg, const Column* filter, const int32_t* gid,
                         const int8_t* sign, AccumulatorColumn* a) {
  const T* v = arg.values<T>();
  return ForCountedRowsUntil(&arg, filter, arg.length(), [&](int64_t i) {
    const int32_t g = gid[i];
    if ((a->count[g] += sign[i]) < 0) return false;
    if constexpr (std::is_same_v<T, double>) {
      return AddToMultiset(a->dmulti[g], v[i], sign[i], &a->heap_bytes);
    } else {
      return AddToMultiset(a->imulti[g], static_cast<int64_t>(v[i]), sign[i], &a->heap_bytes);
    }
  });
}

int64_t SignedMinMax(const Column& arg, const Column* filter, const int32_t* gid,
                     const int8_t* sign, AccumulatorColumn* a) {
  switch (arg.type().id) {
    case TypeId::kBoolean: return SignedMinMaxLoop<uint8_t>(arg, filter, gid, sign, a);
    case TypeId::kInt32:
    case TypeId::kDate: return SignedMinMaxLoop<int32_t>(arg, filter, gid, sign, a);
    case TypeId::kDouble: return SignedMinMaxLoop<double>(arg, filter, gid, sign, a);
    case TypeId::kVarchar:
      return ForCountedRowsUntil(&arg, filter, arg.length(), [&](int64_t i) {
        const int32_t g = gid[i];
        if ((a->count[g] += sign[i]) < 0) return false;
        return AddToMultiset(a->smulti[g], arg.GetString(i), sign[i], &a->heap_bytes);
      });
    default: return SignedMinMaxLoop<int64_t>(arg, filter, gid, sign, a);
  }
}

// The inline key of a fixed-width value (see distinct_set.h): its bytes, zero-extended.
template <typename T>
uint64_t KeyOf(T v) {
  if constexpr (std::is_same_v<T, double>) {
    return DoubleKey(v);
  } else if constexpr (std::is_same_v<T, int32_t>) {
    return static_cast<uint32_t>(v);
  } else {
    return static_cast<uint64_t>(v);
  }
}

template <typename T, typename F>
int64_t InlineValues(const Column& arg, const Column* filter, F&& f) {
  const T* v = arg.values<T>();
  return ForCountedRowsUntil(&arg, filter, arg.length(),
                             [&](int64_t i) { return f(i, KeyOf(v[i])); });
}

// Append-only count(DISTINCT) of inline values: inserts each counted row's key into its
// group's set, prefetching the slot of the row kAhead rows on (the sets of many groups
// do not stay in cache, so the probes would otherwise wait on memory one by one).
template <typename T>
void InsertInlineValues(const Column& arg, const Column* filter, const int32_t* gid,
                        AccumulatorColumn* a) {
  constexpr int64_t kAhead = 8;
  const T* v = arg.values<T>();
  const int64_t n = arg.length();
  DistinctSet* sets = a->distinct.data();
  ForCountedRows(&arg, filter, n, [&](int64_t i) {
    if (i + kAhead < n) sets[gid[i + kAhead]].Prefetch(KeyOf(v[i + kAhead]));
    sets[gid[i]].Insert(KeyOf(v[i]), &a->heap_bytes);
  });
}

// Calls f(i, key) for every counted row i until f returns false (returns that row, or
// -1); key is the row's inline key (uint64_t), or its bytes (std::string_view) for
// VARCHAR and INTERVAL. The type is dispatched once, outside the loop.
template <typename F>
int64_t ForDistinctValues(const Column& arg, const Column* filter, F&& f) {
  switch (arg.type().id) {
    case TypeId::kBoolean: return InlineValues<uint8_t>(arg, filter, f);
    case TypeId::kInt32:
    case TypeId::kDate: return InlineValues<int32_t>(arg, filter, f);
    case TypeId::kDouble: return InlineValues<double>(arg, filter, f);
    case TypeId::kInt64:
    case TypeId::kDecimal:
    case TypeId::kTimestamp: return InlineValues<int64_t>(arg, filter, f);
    case TypeId::kVarchar:
    case TypeId::kInterval: break;
  }
  const int width = arg.type().ByteWidth();
  return ForCountedRowsUntil(&arg, filter, arg.length(),
                             [&](int64_t i) { return f(i, CellBytes(arg, i, width)); });
}

template <typename T>
void CompactVector(std::vector<T>* v, const std::vector<int32_t>& keep) {
  if (v->empty()) return;
  for (size_t j = 0; j < keep.size(); ++j) {
    if (static_cast<size_t>(keep[j]) != j) (*v)[j] = std::move((*v)[static_cast<size_t>(keep[j])]);
  }
  v->resize(keep.size());
  v->shrink_to_fit();
}

}  // namespace

int64_t HllEstimate(const uint8_t* registers) {
  double sum = 0;
  int zeros = 0;
  for (int r = 0; r < kHllRegisters; ++r) {
    sum += std::ldexp(1.0, -static_cast<int>(registers[r]));
    zeros += registers[r] == 0;
  }
  const double m = kHllRegisters;
  double estimate = 0.7213 / (1.0 + 1.079 / m) * m * m / sum;
  // Small cardinalities: linear counting over the empty registers is more accurate.
  if (estimate <= 2.5 * m && zeros > 0) estimate = m * std::log(m / zeros);
  return static_cast<int64_t>(std::llround(estimate));
}

void AccumulatorColumn::AddGroup(const sql::AggregateInput& spec) {
  count.push_back(0);
  switch (spec.kind) {
    case AggregateKind::kCountStar:
    case AggregateKind::kCount: break;
    case AggregateKind::kCountDistinct:
      SetDistinctMode(spec);
      if (retractable) {
        distinct_counts.emplace_back();
      } else {
        distinct.emplace_back();
      }
      break;
    case AggregateKind::kApproxCountDistinct: hll.resize(hll.size() + kHllRegisters, 0); break;
    case AggregateKind::kSum:
    case AggregateKind::kAvg:
      isum.push_back(0);
      dsum.push_back(0);
      break;
    case AggregateKind::kMin:
    case AggregateKind::kMax:
      if (retractable) {
        if (spec.arg_type.id == TypeId::kVarchar) {
          smulti.emplace_back();
        } else if (spec.arg_type.id == TypeId::kDouble) {
          dmulti.emplace_back();
        } else {
          imulti.emplace_back();
        }
      } else if (spec.arg_type.id == TypeId::kVarchar) {
        sval.emplace_back();
      } else if (spec.arg_type.id == TypeId::kDouble) {
        dval.push_back(0);
      } else {
        ival.push_back(0);
      }
      break;
  }
}

void AccumulatorColumn::SetDistinctMode(const sql::AggregateInput& spec) {
  const int width = spec.arg_type.ByteWidth();
  distinct_width = spec.arg_type.IsVarLength() || width > 8 ? 0 : width;
  distinct_double = spec.arg_type.id == TypeId::kDouble;
}

void AccumulatorColumn::Accumulate(const sql::AggregateInput& spec, const RecordBatch& prepared,
                                   const int32_t* gid) {
  const int64_t n = prepared.num_rows();
  const Column* arg = spec.arg_column >= 0 ? &prepared.column(spec.arg_column) : nullptr;
  const Column* filter = spec.filter_column >= 0 ? &prepared.column(spec.filter_column) : nullptr;
  switch (spec.kind) {
    case AggregateKind::kCountStar:
    case AggregateKind::kCount:
      ForCountedRows(arg, filter, n, [&](int64_t i) { ++count[gid[i]]; });
      break;
    case AggregateKind::kCountDistinct:
      switch (arg->type().id) {
        case TypeId::kBoolean: InsertInlineValues<uint8_t>(*arg, filter, gid, this); return;
        case TypeId::kInt32:
        case TypeId::kDate: InsertInlineValues<int32_t>(*arg, filter, gid, this); return;
        case TypeId::kDouble: InsertInlineValues<double>(*arg, filter, gid, this); return;
        case TypeId::kInt64:
        case TypeId::kDecimal:
        case TypeId::kTimestamp: InsertInlineValues<int64_t>(*arg, filter, gid, this); return;
        case TypeId::kVarchar:
        case TypeId::kInterval: break;
      }
      ForDistinctValues(*arg, filter, [&](int64_t i, auto key) {
        if constexpr (std::is_same_v<decltype(key), uint64_t>) {
          distinct[gid[i]].Insert(key, &heap_bytes);
        } else {
          distinct[gid[i]].InsertBytes(key, &heap_bytes);
        }
        return true;
      });
      break;
    case AggregateKind::kSum:
    case AggregateKind::kAvg:
      switch (arg->type().id) {
        case TypeId::kInt32: SumLoop<int32_t>(*arg, filter, gid, this); break;
        case TypeId::kDouble: SumLoop<double>(*arg, filter, gid, this); break;
        default: SumLoop<int64_t>(*arg, filter, gid, this); break;  // INT64, DECIMAL
      }
      break;
    case AggregateKind::kMin: MinMax<true>(*arg, filter, gid, this); break;
    case AggregateKind::kMax: MinMax<false>(*arg, filter, gid, this); break;
    case AggregateKind::kApproxCountDistinct: {
      const int width = arg->type().ByteWidth();
      uint8_t* regs = hll.data();
      ForCountedRows(arg, filter, n, [&](int64_t i) {
        HllAdd(regs + static_cast<size_t>(gid[i]) * kHllRegisters, CellBytes(*arg, i, width));
      });
      break;
    }
  }
}

int64_t AccumulatorColumn::AccumulateSigned(const sql::AggregateInput& spec,
                                            const RecordBatch& prepared, const int32_t* gid,
                                            const int8_t* sign) {
  const int64_t n = prepared.num_rows();
  const Column* arg = spec.arg_column >= 0 ? &prepared.column(spec.arg_column) : nullptr;
  const Column* filter = spec.filter_column >= 0 ? &prepared.column(spec.filter_column) : nullptr;
  switch (spec.kind) {
    case AggregateKind::kCountStar:
    case AggregateKind::kCount:
      return ForCountedRowsUntil(arg, filter, n,
                                 [&](int64_t i) { return (count[gid[i]] += sign[i]) >= 0; });
    case AggregateKind::kCountDistinct:
      return ForDistinctValues(*arg, filter, [&](int64_t i, auto key) {
        DistinctCounts& set = distinct_counts[gid[i]];
        if constexpr (std::is_same_v<decltype(key), uint64_t>) {
          if (sign[i] < 0) return set.Retract(key, &heap_bytes);
          set.Insert(key, &heap_bytes);
        } else {
          if (sign[i] < 0) return set.RetractBytes(key, &heap_bytes);
          set.InsertBytes(key, &heap_bytes);
        }
        return true;
      });
    case AggregateKind::kSum:
    case AggregateKind::kAvg:
      switch (arg->type().id) {
        case TypeId::kInt32: return SignedSumLoop<int32_t>(*arg, filter, gid, sign, this);
        case TypeId::kDouble: return SignedSumLoop<double>(*arg, filter, gid, sign, this);
        default: return SignedSumLoop<int64_t>(*arg, filter, gid, sign, this);
      }
    case AggregateKind::kMin:
    case AggregateKind::kMax: return SignedMinMax(*arg, filter, gid, sign, this);
    case AggregateKind::kApproxCountDistinct: {
      const int width = arg->type().ByteWidth();
      uint8_t* regs = hll.data();
      return ForCountedRowsUntil(arg, filter, n, [&](int64_t i) {
        if (sign[i] < 0) return false;  // a sketch cannot forget a value
        HllAdd(regs + static_cast<size_t>(gid[i]) * kHllRegisters, CellBytes(*arg, i, width));
        return true;
      });
    }
  }
  return -1;
}

void AccumulatorColumn::ReleaseGroup(int32_t g) {
  const size_t i = static_cast<size_t>(g);
  if (i < distinct_counts.size()) distinct_counts[i].Clear(&heap_bytes);
  if (i < dsum.size()) dsum[i] = 0;
}

void AccumulatorColumn::Compact(const std::vector<int32_t>& keep) {
  CompactVector(&count, keep);
  CompactVector(&isum, keep);
  CompactVector(&dsum, keep);
  CompactVector(&ival, keep);
  CompactVector(&dval, keep);
  CompactVector(&sval, keep);
  CompactVector(&distinct, keep);
  CompactVector(&imulti, keep);
  CompactVector(&dmulti, keep);
  CompactVector(&smulti, keep);
  CompactVector(&distinct_counts, keep);
  if (!hll.empty()) {
    for (size_t j = 0; j < keep.size(); ++j) {
      std::memmove(hll.data() + j * kHllRegisters,
                   hll.data() + static_cast<size_t>(keep[j]) * kHllRegisters, kHllRegisters);
    }
    hll.resize(keep.size() * kHllRegisters);
    hll.shrink_to_fit();
  }
}

int64_t AccumulatorColumn::GroupHeapBytes(int32_t g) const {
  const size_t i = static_cast<size_t>(g);
  int64_t b = 0;
  if (i < sval.size()) b += StringHeapBytes(sval[i]);
  if (i < distinct.size()) b += distinct[i].HeapBytes();
  if (i < imulti.size()) b += static_cast<int64_t>(imulti[i].size()) * EntryBytes(int64_t{0});
  if (i < dmulti.size()) b += static_cast<int64_t>(dmulti[i].size()) * EntryBytes(0.0);
  if (i < smulti.size()) {
    for (const auto& e : smulti[i]) b += EntryBytes(std::string_view(e.first));
  }
  if (i < distinct_counts.size()) b += distinct_counts[i].HeapBytes();
  return b;
}

void AccumulatorColumn::RecountHeapBytes() {
  heap_bytes = 0;
  for (size_t g = 0; g < count.size(); ++g) heap_bytes += GroupHeapBytes(static_cast<int32_t>(g));
}

int64_t AccumulatorColumn::MemoryBytes() const {
  const auto cap = [](const auto& v) {
    using T = typename std::decay_t<decltype(v)>::value_type;
    return static_cast<int64_t>(v.capacity() * sizeof(T));
  };
  return cap(count) + cap(isum) + cap(dsum) + cap(ival) + cap(dval) + cap(sval) + cap(distinct) +
         cap(imulti) + cap(dmulti) + cap(smulti) + cap(distinct_counts) + cap(hll) + heap_bytes;
}

Status AccumulatorColumn::AppendResults(const sql::AggregateInput& spec,
                                        const std::vector<int32_t>& groups, Column* out) const {
  // The counts (never NULL): one bulk resize, then a plain loop per kind.
  const auto append_counts = [&](auto&& value_of) {
    const int64_t start = out->length();
    out->ResizeFixed(start + static_cast<int64_t>(groups.size()));
    int64_t* v = out->mutable_values<int64_t>() + start;
    for (size_t j = 0; j < groups.size(); ++j) v[j] = value_of(groups[j]);
  };
  switch (spec.kind) {
    case AggregateKind::kCountStar:
    case AggregateKind::kCount: append_counts([&](int32_t g) { return count[g]; }); break;
    case AggregateKind::kCountDistinct:
      if (retractable) {
        append_counts([&](int32_t g) { return distinct_counts[g].size(); });
      } else {
        append_counts([&](int32_t g) { return distinct[g].size(); });
      }
      break;
    case AggregateKind::kApproxCountDistinct:
      append_counts([&](int32_t g) {
        return HllEstimate(hll.data() + static_cast<size_t>(g) * kHllRegisters);
      });
      break;
    default: return AppendValueResults(spec, groups, out);
  }
  return Status::OK();
}

Status AccumulatorColumn::AppendValueResults(const sql::AggregateInput& spec,
                                             const std::vector<int32_t>& groups,
                                             Column* out) const {
  for (const int32_t g : groups) {
    if (count[g] == 0) {
      out->AppendNull();
      continue;
    }
    const bool is_double_arg = spec.arg_type.id == TypeId::kDouble;
    switch (spec.kind) {
      case AggregateKind::kSum:
        if (is_double_arg) {
          out->Append<double>(dsum[g]);
        } else {
          const Int128 s = isum[g];
          const Int128 limit = spec.type.id == TypeId::kDecimal
                                   ? Int128{Pow10(spec.type.precision)} - 1
                                   : Int128{std::numeric_limits<int64_t>::max()};
          if (s > limit || s < -limit - (spec.type.id == TypeId::kDecimal ? 0 : 1)) {
            return Status::OutOfRange(spec.text + " is out of range for " + spec.type.ToString());
          }
          out->Append<int64_t>(static_cast<int64_t>(s));
        }
        break;
      case AggregateKind::kAvg: {
        double sum = is_double_arg ? dsum[g] : static_cast<double>(isum[g]);
        if (spec.arg_type.id == TypeId::kDecimal) {
          sum /= static_cast<double>(Pow10(spec.arg_type.scale));
        }
        out->Append<double>(sum / static_cast<double>(count[g]));
        break;
      }
      default: {  // min, max
        if (spec.arg_type.id == TypeId::kVarchar) {
          if (!retractable) {
            out->AppendString(sval[g]);
          } else if (spec.kind == AggregateKind::kMin) {
            out->AppendString(smulti[g].begin()->first);
          } else {
            out->AppendString(smulti[g].rbegin()->first);
          }
          break;
        }
        if (spec.arg_type.id == TypeId::kDouble) {
          if (!retractable) {
            out->Append<double>(dval[g]);
          } else {
            out->Append<double>(spec.kind == AggregateKind::kMin ? dmulti[g].begin()->first
                                                                 : dmulti[g].rbegin()->first);
          }
          break;
        }
        const int64_t v = !retractable                      ? ival[g]
                          : spec.kind == AggregateKind::kMin ? imulti[g].begin()->first
                                                             : imulti[g].rbegin()->first;
        switch (spec.arg_type.id) {
          case TypeId::kBoolean: out->Append<uint8_t>(static_cast<uint8_t>(v)); break;
          case TypeId::kInt32:
          case TypeId::kDate: out->Append<int32_t>(static_cast<int32_t>(v)); break;
          default: out->Append<int64_t>(v); break;
        }
        break;
      }
    }
  }
  return Status::OK();
}

}  // namespace sluice::stream
