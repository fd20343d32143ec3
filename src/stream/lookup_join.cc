#include "stream/lookup_join.h"

#include <cstring>

#include "core/column.h"
#include "core/time.h"
#include "observe/log.h"
#include "stream/hash_join_state.h"
#include "stream/state_codec.h"

namespace sluice::stream {

// One loaded version of the table: its rows (plus a trailing all-NULL row that LEFT
// joins gather for unmatched stream rows), their encoded keys and a chained hash index.
struct LookupJoin::Table {
  std::vector<ColumnPtr> columns;
  int32_t rows = 0;  // without the NULL row, whose index is `rows`
  EncodedKeys keys;
  std::vector<int32_t> buckets;  // power-of-two size; first row of the chain or -1
  std::vector<int32_t> next;     // per row: the next row in its bucket, -1 at the end
  uint64_t mask = 0;
};

LookupJoin::LookupJoin(LookupJoinOptions options) : options_(std::move(options)) {
  std::vector<Field> fields = options_.stream_schema->fields();
  for (Field f : options_.table_schema->fields()) {
    if (options_.type == sql::JoinType::kLeft) f.nullable = true;
    fields.push_back(std::move(f));
  }
  output_schema_ = MakeSchema(std::move(fields));
}

LookupJoin::~LookupJoin() = default;

Result<std::unique_ptr<LookupJoin>> LookupJoin::Make(LookupJoinOptions options) {
  if (!options.provider) return Status::Invalid("lookup join of '" + options.table + "': no table provider");
  if (!options.stream_keys || !options.stream_schema || !options.table_schema) {
    return Status::Invalid("lookup join of '" + options.table + "': missing schemas or key expressions");
  }
  if (options.table_keys.empty() ||
      static_cast<int>(options.table_keys.size()) != options.stream_keys->output_schema()->num_fields()) {
    return Status::Invalid("lookup join of '" + options.table + "': the key columns do not pair up");
  }
  for (int k : options.table_keys) {
    if (k < 0 || k >= options.table_schema->num_fields()) {
      return Status::Invalid("lookup join of '" + options.table + "': key column " + std::to_string(k) +
                             " out of range");
    }
  }
  if (options.refresh_interval_us <= 0) {
    return Status::Invalid("lookup join of '" + options.table + "': the refresh interval must be positive");
  }
  return std::unique_ptr<LookupJoin>(new LookupJoin(std::move(options)));
}

int64_t LookupJoin::table_rows() const { return table_ ? table_->rows : 0; }

Status LookupJoin::Load(int64_t now_us) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<RecordBatchPtr> batches,
                          options_.provider->Load(options_.table, options_.table_schema));
  SLUICE_ASSIGN_OR_RETURN(table_, BuildTable(batches, options_));
  loaded_at_us_ = now_us;
  ++loads_;
  return Status::OK();
}

Status LookupJoin::OnProcessingTime(int64_t now_us, ChangeSink* out) {
  (void)out;
  last_now_us_ = now_us;
  if (table_ == nullptr || now_us - loaded_at_us_ < options_.refresh_interval_us) return Status::OK();
  Status st = Load(now_us);
  if (!st.ok()) {
    // Keep joining with the table we have; try again after another interval.
    ++reload_failures_;
    loaded_at_us_ = now_us;
    observe::LogWarn("lookup table reload failed; keeping the previous rows",
                     {{"table", options_.table}, {"error", st.message()}});
  }
  return Status::OK();
}

Status LookupJoin::Apply(const RecordBatch& input, ChangeSink* out) {
  if (table_ == nullptr) {
    Status st = Load(last_now_us_ >= 0 ? last_now_us_ : NowMicros());
    // Not Invalid: the rows are fine, the table is not (the pipeline must not retry per row).
    if (!st.ok()) return Status::IOError("lookup table '" + options_.table + "': " + st.message());
  }
  const Table& t = *table_;
  SLUICE_ASSIGN_OR_RETURN(RecordBatchPtr key_batch, options_.stream_keys->Evaluate(input));
  std::vector<int> key_columns(static_cast<size_t>(key_batch->num_columns()));
  for (size_t i = 0; i < key_columns.size(); ++i) key_columns[i] = static_cast<int>(i);
  EncodedKeys probe;
  EncodeJoinKeys(*key_batch, key_columns, &probe);

  // Matches, grouped by stream row in input order.
  const int64_t n = input.num_rows();
  stream_rows_.clear();
  table_rows_.clear();
  for (int64_t r = 0; r < n; ++r) {
    if (probe.null[static_cast<size_t>(r)] || t.rows == 0) continue;
    const uint64_t h = probe.hashes[static_cast<size_t>(r)];
    const uint8_t* key = probe.key(r);
    const size_t size = probe.key_size(r);
    for (int32_t row = t.buckets[h & t.mask]; row >= 0; row = t.next[static_cast<size_t>(row)]) {
      if (t.keys.hashes[static_cast<size_t>(row)] != h || t.keys.key_size(row) != size ||
          std::memcmp(t.keys.key(row), key, size) != 0) {
        continue;
      }
      stream_rows_.push_back(static_cast<int32_t>(r));
      table_rows_.push_back(row);
    }
  }

  auto gather = [&]() {
    std::vector<ColumnPtr> cols;
    const auto m = static_cast<int64_t>(stream_rows_.size());
    for (int c = 0; c < input.num_columns(); ++c) {
      auto col = std::make_shared<Column>(input.column(c).type());
      col->AppendSelected(input.column(c), stream_rows_.data(), m);
      cols.push_back(std::move(col));
    }
    for (const ColumnPtr& tc : t.columns) {
      auto col = std::make_shared<Column>(tc->type());
      col->AppendSelected(*tc, table_rows_.data(), m);
      cols.push_back(std::move(col));
    }
    return std::make_shared<RecordBatch>(output_schema_, std::move(cols), m);
  };

  if (options_.residual && !stream_rows_.empty()) {
    RecordBatchPtr candidates = gather();
    SLUICE_ASSIGN_OR_RETURN(RecordBatchPtr kept, options_.residual->Evaluate(*candidates));
    (void)kept;
    if (const std::vector<int32_t>* sel = options_.residual->selection()) {
      size_t w = 0;
      for (int32_t i : *sel) {
        stream_rows_[w] = stream_rows_[static_cast<size_t>(i)];
        table_rows_[w] = table_rows_[static_cast<size_t>(i)];
        ++w;
      }
      stream_rows_.resize(w);
      table_rows_.resize(w);
    }
  }
  if (options_.type == sql::JoinType::kLeft) {
    // Every stream row without a (surviving) match joins the NULL row, in input order.
    std::vector<int32_t> s, tr;
    s.reserve(static_cast<size_t>(n) + stream_rows_.size());
    tr.reserve(s.capacity());
    size_t i = 0;
    for (int32_t r = 0; r < static_cast<int32_t>(n); ++r) {
      if (i < stream_rows_.size() && stream_rows_[i] == r) {
        while (i < stream_rows_.size() && stream_rows_[i] == r) {
          s.push_back(r);
          tr.push_back(table_rows_[i]);
          ++i;
        }
      } else {
        s.push_back(r);
        tr.push_back(t.rows);
      }
    }
    stream_rows_ = std::move(s);
    table_rows_ = std::move(tr);
  }
  if (stream_rows_.empty()) return Status::OK();
  warehouse::ChangeBatch changes;
  changes.rows = gather();
  changes.ops.assign(stream_rows_.size(), warehouse::ChangeOp::kInsert);
  return out->Emit(changes);
}

Status LookupJoin::Finish(ChangeSink* out) {
  (void)out;
  return Status::OK();
}

Status LookupJoin::Snapshot(StateWriter* out) const {
  out->WriteTag("LookupJoin");
  return Status::OK();
}

Status LookupJoin::Restore(StateReader* in) {
  SLUICE_RETURN_NOT_OK(in->ExpectTag("LookupJoin"));
  table_ = nullptr;  // reloaded at the next batch
  return Status::OK();
}

Result<std::shared_ptr<const LookupJoin::Table>> LookupJoin::BuildTable(
    const std::vector<RecordBatchPtr>& batches, const LookupJoinOptions& o) {
  const Schema& schema = *o.table_schema;
  auto t = std::make_shared<LookupJoin::Table>();
  std::vector<std::shared_ptr<Column>> cols;
  for (const Field& f : schema.fields()) cols.push_back(std::make_shared<Column>(f.type));
  int64_t rows = 0;
  for (const RecordBatchPtr& b : batches) {
    if (b->num_columns() != schema.num_fields()) {
      return Status::Invalid("table '" + o.table + "' has " + std::to_string(b->num_columns()) +
                             " columns now, " + std::to_string(schema.num_fields()) +
                             " when the query was planned; restart the query to plan it again");
    }
    for (int c = 0; c < schema.num_fields(); ++c) {
      if (!(b->column(c).type() == schema.field(c).type)) {
        return Status::Invalid("table '" + o.table + "': column " + schema.field(c).name + " is " +
                               b->column(c).type().ToString() + " now, " + schema.field(c).type.ToString() +
                               " when the query was planned; restart the query to plan it again");
      }
      cols[static_cast<size_t>(c)]->AppendRange(b->column(c), 0, b->num_rows());
    }
    rows += b->num_rows();
  }
  if (rows >= INT32_MAX - 1) {
    return Status::Invalid("table '" + o.table + "' has " + std::to_string(rows) +
                           " rows; a lookup table holds at most 2^31 - 2");
  }
  t->rows = static_cast<int32_t>(rows);
  for (auto& c : cols) c->AppendNull();
  for (auto& c : cols) t->columns.push_back(std::move(c));
  const RecordBatch all(o.table_schema, t->columns, rows + 1);
  EncodeJoinKeys(all, o.table_keys, &t->keys);
  size_t size = 16;
  while (size < static_cast<size_t>(rows) * 2) size <<= 1;
  t->buckets.assign(size, -1);
  t->next.assign(static_cast<size_t>(rows), -1);
  t->mask = size - 1;
  // Back to front, so that each chain lists its rows in table order.
  for (int32_t r = t->rows - 1; r >= 0; --r) {
    if (t->keys.null[static_cast<size_t>(r)]) continue;
    int32_t& head = t->buckets[t->keys.hashes[static_cast<size_t>(r)] & t->mask];
    t->next[static_cast<size_t>(r)] = head;
    head = r;
  }
  return std::shared_ptr<const LookupJoin::Table>(std::move(t));
}

}  // namespace sluice::stream
