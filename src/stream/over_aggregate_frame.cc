// OverAggregate's frame computation and output: the aggregates of a row's frame, the
// -U/+U/+I decisions (Offer), and the change batch (EmitChanges).
#include <cstring>

#include "stream/over_aggregate.h"

namespace sluice::stream {

namespace {

using warehouse::ChangeOp;

__extension__ typedef __int128 Int128;

int64_t DoubleBits(double d) {
  int64_t bits = 0;
  std::memcpy(&bits, &d, sizeof(bits));
  return bits;
}

double BitsDouble(int64_t bits) {
  double d = 0;
  std::memcpy(&d, &bits, sizeof(d));
  return d;
}

}  // namespace

void OverAggregate::Add(size_t a, int32_t slot, Acc* acc) const {
  const size_t s = static_cast<size_t>(slot);
  ++acc->rows;
  if (!state_.arg_valid[a][s]) return;
  const int64_t v = state_.args[a][s];
  const bool first = acc->count++ == 0;
  if (double_arg_[a]) {
    const double d = BitsDouble(v);
    acc->dsum += d;
    if (first || d < acc->dmin) acc->dmin = d;
    if (first || d > acc->dmax) acc->dmax = d;
  } else {
    acc->isum += v;
    if (first || v < acc->imin) acc->imin = v;
    if (first || v > acc->imax) acc->imax = v;
  }
}

bool OverAggregate::Value(size_t a, const Acc& acc, int64_t* bits, uint8_t* valid) const {
  const OverFunction f = options_.aggregates[a].function;
  *valid = 1;
  *bits = 0;
  if (f == OverFunction::kCountStar) {
    *bits = acc.rows;
    return true;
  }
  if (f == OverFunction::kCount) {
    *bits = acc.count;
    return true;
  }
  if (acc.count == 0) {
    *valid = 0;
    return true;
  }
  const bool dbl = double_arg_[a];
  switch (f) {
    case OverFunction::kSum:
      if (dbl) {
        *bits = DoubleBits(acc.dsum);
      } else {
        const Int128 limit = sum_limit_[a];
        const bool decimal = result_types_[a].id == TypeId::kDecimal;
        if (acc.isum > limit || acc.isum < -limit - (decimal ? 0 : 1)) return false;
        *bits = static_cast<int64_t>(acc.isum);
      }
      return true;
    case OverFunction::kAvg: {
      double sum = dbl ? acc.dsum : static_cast<double>(acc.isum);
      if (!dbl) sum /= avg_divisor_[a];
      *bits = DoubleBits(sum / static_cast<double>(acc.count));
      return true;
    }
    case OverFunction::kMin:
      *bits = dbl ? DoubleBits(acc.dmin) : acc.imin;
      return true;
    case OverFunction::kMax:
      *bits = dbl ? DoubleBits(acc.dmax) : acc.imax;
      return true;
    default:
      return true;
  }
}

void OverAggregate::Offer(int32_t slot) {
  const size_t s = static_cast<size_t>(slot);
  const size_t aggs = options_.aggregates.size();
  if (state_.emitted[s]) {
    bool same = true;
    for (size_t a = 0; a < aggs && same; ++a) {
      same = state_.emitted_valid[a][s] == new_valid_[a] &&
             (!new_valid_[a] || state_.emitted_value[a][s] == new_value_[a]);
    }
    if (same) return;
    changes_.push_back({slot, ChangeOp::kUpdateBefore});
    for (size_t a = 0; a < aggs; ++a) {
      change_value_[a].push_back(state_.emitted_value[a][s]);
      change_valid_[a].push_back(state_.emitted_valid[a][s]);
    }
    changes_.push_back({slot, ChangeOp::kUpdateAfter});
  } else {
    changes_.push_back({slot, ChangeOp::kInsert});
    state_.emitted[s] = 1;
  }
  for (size_t a = 0; a < aggs; ++a) {
    change_value_[a].push_back(new_value_[a]);
    change_valid_[a].push_back(new_valid_[a]);
    state_.emitted_value[a][s] = new_value_[a];
    state_.emitted_valid[a][s] = new_valid_[a];
  }
}

Status OverAggregate::OutOfRange(size_t a) const {
  const OverAggregateOptions::Aggregate& spec = options_.aggregates[a];
  return Status::OutOfRange(std::string(OverFunctionName(spec.function)) + "() OVER (...) as " +
                            spec.name + " is out of range for " + result_types_[a].ToString());
}

Status OverAggregate::Recompute(int32_t p) {
  const std::vector<int32_t>& list = state_.lists[static_cast<size_t>(p)];
  const size_t size = list.size();
  const size_t aggs = options_.aggregates.size();
  if (options_.preceding >= 0) {
    const size_t n = static_cast<size_t>(options_.preceding);
    for (size_t j = 0; j < size; ++j) {
      const size_t s = static_cast<size_t>(list[j]);
      if (!dirty_[s]) continue;
      dirty_[s] = 0;
      const size_t lo = j > n ? j - n : 0;
      for (size_t a = 0; a < aggs; ++a) {
        Acc acc;
        for (size_t k = lo; k <= j; ++k) Add(a, list[k], &acc);
        if (!Value(a, acc, &new_value_[a], &new_valid_[a])) return OutOfRange(a);
      }
      Offer(list[j]);
    }
    return Status::OK();
  }
  size_t first = size;
  for (size_t j = 0; j < size; ++j) {
    const size_t s = static_cast<size_t>(list[j]);
    if (dirty_[s] && first == size) first = j;
    dirty_[s] = 0;
  }
  if (first == size) return Status::OK();
  if (options_.range_peers) {
    while (first > 0 && CompareOrder(list[first - 1], list[first]) == 0) --first;
  }
  for (Acc& acc : accs_) acc = Acc{};
  for (size_t a = 0; a < aggs; ++a) {
    for (size_t k = 0; k < first; ++k) Add(a, list[k], &accs_[a]);
  }
  size_t j = first;
  while (j < size) {
    size_t end = j + 1;
    if (options_.range_peers) {
      while (end < size && CompareOrder(list[end], list[j]) == 0) ++end;
    }
    for (size_t a = 0; a < aggs; ++a) {
      for (size_t k = j; k < end; ++k) Add(a, list[k], &accs_[a]);
      if (!Value(a, accs_[a], &new_value_[a], &new_valid_[a])) return OutOfRange(a);
    }
    for (size_t k = j; k < end; ++k) Offer(list[k]);
    j = end;
  }
  return Status::OK();
}

Status OverAggregate::EmitChanges(ChangeSink* out) {
  if (changes_.empty()) return Status::OK();
  const int64_t n = static_cast<int64_t>(changes_.size());
  std::vector<int32_t> index(changes_.size());
  std::vector<ChangeOp> ops(changes_.size());
  for (size_t i = 0; i < changes_.size(); ++i) {
    index[i] = changes_[i].slot;
    ops[i] = changes_[i].op;
  }
  std::vector<ColumnPtr> cols;
  for (const Column& from : state_.rows) {
    auto col = std::make_shared<Column>(from.type());
    col->AppendSelected(from, index.data(), n);
    cols.push_back(std::move(col));
  }
  for (size_t a = 0; a < options_.aggregates.size(); ++a) {
    auto col = std::make_shared<Column>(result_types_[a]);
    col->ResizeFixed(n);
    const int64_t* v = change_value_[a].data();
    switch (result_types_[a].id) {
      case TypeId::kBoolean: {
        uint8_t* d = col->mutable_values<uint8_t>();
        for (int64_t i = 0; i < n; ++i) d[i] = static_cast<uint8_t>(v[i]);
        break;
      }
      case TypeId::kInt32:
      case TypeId::kDate: {
        int32_t* d = col->mutable_values<int32_t>();
        for (int64_t i = 0; i < n; ++i) d[i] = static_cast<int32_t>(v[i]);
        break;
      }
      default: {  // INT64, DECIMAL, TIMESTAMP, DOUBLE (as bits)
        int64_t* d = col->mutable_values<int64_t>();
        std::memcpy(d, v, static_cast<size_t>(n) * sizeof(int64_t));
        break;
      }
    }
    for (int64_t i = 0; i < n; ++i) {
      if (!change_valid_[a][static_cast<size_t>(i)]) col->SetNull(i);
    }
    cols.push_back(std::move(col));
  }
  warehouse::ChangeBatch batch;
  batch.rows = std::make_shared<const RecordBatch>(output_schema_, std::move(cols), n);
  batch.ops = std::move(ops);
  return out->Emit(batch);
}

}  // namespace sluice::stream
