#include "stream/aggregate_state.h"

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
    if (a->count[g]++ == 0 || (kMin ? x < a->sval[g] : x > a->sval[g])) a->sval[g].assign(x);
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

}  // namespace

size_t StringHash::operator()(std::string_view s) const { return HashString(s); }

void AccumulatorColumn::AddGroup(const sql::AggregateInput& spec) {
  count.push_back(0);
  switch (spec.kind) {
    case AggregateKind::kCountStar:
    case AggregateKind::kCount: break;
    case AggregateKind::kCountDistinct: distinct.emplace_back(); break;
    case AggregateKind::kSum:
    case AggregateKind::kAvg:
      isum.push_back(0);
      dsum.push_back(0);
      break;
    case AggregateKind::kMin:
    case AggregateKind::kMax:
      if (spec.arg_type.id == TypeId::kVarchar) {
        sval.emplace_back();
      } else if (spec.arg_type.id == TypeId::kDouble) {
        dval.push_back(0);
      } else {
        ival.push_back(0);
      }
      break;
  }
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
    case AggregateKind::kCountDistinct: {
      const int width = arg->type().ByteWidth();
      ForCountedRows(arg, filter, n, [&](int64_t i) {
        DistinctSet& set = distinct[gid[i]];
        const std::string_view v = CellBytes(*arg, i, width);
        if (set.find(v) == set.end()) set.emplace(v);
      });
      break;
    }
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
  }
}

Status AccumulatorColumn::AppendResults(const sql::AggregateInput& spec,
                                        const std::vector<int32_t>& groups, Column* out) const {
  for (const int32_t g : groups) {
    switch (spec.kind) {
      case AggregateKind::kCountStar:
      case AggregateKind::kCount: out->Append<int64_t>(count[g]); continue;
      case AggregateKind::kCountDistinct:
        out->Append<int64_t>(static_cast<int64_t>(distinct[g].size()));
        continue;
      default: break;
    }
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
      default:  // min, max
        switch (spec.arg_type.id) {
          case TypeId::kVarchar: out->AppendString(sval[g]); break;
          case TypeId::kDouble: out->Append<double>(dval[g]); break;
          case TypeId::kBoolean: out->Append<uint8_t>(static_cast<uint8_t>(ival[g])); break;
          case TypeId::kInt32:
          case TypeId::kDate: out->Append<int32_t>(static_cast<int32_t>(ival[g])); break;
          default: out->Append<int64_t>(ival[g]); break;
        }
        break;
    }
  }
  return Status::OK();
}

}  // namespace sluice::stream
