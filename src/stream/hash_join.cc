#include "stream/hash_join.h"

#include <algorithm>
#include <utility>

#include "core/hash.h"
#include "core/time.h"
#include "sql/expression_compiler.h"

namespace sluice::stream {

using warehouse::ChangeOp;

namespace {

constexpr size_t kPairChunk = 2048;

int64_t Clamp(__int128 v) {
  if (v > INT64_MAX) return INT64_MAX;
  if (v < INT64_MIN) return INT64_MIN;
  return static_cast<int64_t>(v);
}

bool KeyTypesJoin(const DataType& a, const DataType& b) {
  const auto integer = [](TypeId id) { return id == TypeId::kInt32 || id == TypeId::kInt64; };
  if (a.id == TypeId::kInterval || b.id == TypeId::kInterval) return false;
  return a == b || (integer(a.id) && integer(b.id));
}

Status CheckTimestampColumn(const Schema& schema, int col, const char* what) {
  if (col < 0) return Status::OK();
  if (col >= schema.num_fields()) {
    return Status::Invalid(std::string("join ") + what + " column " + std::to_string(col) +
                           " is out of range (" + std::to_string(schema.num_fields()) + " columns)");
  }
  if (schema.field(col).type.id != TypeId::kTimestamp) {
    return Status::Invalid(std::string("join ") + what + " column '" + schema.field(col).name +
                           "' must be TIMESTAMP, not " + schema.field(col).type.ToString());
  }
  return Status::OK();
}

template <typename T>
bool CompareValues(sql::BoundOp op, T x, T y) {
  switch (op) {
    case sql::BoundOp::kEq: return x == y;
    case sql::BoundOp::kNe: return x != y;
    case sql::BoundOp::kLt: return x < y;
    case sql::BoundOp::kLe: return x <= y;
    case sql::BoundOp::kGt: return x > y;
    default: return x >= y;
  }
}

// Appends idx[0..n) of `src` to `dst`, a NULL where idx is -1.
void GatherWithNulls(const Column& src, const int32_t* idx, int64_t n, Column* dst) {
  int64_t k = 0;
  while (k < n) {
    if (idx[k] < 0) {
      dst->AppendNull();
      ++k;
      continue;
    }
    int64_t e = k;
    while (e < n && idx[e] >= 0) ++e;
    dst->AppendSelected(src, idx + k, e - k);
    k = e;
  }
}

}  // namespace

Result<std::unique_ptr<HashJoin>> HashJoin::Make(HashJoinOptions o, const sql::ErrorContext& ctx) {
  if (o.left_schema == nullptr || o.right_schema == nullptr) {
    return Status::Invalid("a join needs both input schemas");
  }
  std::unique_ptr<HashJoin> j(new HashJoin());
  const Schema& ls = *o.left_schema;
  const Schema& rs = *o.right_schema;
  if (o.left_keys.size() != o.right_keys.size()) {
    return Status::Invalid("join keys: " + std::to_string(o.left_keys.size()) + " left but " +
                           std::to_string(o.right_keys.size()) + " right");
  }
  for (size_t k = 0; k < o.left_keys.size(); ++k) {
    const int a = o.left_keys[k], b = o.right_keys[k];
    if (a < 0 || a >= ls.num_fields() || b < 0 || b >= rs.num_fields()) {
      return Status::Invalid("join key " + std::to_string(k) + " is out of range");
    }
    if (!KeyTypesJoin(ls.field(a).type, rs.field(b).type)) {
      return Status::Invalid("join key '" + ls.field(a).name + "' (" + ls.field(a).type.ToString() +
                             ") cannot be compared with '" + rs.field(b).name + "' (" +
                             rs.field(b).type.ToString() + "); CAST one side");
    }
  }
  if (o.time_bounds) {
    SLUICE_RETURN_NOT_OK(CheckTimestampColumn(ls, o.time_bounds->left_time, "time"));
    SLUICE_RETURN_NOT_OK(CheckTimestampColumn(rs, o.time_bounds->right_time, "time"));
    if (o.time_bounds->left_time < 0 || o.time_bounds->right_time < 0) {
      return Status::Invalid("join time bounds need a time column on each side");
    }
    j->bounded_ = true;
    j->time_col_[0] = o.time_bounds->left_time;
    j->time_col_[1] = o.time_bounds->right_time;
    j->lower_ = o.time_bounds->lower_us;
    j->upper_ = o.time_bounds->upper_us;
  }
  SLUICE_RETURN_NOT_OK(CheckTimestampColumn(ls, o.left_expiry, "expiry"));
  SLUICE_RETURN_NOT_OK(CheckTimestampColumn(rs, o.right_expiry, "expiry"));
  SLUICE_RETURN_NOT_OK(CheckTimestampColumn(ls, o.left_event_time, "event time"));
  SLUICE_RETURN_NOT_OK(CheckTimestampColumn(rs, o.right_event_time, "event time"));
  j->type_ = o.type;
  j->keys_[0] = std::move(o.left_keys);
  j->keys_[1] = std::move(o.right_keys);
  j->expiry_col_[0] = o.left_expiry;
  j->expiry_col_[1] = o.right_expiry;
  if (o.expiry_offset_us < 0) return Status::Invalid("join expiry offset must not be negative");
  j->expiry_offset_ = o.expiry_offset_us;
  j->event_col_[0] = o.left_event_time >= 0 ? o.left_event_time : j->time_col_[0];
  j->event_col_[1] = o.right_event_time >= 0 ? o.right_event_time : j->time_col_[1];
  j->delay_ = o.watermark_delay_us;
  for (int port = 0; port < 2; ++port) {
    const int64_t d = o.window_time_offset_us[port];
    if (d < -1) return Status::Invalid("join window time offset must be -1 (a stream) or >= 0");
    if (d < 0) continue;
    if (!j->bounded_) return Status::Invalid("a join window time offset needs time bounds");
    j->window_offset_[port] = d;
    j->window_time_ = true;
  }
  if (j->window_time_) {
    // A window-bound side's watermark comes from OnWindowWatermark, not its rows.
    for (int port = 0; port < 2; ++port) j->event_col_[port] = j->window_offset_[port] >= 0 ? -1 : j->time_col_[port];
  }
  std::vector<Field> fields = ls.fields();
  for (Field f : rs.fields()) {
    if (o.type == sql::JoinType::kLeft) f.nullable = true;
    fields.push_back(std::move(f));
  }
  j->output_schema_ = MakeSchema(std::move(fields));
  if (o.residual != nullptr) {
    if (o.residual->type.id != TypeId::kBoolean) {
      return ctx.Invalid(o.residual->pos, "the join condition must be BOOLEAN, not " +
                                              o.residual->type.ToString());
    }
    SLUICE_RETURN_NOT_OK(j->CompileResidual(std::move(o.residual), ctx));
  }
  j->schema_[0] = std::move(o.left_schema);
  j->schema_[1] = std::move(o.right_schema);
  j->state_.left.Init(*j->schema_[0]);
  j->state_.right.Init(*j->schema_[1]);
  if (o.state.backend == StateBackendKind::kRocksDb) {
    const bool expiring = j->bounded_ || j->expiry_col_[0] >= 0 || j->expiry_col_[1] >= 0;
    j->spill_ = std::make_unique<JoinSpill>(std::move(o.state), j->schema_[0], j->schema_[1], expiring);
  }
  return j;
}

Status HashJoin::CheckInput(int port, const RecordBatch& in) const {
  const Schema& want = *schema_[port];
  const char* side = port == 0 ? "left" : "right";
  if (in.num_columns() != want.num_fields()) {
    return Status::Invalid(std::string("join ") + side + " input expects " +
                           std::to_string(want.num_fields()) + " columns (" + want.ToString() +
                           ") but the batch has " + std::to_string(in.num_columns()));
  }
  for (int c = 0; c < want.num_fields(); ++c) {
    if (!(in.column(c).type() == want.field(c).type)) {
      return Status::Invalid(std::string("join ") + side + " input: column '" + want.field(c).name +
                             "' is " + in.column(c).type().ToString() + " in the batch but " +
                             want.field(c).type.ToString() + " in the join's schema");
    }
  }
  return Status::OK();
}

Status HashJoin::ApplyInput(int port, const RecordBatch& input, ChangeSink* out) {
  if (port != 0 && port != 1) return Status::Internal("a join has no input port " + std::to_string(port));
  return Process(port, input, nullptr, out);
}

Status HashJoin::ApplyChanges(int port, const warehouse::ChangeBatch& input, ChangeSink* out) {
  SLUICE_RETURN_NOT_OK(CheckChangeBatch("a join", port, 2, input));
  return Process(port, *input.rows, input.ops.data(), out);
}

void HashJoin::Classify(int port, const RecordBatch& in) {
  const int64_t n = in.num_rows();
  expire_.assign(static_cast<size_t>(n), INT64_MAX);
  refused_.assign(static_cast<size_t>(n), 0);
  refused_list_.clear();
  const int64_t wm = state_.watermark;
  const auto refuse = [&](int64_t i, std::string reason) {
    refused_[static_cast<size_t>(i)] = 1;
    refused_list_.emplace_back(static_cast<int32_t>(i), std::move(reason));
  };
  if (bounded_) {
    const Column& tc = in.column(time_col_[port]);
    const int64_t* t = tc.values<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      if (tc.IsNull(i)) {
        refuse(i, "late: the join time column '" + schema_[port]->field(time_col_[port]).name +
                      "' is NULL, so the row can never match");
        continue;
      }
      expire_[static_cast<size_t>(i)] = RowExpiry(port, t[i]);
      // State was dropped assuming rows to come are not behind the watermark: a row that
      // is may have lost partners already, so it is late whatever its own expiry. (A
      // window-bound row behind it still has every partner: see RowExpiry.)
      if (window_offset_[port] < 0 && wm != INT64_MIN && t[i] < wm) {
        refuse(i, "late: the event time " + FormatTimestamp(t[i]) + " is behind the join watermark " +
                      FormatTimestamp(wm));
      }
    }
  }
  if (expiry_col_[port] >= 0) {
    const Column& ec = in.column(expiry_col_[port]);
    const int64_t* e = ec.values<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      if (refused_[static_cast<size_t>(i)]) continue;
      if (ec.IsNull(i)) {
        refuse(i, "late: the window end column '" + schema_[port]->field(expiry_col_[port]).name +
                      "' is NULL, so the row can never match");
        continue;
      }
      expire_[static_cast<size_t>(i)] = std::min(
          expire_[static_cast<size_t>(i)], Clamp(static_cast<__int128>(e[i]) + expiry_offset_));
    }
  }
  if (wm == INT64_MIN) return;
  for (int64_t i = 0; i < n; ++i) {
    if (refused_[static_cast<size_t>(i)] || expire_[static_cast<size_t>(i)] > wm) continue;
    refuse(i, "late: the join watermark " + FormatTimestamp(wm) +
                  " has passed the last time this row could match (" +
                  FormatTimestamp(expire_[static_cast<size_t>(i)] - 1) + ")");
  }
}

Status HashJoin::Process(int port, const RecordBatch& in, const ChangeOp* ops, ChangeSink* out) {
  SLUICE_RETURN_NOT_OK(CheckInput(port, in));
  touched_ = false;
  out_ops_.clear();  // leftovers of a call that failed
  out_left_.clear();
  out_right_.clear();
  const int64_t n = in.num_rows();
  if (n == 0) return Status::OK();
  for (int64_t i = 0; ops != nullptr && i < n; ++i) {
    if (static_cast<uint8_t>(ops[i]) >= warehouse::kChangeOpCount) {
      return Status::Invalid("change batch row " + std::to_string(i) + " has an unknown op");
    }
  }
  EncodeJoinKeys(in, keys_[port], &keys_in_);
  if (spill_) SLUICE_RETURN_NOT_OK(spill_->Load(port, keys_in_, ops, &state_));  // the batch's spilled keys
  row_hash_.assign(static_cast<size_t>(n), 0);
  for (int c = 0; c < in.num_columns(); ++c) HashColumn(in.column(c), row_hash_.data(), c > 0);
  Classify(port, in);
  passed_.assign(static_cast<size_t>(n), 0);
  for (int64_t i = 0; i < n;) {
    if (refused_[static_cast<size_t>(i)]) {
      ++i;
      continue;
    }
    const bool insert = ops == nullptr || !warehouse::IsRemoval(ops[i]);
    run_.clear();
    for (; i < n; ++i) {
      if (refused_[static_cast<size_t>(i)]) continue;
      if ((ops == nullptr || !warehouse::IsRemoval(ops[i])) != insert) break;
      run_.push_back(static_cast<int32_t>(i));
    }
    SLUICE_RETURN_NOT_OK(insert ? InsertRun(port, in, out) : RemoveRun(port, in, out));
  }
  CommitRefused(port, in);
  TrackEventTime(port, in);
  state_.left.MaybeCompact();
  state_.right.MaybeCompact();
  return spill_ ? spill_->AfterChange(&state_) : Status::OK();
}

void HashJoin::CommitRefused(int port, const RecordBatch& in) {
  if (refused_list_.empty()) return;
  std::stable_sort(refused_list_.begin(), refused_list_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<int32_t> rows;
  std::vector<ColumnPtr> cols;
  for (auto& [row, reason] : refused_list_) {
    rows.push_back(row);
    refused_rows_.reasons.push_back(std::move(reason));
  }
  refused_list_.clear();
  for (int c = 0; c < in.num_columns(); ++c) {
    auto col = std::make_shared<Column>(in.column(c).type());
    if (refused_rows_.rows != nullptr) {
      col->AppendRange(refused_rows_.rows->column(c), 0, refused_rows_.rows->num_rows());
    }
    col->AppendSelected(in.column(c), rows.data(), static_cast<int64_t>(rows.size()));
    cols.push_back(std::move(col));
  }
  const int64_t total = cols.empty() ? 0 : cols[0]->length();
  refused_rows_.rows = std::make_shared<const RecordBatch>(schema_[port], std::move(cols), total);
}

int64_t HashJoin::RowExpiry(int port, int64_t t) const {
  // The latest partner time on the other side.
  const __int128 last = port == 0 ? static_cast<__int128>(t) + upper_ : static_cast<__int128>(t) - lower_;
  const int64_t other = window_offset_[1 - port];
  __int128 at = other >= 0 ? last + other : last + 1;
  if (window_offset_[port] >= 0) at = std::max(at, static_cast<__int128>(t) + window_offset_[port]);
  return Clamp(at);
}

void HashJoin::TrackEventTime(int port, const RecordBatch& in) {
  const int64_t n = in.num_rows();
  if (event_col_[port] >= 0) {
    const Column& tc = in.column(event_col_[port]);
    const int64_t* t = tc.values<int64_t>();
    int64_t& mx = state_.side(port).max_event_time;
    for (int64_t i = 0; i < n; ++i) {
      if (!refused_[static_cast<size_t>(i)] && tc.IsValid(i)) mx = std::max(mx, t[i]);
    }
  }
  if (window_time_) {
    AdvanceWindowTimeWatermark();
  } else if (event_col_[0] >= 0 && event_col_[1] >= 0) {
    const int64_t lo = std::min(state_.left.max_event_time, state_.right.max_event_time);
    if (lo != INT64_MIN) AdvanceWatermark(Clamp(static_cast<__int128>(lo) - delay_));
  }
}

void HashJoin::SetSources(int port, const RecordBatch& in) {
  input_src_ = &in;
  input_is_left_ = port == 0;
  store_src_ = &state_.side(1 - port).columns;
}

Status HashJoin::InsertRun(int port, const RecordBatch& in, ChangeSink* out) {
  SetSources(port, in);
  SLUICE_RETURN_NOT_OK(ProbeRun(port, in, /*insert=*/true, out));
  const bool left_join = type_ == sql::JoinType::kLeft;
  if (port == 0 && left_join) {
    for (int32_t i : run_) {
      if (passed_[static_cast<size_t>(i)] == 0) Push(ChangeOp::kInsert, i, -1);
    }
  }
  SLUICE_RETURN_NOT_OK(FlushOutput(out));
  // Keep the rows that can match later (a NULL key never does).
  pair_in_.clear();
  for (int32_t i : run_) {
    if (!keys_in_.null[static_cast<size_t>(i)]) pair_in_.push_back(i);
  }
  if (!pair_in_.empty()) touched_ = true;
  state_.side(port).Append(in, pair_in_.data(), static_cast<int64_t>(pair_in_.size()), keys_in_,
                           row_hash_.data(), port == 0 && left_join ? passed_.data() : nullptr,
                           expire_.data());
  pair_in_.clear();
  return Status::OK();
}

Status HashJoin::RemoveRun(int port, const RecordBatch& in, ChangeSink* out) {
  SetSources(port, in);
  JoinSide& side = state_.side(port);
  for (int32_t i : run_) {
    const auto ui = static_cast<size_t>(i);
    if (keys_in_.null[ui]) continue;  // never stored: only a LEFT join's padded row to retract
    const int32_t j = side.FindIdentical(row_hash_[ui], in, i);
    if (j < 0) {
      refused_[ui] = 1;
      refused_list_.emplace_back(i, "late: no identical row to retract in the join state (it "
                                    "expired, was refused as late, or was never inserted)");
      continue;
    }
    side.Remove(j);
    touched_ = true;
  }
  SLUICE_RETURN_NOT_OK(ProbeRun(port, in, /*insert=*/false, out));
  if (port == 0 && type_ == sql::JoinType::kLeft) {
    for (int32_t i : run_) {
      const auto ui = static_cast<size_t>(i);
      if (!refused_[ui] && passed_[ui] == 0) Push(ChangeOp::kDelete, i, -1);
    }
  }
  return FlushOutput(out);
}

Status HashJoin::ProbeRun(int port, const RecordBatch& in, bool insert, ChangeSink* out) {
  const JoinSide& other = state_.side(1 - port);
  pair_in_.clear();
  pair_store_.clear();
  const int64_t* tin = bounded_ ? in.column(time_col_[port]).values<int64_t>() : nullptr;
  const int64_t* tst =
      bounded_ ? other.columns[static_cast<size_t>(time_col_[1 - port])]->values<int64_t>() : nullptr;
  ResolveInline(port, in);
  const bool checks = !inline_run_.empty();
  for (int32_t i : run_) {
    const auto ui = static_cast<size_t>(i);
    if (keys_in_.null[ui] || refused_[ui]) continue;
    const std::string_view key(reinterpret_cast<const char*>(keys_in_.key(i)), keys_in_.key_size(i));
    for (int32_t j = other.Head(keys_in_.hashes[ui], key); j >= 0; j = other.next[static_cast<size_t>(j)]) {
      if (bounded_) {
        // right.time - left.time within [lower, upper]
        const __int128 d = port == 0 ? static_cast<__int128>(tst[j]) - tin[i]
                                     : static_cast<__int128>(tin[i]) - tst[j];
        if (d < lower_ || d > upper_) continue;
      }
      if (checks && !PassInline(i, j)) continue;
      pair_in_.push_back(i);
      pair_store_.push_back(j);
      if (pair_in_.size() >= kPairChunk) SLUICE_RETURN_NOT_OK(FlushPairs(port, in, insert, out));
    }
  }
  if (!pair_in_.empty()) SLUICE_RETURN_NOT_OK(FlushPairs(port, in, insert, out));
  return Status::OK();
}

void HashJoin::ResolveInline(int port, const RecordBatch& in) {
  inline_run_.clear();
  const int nl = schema_[0]->num_fields();
  const JoinSide& other = state_.side(1 - port);
  const auto operand = [&](int c, bool* from_input) -> const Column* {
    const int side = c < nl ? 0 : 1;
    const int col = side == 0 ? c : c - nl;
    *from_input = side == port;
    return *from_input ? &in.column(col) : other.columns[static_cast<size_t>(col)].get();
  };
  for (const InlineCompare& c : inline_) {
    InlineOperands r;
    r.op = c.op;
    r.wide = c.wide;
    r.a = operand(c.a, &r.a_input);
    r.b = operand(c.b, &r.b_input);
    inline_run_.push_back(r);
  }
}

bool HashJoin::PassInline(int32_t i, int32_t j) const {
  for (const InlineOperands& c : inline_run_) {
    const int64_t ra = c.a_input ? i : j, rb = c.b_input ? i : j;
    if (c.a->IsNull(ra) || c.b->IsNull(rb)) return false;  // NULL is not TRUE
    const bool pass = c.wide ? CompareValues(c.op, c.a->values<int64_t>()[ra], c.b->values<int64_t>()[rb])
                             : CompareValues(c.op, c.a->values<int32_t>()[ra], c.b->values<int32_t>()[rb]);
    if (!pass) return false;
  }
  return true;
}

Status HashJoin::FilterResidual(int port, const RecordBatch& in) {
  const auto m = static_cast<int64_t>(pair_in_.size());
  const int nl = schema_[0]->num_fields();
  const JoinSide& other = state_.side(1 - port);
  eval_columns_.assign(residual_uses_.size(), nullptr);
  for (size_t c = 0; c < residual_uses_.size(); ++c) {
    if (!residual_uses_[c]) continue;
    const int side = static_cast<int>(c) < nl ? 0 : 1;
    const int col = side == 0 ? static_cast<int>(c) : static_cast<int>(c) - nl;
    const bool from_input = side == port;
    const Column& src = from_input ? in.column(col) : *other.columns[static_cast<size_t>(col)];
    auto g = std::make_shared<Column>(src.type());
    g->AppendSelected(src, from_input ? pair_in_.data() : pair_store_.data(), m);
    eval_columns_[c] = std::move(g);
  }
  Result<sql::Vec> r = residual_->Eval(sql::EvalInput{&eval_columns_, m}, nullptr);
  eval_columns_.clear();
  if (!r.ok()) {
    if (!touched_) return r.status();
    return Status::NotImplemented(r.status().message() +
                                  " (the join had already applied part of the batch, so it "
                                  "cannot skip just this row: make the ON condition unable to "
                                  "fail, e.g. with TRY_CAST)");
  }
  const sql::Vec& v = *r;
  const Column& p = v.column();
  const uint8_t* pv = p.values<uint8_t>();
  size_t w = 0;
  for (size_t k = 0; k < pair_in_.size(); ++k) {
    const int64_t at = v.Index(static_cast<int64_t>(k));
    if (!p.IsValid(at) || pv[at] == 0) continue;
    pair_in_[w] = pair_in_[k];
    pair_store_[w] = pair_store_[k];
    ++w;
  }
  pair_in_.resize(w);
  pair_store_.resize(w);
  return Status::OK();
}

Status HashJoin::FlushPairs(int port, const RecordBatch& in, bool insert, ChangeSink* out) {
  if (residual_ != nullptr) SLUICE_RETURN_NOT_OK(FilterResidual(port, in));
  const bool left_join = type_ == sql::JoinType::kLeft;
  std::vector<int64_t>& counts = state_.left.match_count;
  for (size_t k = 0; k < pair_in_.size(); ++k) {
    const int32_t i = pair_in_[k], j = pair_store_[k];
    if (port == 0) {
      Push(insert ? ChangeOp::kInsert : ChangeOp::kDelete, i, j);
      ++passed_[static_cast<size_t>(i)];
    } else if (insert) {
      int64_t& c = counts[static_cast<size_t>(j)];
      if (left_join && c == 0) Push(ChangeOp::kDelete, j, -1);
      ++c;
      Push(ChangeOp::kInsert, j, i);
    } else {
      Push(ChangeOp::kDelete, j, i);
      int64_t& c = counts[static_cast<size_t>(j)];
      if (c > 0 && --c == 0 && left_join) Push(ChangeOp::kInsert, j, -1);
    }
    if (out_ops_.size() >= static_cast<size_t>(kDefaultBatchRows)) SLUICE_RETURN_NOT_OK(FlushOutput(out));
  }
  pair_in_.clear();
  pair_store_.clear();
  return Status::OK();
}

void HashJoin::Push(ChangeOp op, int32_t left, int32_t right) {
  out_ops_.push_back(op);
  out_left_.push_back(left);
  out_right_.push_back(right);
  touched_ = true;
}

Status HashJoin::FlushOutput(ChangeSink* out) {
  if (out_ops_.empty()) return Status::OK();
  const auto n = static_cast<int64_t>(out_ops_.size());
  std::vector<ColumnPtr> cols;
  const int nl = schema_[0]->num_fields(), nr = schema_[1]->num_fields();
  for (int c = 0; c < nl; ++c) {
    const Column& src = input_is_left_ ? input_src_->column(c) : *(*store_src_)[static_cast<size_t>(c)];
    auto col = std::make_shared<Column>(src.type());
    col->AppendSelected(src, out_left_.data(), n);
    cols.push_back(std::move(col));
  }
  for (int c = 0; c < nr; ++c) {
    const Column& src = input_is_left_ ? *(*store_src_)[static_cast<size_t>(c)] : input_src_->column(c);
    auto col = std::make_shared<Column>(src.type());
    GatherWithNulls(src, out_right_.data(), n, col.get());
    cols.push_back(std::move(col));
  }
  warehouse::ChangeBatch batch;
  batch.rows = std::make_shared<const RecordBatch>(output_schema_, std::move(cols), n);
  batch.ops = std::move(out_ops_);
  out_ops_.clear();
  out_left_.clear();
  out_right_.clear();
  return out->Emit(batch);
}

void HashJoin::AdvanceWatermark(int64_t candidate) {
  if (candidate <= state_.watermark) return;
  state_.watermark = candidate;
  state_.left.Expire(candidate);
  state_.right.Expire(candidate);
}

void HashJoin::AdvanceWindowTimeWatermark() {
  int64_t streams = INT64_MAX;  // no stream side: the window watermark alone
  for (int port = 0; port < 2; ++port) {
    if (window_offset_[port] >= 0) continue;
    const int64_t mx = state_.side(port).max_event_time;
    streams = std::min(streams, mx == INT64_MIN ? INT64_MIN : Clamp(static_cast<__int128>(mx) - delay_));
  }
  streams = std::max(streams, external_watermark_);
  // The window aggregates take OnWatermark's watermark too, before the join gets it.
  const int64_t windows = std::max(window_watermark_, external_watermark_);
  const int64_t wm = std::min(streams, windows);
  if (wm != INT64_MIN) AdvanceWatermark(wm);
}

Status HashJoin::OnWindowWatermark(int64_t watermark, ChangeSink* out) {
  if (!window_time_) return OnWatermark(watermark, out);
  window_watermark_ = std::max(window_watermark_, watermark);
  AdvanceWindowTimeWatermark();
  state_.left.MaybeCompact();
  state_.right.MaybeCompact();
  return spill_ ? spill_->AfterChange(&state_) : Status::OK();
}

Status HashJoin::OnWatermark(int64_t watermark, ChangeSink* out) {
  (void)out;
  if (window_time_) {
    external_watermark_ = std::max(external_watermark_, watermark);
    AdvanceWindowTimeWatermark();
  } else {
    AdvanceWatermark(watermark);
  }
  state_.left.MaybeCompact();
  state_.right.MaybeCompact();
  return spill_ ? spill_->AfterChange(&state_) : Status::OK();
}

Status HashJoin::Finish(ChangeSink* out) {
  (void)out;
  return Status::OK();
}

RefusedRows HashJoin::TakeRefusedRows() {
  RefusedRows r = std::move(refused_rows_);
  refused_rows_ = RefusedRows{};
  return r;
}

}  // namespace sluice::stream
