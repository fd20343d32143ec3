#include "warehouse/changelog.h"

#include <algorithm>
#include <cstring>

#include "core/hash.h"

namespace sluice::warehouse {

namespace {

template <typename T>
void HashFixedColumn(const Column& col, int64_t n, bool combine, uint64_t* hashes) {
  const T* v = col.values<T>();
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t h = HashInt64(static_cast<uint64_t>(v[i]));
    hashes[i] = combine ? HashCombine(hashes[i], h) : h;
  }
}

// The first row of `col` that is NULL, or -1.
int64_t FirstNull(const Column& col, int64_t n) {
  if (!col.has_nulls()) return -1;
  for (int64_t i = 0; i < n; ++i) {
    if (col.IsNull(i)) return i;
  }
  return -1;
}

}  // namespace

const char* ChangeOpName(ChangeOp op) {
  switch (op) {
    case ChangeOp::kInsert:
      return "+I";
    case ChangeOp::kUpdateBefore:
      return "-U";
    case ChangeOp::kUpdateAfter:
      return "+U";
    case ChangeOp::kDelete:
      return "-D";
  }
  return "?";
}

std::string KeyTypeError(const DataType& type) {
  if (type.id == TypeId::kDouble) {
    return "a DOUBLE column cannot be an upsert key: floating-point equality is not exact "
           "(0.0 and -0.0, rounding), so updates could miss their rows; cast it to DECIMAL, "
           "BIGINT or VARCHAR in the query";
  }
  if (type.id == TypeId::kInterval) {
    return "an INTERVAL column cannot be an upsert key: intervals compare after "
           "normalization ('30 days' equals '1 month'); cast it to VARCHAR in the query";
  }
  return "";
}

ChangeCompactor::ChangeCompactor(std::vector<int> key_columns, std::vector<std::string> key_names)
    : key_columns_(std::move(key_columns)), key_names_(std::move(key_names)) {}

void ChangeCompactor::HashKeys(const RecordBatch& rows) {
  const int64_t n = rows.num_rows();
  hashes_.resize(static_cast<size_t>(n));
  uint64_t* h = hashes_.data();
  bool combine = false;
  for (int k : key_columns_) {
    const Column& col = rows.column(k);
    switch (col.type().id) {
      case TypeId::kBoolean: {
        const uint8_t* v = col.values<uint8_t>();
        for (int64_t i = 0; i < n; ++i) {  // any non-zero byte is true, as DuckDB reads it
          const uint64_t x = HashInt64(v[i] != 0 ? 1 : 0);
          h[i] = combine ? HashCombine(h[i], x) : x;
        }
        break;
      }
      case TypeId::kInt32:
      case TypeId::kDate:
        HashFixedColumn<uint32_t>(col, n, combine, h);
        break;
      case TypeId::kVarchar:
        for (int64_t i = 0; i < n; ++i) {
          const uint64_t x = HashString(col.GetString(i));
          h[i] = combine ? HashCombine(h[i], x) : x;
        }
        break;
      default:  // INT64, DECIMAL, TIMESTAMP (DOUBLE and INTERVAL are refused as keys)
        HashFixedColumn<uint64_t>(col, n, combine, h);
        break;
    }
    combine = true;
  }
}

bool ChangeCompactor::KeysEqual(const RecordBatch& rows, int64_t a, int64_t b) const {
  for (int k : key_columns_) {
    const Column& col = rows.column(k);
    switch (col.type().id) {
      case TypeId::kBoolean:
        if ((col.Get<uint8_t>(a) != 0) != (col.Get<uint8_t>(b) != 0)) return false;
        break;
      case TypeId::kInt32:
      case TypeId::kDate:
        if (col.Get<int32_t>(a) != col.Get<int32_t>(b)) return false;
        break;
      case TypeId::kVarchar:
        if (col.GetString(a) != col.GetString(b)) return false;
        break;
      default:
        if (col.Get<int64_t>(a) != col.Get<int64_t>(b)) return false;
        break;
    }
  }
  return true;
}

Status ChangeCompactor::Compact(const RecordBatch& rows, const std::vector<ChangeOp>& ops,
                                std::vector<int32_t>* last) {
  const int64_t n = rows.num_rows();
  if (static_cast<int64_t>(ops.size()) != n) {
    return Status::Invalid("change batch has " + std::to_string(n) + " rows but " +
                           std::to_string(ops.size()) + " ops; give one op per row");
  }
  for (int64_t i = 0; i < n; ++i) {
    const auto code = static_cast<uint8_t>(ops[static_cast<size_t>(i)]);
    if (code >= kChangeOpCount) {
      return Status::Invalid("change batch row " + std::to_string(i) + " has op code " +
                             std::to_string(code) +
                             ", which is not one of 0 (+I), 1 (-U), 2 (+U), 3 (-D)");
    }
  }
  for (size_t k = 0; k < key_columns_.size(); ++k) {
    if (key_columns_[k] < 0 || key_columns_[k] >= rows.num_columns()) {
      return Status::Invalid("change batch has " + std::to_string(rows.num_columns()) +
                             " columns, so it lacks the key column '" + key_names_[k] + "'");
    }
    const int64_t row = FirstNull(rows.column(key_columns_[k]), n);
    if (row >= 0) {
      return Status::Invalid("key column '" + key_names_[k] + "' is NULL in row " +
                             std::to_string(row) + " of the change batch (op " +
                             ChangeOpName(ops[static_cast<size_t>(row)]) +
                             "); a NULL key matches no row, so the batch was refused: filter "
                             "such rows out or COALESCE the key in the query");
    }
  }
  last->clear();
  if (n == 0) return Status::OK();
  HashKeys(rows);
  size_t cap = 16;
  while (cap < static_cast<size_t>(n) * 2) cap <<= 1;
  slots_.assign(cap, -1);
  const size_t mask = cap - 1;
  for (int64_t i = 0; i < n; ++i) {
    size_t s = static_cast<size_t>(hashes_[static_cast<size_t>(i)]) & mask;
    while (true) {
      const int32_t r = slots_[s];
      if (r < 0) {
        slots_[s] = static_cast<int32_t>(i);
        break;
      }
      if (hashes_[static_cast<size_t>(r)] == hashes_[static_cast<size_t>(i)] &&
          KeysEqual(rows, r, i)) {
        slots_[s] = static_cast<int32_t>(i);  // a later change to the key wins
        break;
      }
      s = (s + 1) & mask;
    }
  }
  for (int32_t r : slots_) {
    if (r >= 0) last->push_back(r);
  }
  std::sort(last->begin(), last->end());
  return Status::OK();
}

}  // namespace sluice::warehouse
