#include "stream/over_aggregate.h"

#include "stream/row_slots.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/hash.h"

namespace sluice::stream {

namespace {

using warehouse::ChangeOp;


constexpr uint8_t kNotNull = 1;
constexpr uint64_t kSignBit = uint64_t{1} << 63;
constexpr int32_t kEmpty = -1;
constexpr int32_t kDeleted = -2;

uint8_t NullRank(bool nulls_first) { return nulls_first ? 0 : 2; }


int64_t DoubleBits(double d) {
  int64_t bits = 0;
  std::memcpy(&bits, &d, sizeof(bits));
  return bits;
}

// Doubles to int64 with the same order: -0 = 0, every NaN equal and above +inf.
int64_t DoubleOrderKey(double d) {
  if (d == 0) d = 0;
  if (d != d) d = std::numeric_limits<double>::quiet_NaN();
  uint64_t bits = static_cast<uint64_t>(DoubleBits(d));
  bits = (bits & kSignBit) ? ~bits : (bits | kSignBit);
  return static_cast<int64_t>(bits ^ kSignBit);
}

// The first 8 bytes, big-endian and zero-padded (equal prefixes are compared in full).
int64_t StringPrefixKey(std::string_view s) {
  uint64_t prefix = 0;
  const size_t len = std::min<size_t>(s.size(), 8);
  for (size_t b = 0; b < 8; ++b) prefix = (prefix << 8) | (b < len ? static_cast<uint8_t>(s[b]) : 0u);
  return static_cast<int64_t>(prefix ^ kSignBit);
}

// Appends `col`'s values widened to int64 (doubles as `double_bits` says).
void AppendWidened(const Column& col, bool order_key, std::vector<int64_t>* out) {
  const int64_t n = col.length();
  const size_t base = out->size();
  out->resize(base + static_cast<size_t>(n));
  int64_t* v = out->data() + base;
  switch (col.type().id) {
    case TypeId::kBoolean:
      for (int64_t i = 0; i < n; ++i) v[i] = col.values<uint8_t>()[i];
      break;
    case TypeId::kInt32:
    case TypeId::kDate:
      for (int64_t i = 0; i < n; ++i) v[i] = col.values<int32_t>()[i];
      break;
    case TypeId::kDouble:
      for (int64_t i = 0; i < n; ++i) {
        const double d = col.values<double>()[i];
        v[i] = order_key ? DoubleOrderKey(d) : DoubleBits(d);
      }
      break;
    case TypeId::kVarchar:
      for (int64_t i = 0; i < n; ++i) v[i] = StringPrefixKey(col.GetString(i));
      break;
    default:  // INT64, DECIMAL, TIMESTAMP
      for (int64_t i = 0; i < n; ++i) v[i] = col.values<int64_t>()[i];
      break;
  }
}

bool OrderKeyType(TypeId id) { return id != TypeId::kInterval; }

bool ArgType(TypeId id) { return id != TypeId::kInterval && id != TypeId::kVarchar; }

}  // namespace

const char* OverFunctionName(OverFunction f) {
  switch (f) {
    case OverFunction::kCountStar:
    case OverFunction::kCount: return "count";
    case OverFunction::kSum: return "sum";
    case OverFunction::kAvg: return "avg";
    case OverFunction::kMin: return "min";
    case OverFunction::kMax: return "max";
  }
  return "?";
}

Result<std::unique_ptr<OverAggregate>> OverAggregate::Make(OverAggregateOptions options) {
  if (options.input_schema == nullptr) return Status::Invalid("OVER aggregate: no input schema");
  const Schema& in = *options.input_schema;
  const int cols = in.num_fields();
  auto range = [&](int c, const char* what) -> Status {
    if (c >= 0 && c < cols) return Status::OK();
    return Status::Invalid(std::string("OVER aggregate: ") + what + " column " + std::to_string(c) +
                           " is out of range (the input has " + std::to_string(cols) + " columns)");
  };
  for (const int c : options.partition_keys) SLUICE_RETURN_NOT_OK(range(c, "partition key"));
  if (options.order.empty()) return Status::Invalid("OVER aggregate: ORDER BY needs at least one key");
  for (const OverAggregateOptions::Order& o : options.order) {
    SLUICE_RETURN_NOT_OK(range(o.column, "order key"));
    if (!OrderKeyType(in.field(o.column).type.id)) {
      return Status::Invalid("OVER aggregate: cannot order by " + in.field(o.column).type.ToString());
    }
  }
  if (options.preceding < -1) {
    return Status::Invalid("OVER aggregate: preceding must be -1 (UNBOUNDED) or >= 0, got " +
                           std::to_string(options.preceding));
  }
  if (options.range_peers && options.preceding != -1) {
    return Status::Invalid("OVER aggregate: a RANGE frame must start at UNBOUNDED PRECEDING");
  }
  if (options.aggregates.empty()) return Status::Invalid("OVER aggregate: no aggregate");
  std::vector<Field> fields = in.fields();
  for (const OverAggregateOptions::Aggregate& a : options.aggregates) {
    DataType type = DataType::Int64();
    bool nullable = true;
    if (a.function == OverFunction::kCountStar) {
      nullable = false;
    } else {
      SLUICE_RETURN_NOT_OK(range(a.arg_column, "argument"));
      const DataType t = in.field(a.arg_column).type;
      if (!ArgType(t.id)) {
        return Status::Invalid(std::string("OVER aggregate: ") + OverFunctionName(a.function) + "() of " +
                               t.ToString() + " is not supported over a window frame");
      }
      const bool numeric = t.id == TypeId::kInt32 || t.id == TypeId::kInt64 ||
                           t.id == TypeId::kDecimal || t.id == TypeId::kDouble;
      switch (a.function) {
        case OverFunction::kCountStar:
        case OverFunction::kCount: nullable = false; break;
        case OverFunction::kSum:
          if (!numeric) return Status::Invalid("OVER aggregate: sum() of " + t.ToString());
          type = t.id == TypeId::kDouble    ? DataType::Double()
                 : t.id == TypeId::kDecimal ? DataType::Decimal(18, t.scale)
                                            : DataType::Int64();
          break;
        case OverFunction::kAvg:
          if (!numeric) return Status::Invalid("OVER aggregate: avg() of " + t.ToString());
          type = DataType::Double();
          break;
        case OverFunction::kMin:
        case OverFunction::kMax: type = t; break;
      }
    }
    if (a.name.empty()) return Status::Invalid("OVER aggregate: an aggregate has no name");
    for (const Field& f : fields) {
      if (f.name == a.name) {
        return Status::Invalid("OVER aggregate: the output column '" + a.name +
                               "' has the name of another column; choose another alias");
      }
    }
    fields.push_back(Field{a.name, type, nullable});
  }
  SchemaPtr out_schema = MakeSchema(std::move(fields));
  return std::unique_ptr<OverAggregate>(new OverAggregate(std::move(options), std::move(out_schema)));
}

OverAggregate::OverAggregate(OverAggregateOptions options, SchemaPtr output_schema)
    : options_(std::move(options)), output_schema_(std::move(output_schema)) {
  const Schema& in = *options_.input_schema;
  for (const Field& f : in.fields()) state_.rows.emplace_back(f.type);
  state_.table.assign(64, kEmpty);
  state_.order_keys.resize(options_.order.size());
  state_.order_null_ranks.resize(options_.order.size());
  for (const OverAggregateOptions::Order& o : options_.order) {
    exact_.push_back(in.field(o.column).type.id == TypeId::kVarchar);
  }
  const size_t aggs = options_.aggregates.size();
  state_.args.resize(aggs);
  state_.arg_valid.resize(aggs);
  state_.emitted_value.resize(aggs);
  state_.emitted_valid.resize(aggs);
  change_value_.resize(aggs);
  change_valid_.resize(aggs);
  new_value_.resize(aggs);
  new_valid_.resize(aggs);
  accs_.resize(aggs);
  for (size_t a = 0; a < aggs; ++a) {
    const OverAggregateOptions::Aggregate& spec = options_.aggregates[a];
    const DataType arg = spec.arg_column >= 0 ? in.field(spec.arg_column).type : DataType::Int64();
    const DataType result = output_schema_->field(in.num_fields() + static_cast<int>(a)).type;
    double_arg_.push_back(arg.id == TypeId::kDouble);
    result_types_.push_back(result);
    sum_limit_.push_back(result.id == TypeId::kDecimal ? Pow10(18) - 1
                                                        : std::numeric_limits<int64_t>::max());
    avg_divisor_.push_back(arg.id == TypeId::kDecimal ? static_cast<double>(Pow10(arg.scale)) : 1.0);
  }
}

Status OverAggregate::CheckSchema(const RecordBatch& input) const {
  const Schema& in = *options_.input_schema;
  bool same = input.num_columns() == in.num_fields();
  for (int c = 0; same && c < in.num_fields(); ++c) same = input.column(c).type() == in.field(c).type;
  if (same) return Status::OK();
  return Status::Internal("OVER aggregate: an input batch has columns (" +
                          input.schema()->ToString() + ") but the operator was planned for (" +
                          in.ToString() + ")");
}

void OverAggregate::AppendBatch(const RecordBatch& input) {
  const int64_t n = input.num_rows();
  for (int c = 0; c < input.num_columns(); ++c) {
    state_.rows[static_cast<size_t>(c)].AppendRange(input.column(c), 0, n);
  }
  const size_t base = state_.alive.size();
  const size_t total = base + static_cast<size_t>(n);
  for (size_t k = 0; k < options_.order.size(); ++k) {
    const OverAggregateOptions::Order& o = options_.order[k];
    const Column& col = input.column(o.column);
    std::vector<int64_t>& keys = state_.order_keys[k];
    std::vector<uint8_t>& ranks = state_.order_null_ranks[k];
    AppendWidened(col, true, &keys);
    ranks.resize(total, kNotNull);
    if (o.descending) {
      for (size_t i = base; i < total; ++i) keys[i] = ~keys[i];
    }
    if (col.has_nulls()) {
      for (int64_t i = 0; i < n; ++i) {
        if (col.IsValid(i)) continue;
        keys[base + static_cast<size_t>(i)] = 0;
        ranks[base + static_cast<size_t>(i)] = NullRank(o.nulls_first);
      }
    }
  }
  for (size_t a = 0; a < options_.aggregates.size(); ++a) {
    const int c = options_.aggregates[a].arg_column;
    std::vector<int64_t>& args = state_.args[a];
    std::vector<uint8_t>& valid = state_.arg_valid[a];
    if (c < 0) {
      args.resize(total, 0);
      valid.resize(total, 1);
    } else {
      const Column& col = input.column(c);
      AppendWidened(col, false, &args);
      valid.resize(total, 1);
      if (col.has_nulls()) {
        for (int64_t i = 0; i < n; ++i) valid[base + static_cast<size_t>(i)] = col.IsValid(i);
      }
    }
    state_.emitted_value[a].resize(total, 0);
    state_.emitted_valid[a].resize(total, 0);
  }
  state_.alive.resize(total, 1);
  state_.emitted.resize(total, 0);
  dirty_.resize(total, 0);
}

bool OverAggregate::SamePartition(int32_t a, int32_t b) const {
  for (const int c : options_.partition_keys) {
    const Column& col = state_.rows[static_cast<size_t>(c)];
    if (!CellsIdentical(col, a, col, b)) return false;
  }
  return true;
}

bool OverAggregate::SameRow(int32_t a, int32_t b) const {
  for (const Column& col : state_.rows) {
    if (!CellsIdentical(col, a, col, b)) return false;
  }
  return true;
}

int OverAggregate::CompareOrder(int32_t a, int32_t b) const {
  const size_t x = static_cast<size_t>(a);
  const size_t y = static_cast<size_t>(b);
  for (size_t k = 0; k < options_.order.size(); ++k) {
    const uint8_t ra = state_.order_null_ranks[k][x];
    const uint8_t rb = state_.order_null_ranks[k][y];
    if (ra != rb) return ra < rb ? -1 : 1;
    const int64_t ka = state_.order_keys[k][x];
    const int64_t kb = state_.order_keys[k][y];
    if (ka != kb) return ka < kb ? -1 : 1;
    if (exact_[k] && ra == kNotNull) {
      const Column& col = state_.rows[static_cast<size_t>(options_.order[k].column)];
      const int r = col.GetString(a).compare(col.GetString(b));
      if (r != 0) return (r < 0) != options_.order[k].descending ? -1 : 1;
    }
  }
  return 0;
}

void OverAggregate::Rehash(size_t size) {
  state_.table.assign(size, kEmpty);
  state_.deleted_entries = 0;
  const uint64_t mask = size - 1;
  for (size_t p = 0; p < state_.lists.size(); ++p) {
    if (state_.lists[p].empty()) continue;
    uint64_t s = state_.partition_hashes[p] & mask;
    while (state_.table[s] != kEmpty) s = (s + 1) & mask;
    state_.table[s] = static_cast<int32_t>(p);
  }
}

int32_t OverAggregate::FindPartition(int32_t slot, uint64_t hash, bool add) {
  if (add && static_cast<size_t>(state_.live_partitions + state_.deleted_entries + 1) * 2 >
                 state_.table.size()) {
    const size_t size = state_.table.size();
    Rehash(static_cast<size_t>(state_.live_partitions + 1) * 4 > size ? size * 2 : size);
  }
  const uint64_t mask = state_.table.size() - 1;
  int64_t reuse = -1;
  for (uint64_t s = hash & mask;; s = (s + 1) & mask) {
    const int32_t p = state_.table[s];
    if (p == kDeleted) {
      if (reuse < 0) reuse = static_cast<int64_t>(s);
      continue;
    }
    if (p == kEmpty) {
      if (!add) return -1;
      int32_t id = 0;
      if (!state_.free_partitions.empty()) {
        id = state_.free_partitions.back();
        state_.free_partitions.pop_back();
        state_.partition_hashes[static_cast<size_t>(id)] = hash;
      } else {
        id = static_cast<int32_t>(state_.lists.size());
        state_.lists.emplace_back();
        state_.partition_hashes.push_back(hash);
        partition_dirty_.push_back(0);
      }
      if (reuse >= 0) {
        s = static_cast<uint64_t>(reuse);
        --state_.deleted_entries;
      }
      state_.table[s] = id;
      ++state_.live_partitions;
      return id;
    }
    const size_t ps = static_cast<size_t>(p);
    if (state_.partition_hashes[ps] == hash && SamePartition(state_.lists[ps][0], slot)) return p;
  }
}

void OverAggregate::FreePartition(int32_t p) {
  const size_t ps = static_cast<size_t>(p);
  const uint64_t mask = state_.table.size() - 1;
  for (uint64_t s = state_.partition_hashes[ps] & mask;; s = (s + 1) & mask) {
    if (state_.table[s] == p) {
      state_.table[s] = kDeleted;
      break;
    }
  }
  ++state_.deleted_entries;
  --state_.live_partitions;
  std::vector<int32_t>().swap(state_.lists[ps]);
  state_.free_partitions.push_back(p);
}

void OverAggregate::MarkFrom(int32_t p, size_t pos, size_t count) {
  const std::vector<int32_t>& list = state_.lists[static_cast<size_t>(p)];
  const size_t end = std::min(list.size(), pos + count);
  if (pos >= end) return;
  for (size_t k = pos; k < end; ++k) dirty_[static_cast<size_t>(list[k])] = 1;
  if (!partition_dirty_[static_cast<size_t>(p)]) {
    partition_dirty_[static_cast<size_t>(p)] = 1;
    dirty_partitions_.push_back(p);
  }
}

// RANGE frames: the peers before `pos` (rows with the order keys of `ref`) see the
// change too; marks the first of them (Recompute goes on from the first marked row).
void OverAggregate::MarkPeerStart(int32_t p, size_t pos, int32_t ref) {
  const std::vector<int32_t>& list = state_.lists[static_cast<size_t>(p)];
  while (pos > 0 && CompareOrder(list[pos - 1], ref) == 0) --pos;
  MarkFrom(p, pos, 1);
}

void OverAggregate::Insert(int32_t slot, int32_t p) {
  std::vector<int32_t>& list = state_.lists[static_cast<size_t>(p)];
  // Behind its peers: ties keep arrival order.
  size_t lo = 0;
  size_t hi = list.size();
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (CompareOrder(slot, list[mid]) < 0) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  list.insert(list.begin() + static_cast<std::ptrdiff_t>(lo), slot);
  if (options_.preceding >= 0) {
    MarkFrom(p, lo, static_cast<size_t>(options_.preceding) + 1);
  } else if (options_.range_peers) {
    MarkPeerStart(p, lo, slot);
  } else {
    MarkFrom(p, lo, 1);
  }
}

void OverAggregate::Retract(int32_t slot, int32_t p) {
  if (p < 0) {
    ++state_.ignored_retractions;
    return;
  }
  std::vector<int32_t>& list = state_.lists[static_cast<size_t>(p)];
  size_t lo = 0;
  size_t hi = list.size();
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (CompareOrder(list[mid], slot) < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  size_t j = lo;
  while (j < list.size() && CompareOrder(list[j], slot) == 0 && !SameRow(list[j], slot)) ++j;
  if (j == list.size() || CompareOrder(list[j], slot) != 0) {
    ++state_.ignored_retractions;
    return;
  }
  const int32_t target = list[j];
  const size_t ts = static_cast<size_t>(target);
  if (state_.emitted[ts]) {
    changes_.push_back({target, ChangeOp::kDelete});
    for (size_t a = 0; a < options_.aggregates.size(); ++a) {
      change_value_[a].push_back(state_.emitted_value[a][ts]);
      change_valid_[a].push_back(state_.emitted_valid[a][ts]);
    }
  }
  list.erase(list.begin() + static_cast<std::ptrdiff_t>(j));
  state_.alive[ts] = 0;
  state_.emitted[ts] = 0;
  dirty_[ts] = 0;
  ++state_.dead_rows;
  if (list.empty()) {
    FreePartition(p);
    return;
  }
  if (options_.preceding >= 0) {
    MarkFrom(p, j, static_cast<size_t>(options_.preceding));
  } else if (options_.range_peers) {
    MarkPeerStart(p, j, target);
  } else {
    MarkFrom(p, j, 1);
  }
}

void OverAggregate::Compact() {
  SlotCompaction c;
  if (!CompactSlots(&state_.alive, &state_.dead_rows, &state_.rows, &c)) return;
  for (auto& v : state_.order_keys) KeepSlots(c, &v);
  for (auto& v : state_.order_null_ranks) KeepSlots(c, &v);
  for (auto& v : state_.args) KeepSlots(c, &v);
  for (auto& v : state_.arg_valid) KeepSlots(c, &v);
  for (auto& v : state_.emitted_value) KeepSlots(c, &v);
  for (auto& v : state_.emitted_valid) KeepSlots(c, &v);
  KeepSlots(c, &state_.emitted);
  dirty_.assign(c.live.size(), 0);
  RemapSlots(c, &state_.lists);
}

Status OverAggregate::Process(const RecordBatch& input, const ChangeOp* ops, ChangeSink* out) {
  SLUICE_RETURN_NOT_OK(CheckSchema(input));
  const int64_t n = input.num_rows();
  for (int64_t i = 0; ops != nullptr && i < n; ++i) {
    if (options_.append_only_input && warehouse::IsRemoval(ops[i])) {
      return Status::NotImplemented(
          std::string("OVER aggregate: the input carries a retraction (") +
          warehouse::ChangeOpName(ops[i]) +
          ") but the operator was planned for append-only input (append_only_input)");
    }
  }
  if (n == 0) return Status::OK();
  if (static_cast<int64_t>(state_.alive.size()) + n > std::numeric_limits<int32_t>::max()) {
    return Status::OutOfRange("OVER aggregate: more than 2^31 rows in state");
  }
  changes_.clear();
  for (size_t a = 0; a < options_.aggregates.size(); ++a) {
    change_value_[a].clear();
    change_valid_[a].clear();
  }
  const int32_t base = static_cast<int32_t>(state_.alive.size());
  AppendBatch(input);
  hashes_.assign(static_cast<size_t>(n), 0);
  for (size_t k = 0; k < options_.partition_keys.size(); ++k) {
    HashColumn(input.column(options_.partition_keys[k]), hashes_.data(), k > 0);
  }
  for (int64_t i = 0; i < n; ++i) {
    const int32_t slot = base + static_cast<int32_t>(i);
    const bool removal = ops != nullptr && warehouse::IsRemoval(ops[i]);
    const int32_t p = FindPartition(slot, hashes_[static_cast<size_t>(i)], !removal);
    if (removal) {
      Retract(slot, p);
      // The retraction's own row only served to find its twin.
      state_.alive[static_cast<size_t>(slot)] = 0;
      ++state_.dead_rows;
    } else {
      Insert(slot, p);
    }
  }
  Status st;
  for (const int32_t p : dirty_partitions_) {
    if (st.ok()) st = Recompute(p);
    partition_dirty_[static_cast<size_t>(p)] = 0;
  }
  dirty_partitions_.clear();
  SLUICE_RETURN_NOT_OK(st);
  st = EmitChanges(out);
  Compact();
  return st;
}

Status OverAggregate::Apply(const RecordBatch& input, ChangeSink* out) {
  return Process(input, nullptr, out);
}

Status OverAggregate::ApplyChanges(int port, const warehouse::ChangeBatch& input, ChangeSink* out) {
  SLUICE_RETURN_NOT_OK(CheckChangeBatch("OVER aggregate", port, 1, input));
  return Process(*input.rows, input.ops.data(), out);
}

Status OverAggregate::Finish(ChangeSink* out) {
  (void)out;
  return Status::OK();
}

}  // namespace sluice::stream
