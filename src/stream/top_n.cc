#include "stream/top_n.h"

#include "stream/row_slots.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/hash.h"
#include "core/time.h"

namespace sluice::stream {

namespace {

using warehouse::ChangeOp;

__extension__ typedef __int128 Int128;

constexpr uint8_t kNotNull = 1;
constexpr uint8_t kNoKeptRow = 255;
constexpr uint64_t kSignBit = uint64_t{1} << 63;
constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000000;

uint8_t NullRank(bool nulls_first) { return nulls_first ? 0 : 2; }


// Interval ordering as PostgreSQL: a month is 30 days, a day 24 hours.
Int128 IntervalMicros(const Interval& v) {
  return (static_cast<Int128>(v.months) * 30 + v.days) * kMicrosPerDay + v.micros;
}

template <typename T>
void WidenKeys(const Column& col, int64_t n, int64_t* keys) {
  const T* v = col.values<T>();
  for (int64_t i = 0; i < n; ++i) keys[i] = static_cast<int64_t>(v[i]);
}

// Doubles to int64 with the same order: -0 = 0, every NaN equal and above +inf.
void DoubleKeys(const Column& col, int64_t n, int64_t* keys) {
  const double* v = col.values<double>();
  for (int64_t i = 0; i < n; ++i) {
    double d = v[i];
    if (d == 0) d = 0;
    if (d != d) d = std::numeric_limits<double>::quiet_NaN();
    uint64_t bits = 0;
    std::memcpy(&bits, &d, sizeof(bits));
    bits = (bits & kSignBit) ? ~bits : (bits | kSignBit);
    keys[i] = static_cast<int64_t>(bits ^ kSignBit);
  }
}

// The first 8 bytes, big-endian and zero-padded: a prefix with the order of the bytes
// (strings with equal prefixes are compared in full).
void StringPrefixKeys(const Column& col, int64_t n, int64_t* keys) {
  for (int64_t i = 0; i < n; ++i) {
    const std::string_view s = col.GetString(i);
    uint64_t prefix = 0;
    const size_t len = std::min<size_t>(s.size(), 8);
    for (size_t b = 0; b < 8; ++b) {
      prefix = (prefix << 8) | (b < len ? static_cast<uint8_t>(s[b]) : 0u);
    }
    keys[i] = static_cast<int64_t>(prefix ^ kSignBit);
  }
}

// Clamped to int64: monotone, so equal prefixes fall back to the exact comparison.
void IntervalKeys(const Column& col, int64_t n, int64_t* keys) {
  const Interval* v = col.values<Interval>();
  const Int128 lo = std::numeric_limits<int64_t>::min();
  const Int128 hi = std::numeric_limits<int64_t>::max();
  for (int64_t i = 0; i < n; ++i) {
    const Int128 m = IntervalMicros(v[i]);
    keys[i] = static_cast<int64_t>(m < lo ? lo : m > hi ? hi : m);
  }
}

Status EmitOne(const SchemaPtr& schema, std::vector<std::shared_ptr<Column>>& cols,
               std::vector<ChangeOp> ops, ChangeSink* out) {
  const int64_t n = static_cast<int64_t>(ops.size());
  std::vector<ColumnPtr> columns(cols.begin(), cols.end());
  warehouse::ChangeBatch batch;
  batch.rows = std::make_shared<const RecordBatch>(schema, std::move(columns), n);
  batch.ops = std::move(ops);
  return out->Emit(batch);
}

}  // namespace

Result<std::unique_ptr<TopN>> TopN::Make(TopNOptions options) {
  if (options.input_schema == nullptr) return Status::Invalid("top-N: no input schema");
  const Schema& in = *options.input_schema;
  const int cols = in.num_fields();
  for (const int c : options.partition_keys) {
    if (c < 0 || c >= cols) {
      return Status::Invalid("top-N: partition key column " + std::to_string(c) +
                             " is out of range (the input has " + std::to_string(cols) +
                             " columns)");
    }
  }
  if (options.order.empty()) return Status::Invalid("top-N: ORDER BY needs at least one key");
  for (const TopNOptions::Order& o : options.order) {
    if (o.column < 0 || o.column >= cols) {
      return Status::Invalid("top-N: order key column " + std::to_string(o.column) +
                             " is out of range (the input has " + std::to_string(cols) +
                             " columns)");
    }
  }
  if (options.limit < 1) {
    return Status::Invalid("top-N: the row limit must be at least 1, got " +
                           std::to_string(options.limit));
  }
  if (options.limit > std::numeric_limits<int32_t>::max()) {
    return Status::Invalid("top-N: the row limit " + std::to_string(options.limit) +
                           " is too large (at most 2147483647)");
  }
  std::vector<Field> fields = in.fields();
  if (options.emit_rank) {
    if (options.rank_name.empty()) return Status::Invalid("top-N: the rank column has no name");
    if (in.FieldIndex(options.rank_name) >= 0) {
      return Status::Invalid("top-N: the rank column '" + options.rank_name +
                             "' has the name of an input column; choose another alias");
    }
    fields.push_back({options.rank_name, DataType::Int64(), false});
  }
  const TopNOptions::Order& first = options.order[0];
  const bool keep_first = options.keep_first_fast_path && options.limit == 1 &&
                          options.append_only_input && options.order.size() == 1 &&
                          !first.descending && in.field(first.column).type.id == TypeId::kTimestamp;
  SchemaPtr out_schema = MakeSchema(std::move(fields));
  return std::unique_ptr<TopN>(new TopN(std::move(options), std::move(out_schema),
                                        keep_first ? Mode::kKeepFirst : Mode::kTopN));
}

TopN::TopN(TopNOptions options, SchemaPtr output_schema, Mode mode)
    : options_(std::move(options)), output_schema_(std::move(output_schema)), mode_(mode) {
  const Schema& in = *options_.input_schema;
  for (const int c : options_.partition_keys) state_.partition_keys.emplace_back(in.field(c).type);
  state_.table.assign(64, -1);
  for (const Field& f : in.fields()) state_.rows.emplace_back(f.type);
  const size_t keys = options_.order.size();
  state_.order_keys.resize(keys);
  state_.order_null_ranks.resize(keys);
  batch_keys_.resize(keys);
  batch_null_ranks_.resize(keys);
  for (const TopNOptions::Order& o : options_.order) {
    const TypeId id = in.field(o.column).type.id;
    exact_.push_back(id == TypeId::kVarchar || id == TypeId::kInterval);
  }
}

Status TopN::CheckSchema(const RecordBatch& input) const {
  const Schema& in = *options_.input_schema;
  bool same = input.num_columns() == in.num_fields();
  for (int c = 0; same && c < in.num_fields(); ++c)
    same = input.column(c).type() == in.field(c).type;
  if (same) return Status::OK();
  return Status::Internal("top-N: an input batch has columns (" + input.schema()->ToString() +
                          ") but the operator was planned for (" + in.ToString() + ")");
}

int32_t TopN::AddPartition(const RecordBatch& input, int64_t row, uint64_t hash) {
  const int32_t p = state_.num_partitions++;
  const int32_t r = static_cast<int32_t>(row);
  for (size_t k = 0; k < options_.partition_keys.size(); ++k) {
    state_.partition_keys[k].AppendSelected(input.column(options_.partition_keys[k]), &r, 1);
  }
  state_.partition_hashes.push_back(hash);
  if (mode_ == Mode::kKeepFirst) {
    state_.first_key.push_back(0);
    state_.first_null_rank.push_back(kNoKeptRow);
  } else {
    state_.ranked.emplace_back();
  }
  if (static_cast<size_t>(state_.num_partitions) * 2 > state_.table.size()) Rehash();
  return p;
}

void TopN::Rehash() {
  state_.table.assign(state_.table.size() * 2, -1);
  const uint64_t mask = state_.table.size() - 1;
  for (int32_t p = 0; p < state_.num_partitions; ++p) {
    uint64_t s = state_.partition_hashes[static_cast<size_t>(p)] & mask;
    while (state_.table[s] >= 0) s = (s + 1) & mask;
    state_.table[s] = p;
  }
}

int32_t TopN::FindPartition(const RecordBatch& input, int64_t row, uint64_t hash, bool add) {
  const uint64_t mask = state_.table.size() - 1;
  const size_t keys = options_.partition_keys.size();
  for (uint64_t s = hash & mask;; s = (s + 1) & mask) {
    const int32_t p = state_.table[s];
    if (p < 0) {
      if (!add) return -1;
      const int32_t added = AddPartition(input, row, hash);
      if (state_.table.size() - 1 == mask) state_.table[s] = added;  // not rehashed
      return added;
    }
    if (state_.partition_hashes[static_cast<size_t>(p)] != hash) continue;
    bool equal = true;
    for (size_t k = 0; k < keys && equal; ++k) {
      equal =
          CellsIdentical(input.column(options_.partition_keys[k]), row, state_.partition_keys[k], p);
    }
    if (equal) return p;
  }
}

void TopN::HashPartitionKeys(const RecordBatch& input) {
  const size_t n = static_cast<size_t>(input.num_rows());
  hashes_.assign(n, 0);
  for (size_t k = 0; k < options_.partition_keys.size(); ++k) {
    HashColumn(input.column(options_.partition_keys[k]), hashes_.data(), k > 0);
  }
}

void TopN::NormalizeOrderKeys(const RecordBatch& input) {
  const int64_t n = input.num_rows();
  for (size_t k = 0; k < options_.order.size(); ++k) {
    const TopNOptions::Order& o = options_.order[k];
    const Column& col = input.column(o.column);
    std::vector<int64_t>& keys = batch_keys_[k];
    std::vector<uint8_t>& ranks = batch_null_ranks_[k];
    keys.resize(static_cast<size_t>(n));
    ranks.assign(static_cast<size_t>(n), kNotNull);
    int64_t* kp = keys.data();
    switch (col.type().id) {
      case TypeId::kBoolean:
        WidenKeys<uint8_t>(col, n, kp);
        break;
      case TypeId::kInt32:
      case TypeId::kDate:
        WidenKeys<int32_t>(col, n, kp);
        break;
      case TypeId::kInt64:
      case TypeId::kDecimal:
      case TypeId::kTimestamp:
        WidenKeys<int64_t>(col, n, kp);
        break;
      case TypeId::kDouble:
        DoubleKeys(col, n, kp);
        break;
      case TypeId::kVarchar:
        StringPrefixKeys(col, n, kp);
        break;
      case TypeId::kInterval:
        IntervalKeys(col, n, kp);
        break;
    }
    if (o.descending) {
      for (int64_t i = 0; i < n; ++i) kp[i] = ~kp[i];
    }
    if (col.has_nulls()) {
      const uint8_t null_rank = NullRank(o.nulls_first);
      for (int64_t i = 0; i < n; ++i) {
        if (col.IsNull(i)) {
          ranks[static_cast<size_t>(i)] = null_rank;
          kp[i] = 0;
        }
      }
    }
  }
}

const Column& TopN::SlotColumn(const RecordBatch& input, int c, int32_t slot,
                               int64_t* index) const {
  const int64_t stored = state_.rows[0].length();
  if (slot < stored) {
    *index = slot;
    return state_.rows[static_cast<size_t>(c)];
  }
  *index = pending_rows_[static_cast<size_t>(slot - stored)];
  return input.column(c);
}

int TopN::CompareExact(const RecordBatch& input, size_t k, int64_t row, int32_t slot) const {
  const int c = options_.order[k].column;
  int64_t idx = 0;
  const Column& other = SlotColumn(input, c, slot, &idx);
  int cmp = 0;
  if (other.type().id == TypeId::kVarchar) {
    const int r = input.column(c).GetString(row).compare(other.GetString(idx));
    cmp = (r > 0) - (r < 0);
  } else {
    const Int128 a = IntervalMicros(input.column(c).values<Interval>()[row]);
    const Int128 b = IntervalMicros(other.values<Interval>()[idx]);
    cmp = (a > b) - (a < b);
  }
  return options_.order[k].descending ? -cmp : cmp;
}

int TopN::CompareKeys(const RecordBatch& input, int64_t row, int32_t slot) const {
  const size_t r = static_cast<size_t>(row);
  const size_t s = static_cast<size_t>(slot);
  for (size_t k = 0; k < options_.order.size(); ++k) {
    const uint8_t a = batch_null_ranks_[k][r];
    const uint8_t b = state_.order_null_ranks[k][s];
    if (a != b) return a < b ? -1 : 1;
    const int64_t x = batch_keys_[k][r];
    const int64_t y = state_.order_keys[k][s];
    if (x != y) return x < y ? -1 : 1;
    if (exact_[k] && a == kNotNull) {
      const int c = CompareExact(input, k, row, slot);
      if (c != 0) return c;
    }
  }
  return 0;
}

bool TopN::SameRow(const RecordBatch& input, int64_t row, int32_t slot) const {
  for (int c = 0; c < input.num_columns(); ++c) {
    int64_t idx = 0;
    const Column& other = SlotColumn(input, c, slot, &idx);
    if (!CellsIdentical(input.column(c), row, other, idx)) return false;
  }
  return true;
}

int32_t TopN::AddPendingSlot(int64_t row) {
  const int32_t slot = static_cast<int32_t>(state_.alive.size());
  const size_t r = static_cast<size_t>(row);
  for (size_t k = 0; k < options_.order.size(); ++k) {
    state_.order_keys[k].push_back(batch_keys_[k][r]);
    state_.order_null_ranks[k].push_back(batch_null_ranks_[k][r]);
  }
  state_.alive.push_back(1);
  pending_rows_.push_back(static_cast<int32_t>(row));
  return slot;
}

void TopN::KillSlot(int32_t slot) {
  state_.alive[static_cast<size_t>(slot)] = 0;
  ++state_.dead_rows;
}

void TopN::Insert(const RecordBatch& input, int64_t row, int32_t p) {
  std::vector<int32_t>& list = state_.ranked[static_cast<size_t>(p)];
  const size_t limit = static_cast<size_t>(options_.limit);
  // Ties go behind the rows already there (arrival order), so a full partition's last
  // row wins every tie against the newcomer.
  if (options_.append_only_input && list.size() >= limit &&
      CompareKeys(input, row, list.back()) >= 0) {
    return;
  }
  size_t lo = 0;
  size_t hi = list.size();
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (CompareKeys(input, row, list[mid]) < 0) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  const size_t pos = lo;
  const int32_t slot = AddPendingSlot(row);
  list.insert(list.begin() + static_cast<std::ptrdiff_t>(pos), slot);
  if (pos >= limit) return;  // retractable input: kept below the top N
  const bool pushed = list.size() > limit;
  const int32_t out_slot = pushed ? list[limit] : -1;
  const int64_t rank = static_cast<int64_t>(pos) + 1;
  if (limit == 1 && pushed) {
    changes_.push_back({out_slot, ChangeOp::kUpdateBefore, 1});
    changes_.push_back({slot, ChangeOp::kUpdateAfter, 1});
  } else {
    if (pushed) changes_.push_back({out_slot, ChangeOp::kDelete, options_.limit});
    if (options_.emit_rank) {
      // Bottom up, so that a sink keyed on rn sees each rank's removal before its upsert.
      for (size_t j = std::min(list.size(), limit) - 1; j > pos; --j) {
        changes_.push_back({list[j], ChangeOp::kUpdateBefore, static_cast<int64_t>(j)});
        changes_.push_back({list[j], ChangeOp::kUpdateAfter, static_cast<int64_t>(j) + 1});
      }
    }
    changes_.push_back({slot, ChangeOp::kInsert, rank});
  }
  if (options_.append_only_input && pushed) {
    list.pop_back();
    KillSlot(out_slot);
  }
}

void TopN::Retract(const RecordBatch& input, int64_t row, int32_t p) {
  if (p < 0) {
    ++state_.ignored_retractions;
    return;
  }
  std::vector<int32_t>& list = state_.ranked[static_cast<size_t>(p)];
  size_t lo = 0;
  size_t hi = list.size();
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (CompareKeys(input, row, list[mid]) > 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  size_t j = lo;
  while (j < list.size() && CompareKeys(input, row, list[j]) == 0 &&
         !SameRow(input, row, list[j])) {
    ++j;
  }
  if (j == list.size() || CompareKeys(input, row, list[j]) != 0) {
    ++state_.ignored_retractions;
    return;
  }
  const int32_t slot = list[j];
  list.erase(list.begin() + static_cast<std::ptrdiff_t>(j));
  KillSlot(slot);
  const size_t limit = static_cast<size_t>(options_.limit);
  if (j >= limit) return;
  changes_.push_back({slot, ChangeOp::kDelete, static_cast<int64_t>(j) + 1});
  const size_t end = std::min(list.size(), limit);
  for (size_t k = j; k < end; ++k) {
    const int64_t old_rank = static_cast<int64_t>(k) + 2;
    if (old_rank <= options_.limit) {
      if (!options_.emit_rank) continue;  // still in the top N, rank not shown
      changes_.push_back({list[k], ChangeOp::kUpdateBefore, old_rank});
      changes_.push_back({list[k], ChangeOp::kUpdateAfter, old_rank - 1});
    } else {
      changes_.push_back({list[k], ChangeOp::kInsert, options_.limit});
    }
  }
}

void TopN::KeepFirst(int64_t row, int32_t p) {
  const size_t ps = static_cast<size_t>(p);
  const size_t r = static_cast<size_t>(row);
  const uint8_t rank = batch_null_ranks_[0][r];
  const int64_t key = batch_keys_[0][r];
  if (state_.first_null_rank[ps] == kNoKeptRow) {
    state_.first_null_rank[ps] = rank;
    state_.first_key[ps] = key;
    changes_.push_back({static_cast<int32_t>(row), ChangeOp::kInsert, 1});
    return;
  }
  const uint8_t kept_rank = state_.first_null_rank[ps];
  const int64_t kept = state_.first_key[ps];
  if (rank > kept_rank || (rank == kept_rank && key >= kept)) return;  // a duplicate
  refused_.push_back(static_cast<int32_t>(row));
  const std::string time = rank == kNotNull ? FormatTimestamp(key) : "NULL";
  const std::string kept_time = kept_rank == kNotNull ? FormatTimestamp(kept) : "NULL";
  refused_reasons_.push_back("late: the time " + time + " is earlier than the time " + kept_time +
                             " of the row already emitted as its partition's first row "
                             "(keep-first deduplication does not retract an emitted row)");
}

void TopN::StorePending(const RecordBatch& input) {
  if (pending_rows_.empty()) return;
  const int64_t n = static_cast<int64_t>(pending_rows_.size());
  for (int c = 0; c < input.num_columns(); ++c) {
    state_.rows[static_cast<size_t>(c)].AppendSelected(input.column(c), pending_rows_.data(), n);
  }
  pending_rows_.clear();
}

Status TopN::EmitChanges(const RecordBatch& input, ChangeSink* out) {
  if (changes_.empty()) return Status::OK();
  const int64_t n = static_cast<int64_t>(changes_.size());
  std::vector<int32_t> index(changes_.size());
  std::vector<ChangeOp> ops(changes_.size());
  for (size_t i = 0; i < changes_.size(); ++i) {
    index[i] = changes_[i].slot;
    ops[i] = changes_[i].op;
  }
  std::vector<std::shared_ptr<Column>> cols;
  for (int c = 0; c < input.num_columns(); ++c) {
    const Column& from =
        mode_ == Mode::kKeepFirst ? input.column(c) : state_.rows[static_cast<size_t>(c)];
    auto col = std::make_shared<Column>(from.type());
    col->AppendSelected(from, index.data(), n);
    cols.push_back(std::move(col));
  }
  if (options_.emit_rank) {
    auto rn = std::make_shared<Column>(DataType::Int64());
    rn->ResizeFixed(n);
    int64_t* v = rn->mutable_values<int64_t>();
    for (size_t i = 0; i < changes_.size(); ++i) v[i] = changes_[i].rank;
    cols.push_back(std::move(rn));
  }
  return EmitOne(output_schema_, cols, std::move(ops), out);
}

void TopN::Compact() {
  SlotCompaction c;
  if (!CompactSlots(&state_.alive, &state_.dead_rows, &state_.rows, &c)) return;
  for (auto& v : state_.order_keys) KeepSlots(c, &v);
  for (auto& v : state_.order_null_ranks) KeepSlots(c, &v);
  RemapSlots(c, &state_.ranked);
}

Status TopN::Process(const RecordBatch& input, const ChangeOp* ops, ChangeSink* out) {
  SLUICE_RETURN_NOT_OK(CheckSchema(input));
  const int64_t n = input.num_rows();
  if (ops != nullptr && options_.append_only_input) {
    for (int64_t i = 0; i < n; ++i) {
      if (warehouse::IsRemoval(ops[i])) {
        return Status::NotImplemented(
            std::string("top-N: the input carries a retraction (") +
            warehouse::ChangeOpName(ops[i]) +
            ") but the operator was planned for append-only input (append_only_input)");
      }
    }
  }
  if (n == 0) return Status::OK();
  changes_.clear();
  refused_.clear();
  refused_reasons_.clear();
  HashPartitionKeys(input);
  NormalizeOrderKeys(input);
  for (int64_t i = 0; i < n; ++i) {
    const bool removal = ops != nullptr && warehouse::IsRemoval(ops[i]);
    const int32_t p = FindPartition(input, i, hashes_[static_cast<size_t>(i)], !removal);
    if (mode_ == Mode::kKeepFirst) {
      KeepFirst(i, p);
    } else if (removal) {
      Retract(input, i, p);
    } else {
      Insert(input, i, p);
    }
  }
  StorePending(input);
  if (!refused_.empty()) {
    const int64_t before = refused_rows_.rows ? refused_rows_.rows->num_rows() : 0;
    std::vector<ColumnPtr> rows;
    for (int c = 0; c < input.num_columns(); ++c) {
      auto col = std::make_shared<Column>(input.column(c).type());
      if (refused_rows_.rows) col->AppendRange(refused_rows_.rows->column(c), 0, before);
      col->AppendSelected(input.column(c), refused_.data(), static_cast<int64_t>(refused_.size()));
      rows.push_back(std::move(col));
    }
    refused_rows_.rows = std::make_shared<const RecordBatch>(
        input.schema(), std::move(rows), before + static_cast<int64_t>(refused_.size()));
    for (std::string& r : refused_reasons_) refused_rows_.reasons.push_back(std::move(r));
  }
  Status st = EmitChanges(input, out);
  Compact();
  return st;
}

Status TopN::Apply(const RecordBatch& input, ChangeSink* out) {
  return Process(input, nullptr, out);
}

Status TopN::ApplyChanges(int port, const warehouse::ChangeBatch& input, ChangeSink* out) {
  SLUICE_RETURN_NOT_OK(CheckChangeBatch("top-N", port, 1, input));
  return Process(*input.rows, input.ops.data(), out);
}

Status TopN::Finish(ChangeSink* out) {
  (void)out;
  return Status::OK();
}

RefusedRows TopN::TakeRefusedRows() {
  RefusedRows r = std::move(refused_rows_);
  refused_rows_ = {};
  return r;
}

}  // namespace sluice::stream
