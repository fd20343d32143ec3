// SessionWindow::Snapshot / Restore: SessionWindowState in the state_codec.h format.
#include <algorithm>

#include "stream/session_window.h"
#include "stream/state_codec.h"

namespace sluice::stream {

Status SessionWindow::Snapshot(StateWriter* out) const {
  out->WriteTag("SessionWindow");
  out->WriteI64(state_.next_id);
  out->WriteI64(state_.max_event_time);
  out->WriteI64(state_.watermark);
  out->WriteU64(state_.sessions.size());
  for (const auto& [id, s] : state_.sessions) {
    out->WriteI64(id);
    out->WriteString(s.partition);
    out->WriteI64(s.start);
    out->WriteI64(s.last);
    out->WriteBool(s.fired);
    out->WriteU64(s.rows.size());
    for (const auto& c : s.rows) out->WriteColumn(*c);
    // Each range of emitted rows as a batch of its own (the format of when sessions
    // kept their emitted rows as batches).
    out->WriteU64(s.emitted.size());
    for (const RowRange& r : s.emitted) {
      out->WriteI64(r.n);
      for (const auto& stored : state_.emitted_rows) {
        Column part(stored->type());
        part.AppendRange(*stored, r.begin, r.n);
        out->WriteColumn(part);
      }
    }
  }
  // partitions (key -> ids, in order) and by_end follow from the sessions, but their
  // order is kept as is.
  out->WriteU64(state_.partitions.size());
  for (const auto& [key, part] : state_.partitions) {
    out->WriteString(key);
    out->WriteVector(part.ids);
  }
  out->WriteU64(state_.by_end.size());
  for (const auto& [end, id] : state_.by_end) {
    out->WriteI64(end);
    out->WriteI64(id);
  }
  return Status::OK();
}

Status SessionWindow::Restore(StateReader* in) {
  SLUICE_RETURN_NOT_OK(in->ExpectTag("SessionWindow"));
  SessionWindowState st;
  SLUICE_RETURN_NOT_OK(in->ReadI64(&st.next_id));
  SLUICE_RETURN_NOT_OK(in->ReadI64(&st.max_event_time));
  SLUICE_RETURN_NOT_OK(in->ReadI64(&st.watermark));
  const SchemaPtr& output = query_->output_schema();
  uint64_t n = 0;
  SLUICE_RETURN_NOT_OK(in->ReadCount(&n, 8));
  for (const Field& f : output->fields()) st.emitted_rows.push_back(std::make_shared<Column>(f.type));
  size_t row_columns = 0;
  std::vector<DataType> row_types;  // the first session's, which every session shares
  for (uint64_t i = 0; i < n; ++i) {
    int64_t id = 0;
    SLUICE_RETURN_NOT_OK(in->ReadI64(&id));
    if (id < 0 || id >= st.next_id || st.sessions.count(id) != 0) return in->Corrupt("bad session id");
    Session& s = st.sessions[id];
    SLUICE_RETURN_NOT_OK(in->ReadString(&s.partition));
    SLUICE_RETURN_NOT_OK(in->ReadI64(&s.start));
    SLUICE_RETURN_NOT_OK(in->ReadI64(&s.last));
    SLUICE_RETURN_NOT_OK(in->ReadBool(&s.fired));
    uint64_t cols = 0;
    SLUICE_RETURN_NOT_OK(in->ReadCount(&cols, 19));
    if (i == 0) row_columns = cols;
    if (cols != row_columns || cols <= static_cast<uint64_t>(std::max(window_.start_key, window_.end_key))) {
      return in->Corrupt("the session's rows do not match the query");
    }
    for (uint64_t c = 0; c < cols; ++c) {
      auto col = std::make_shared<Column>(DataType::Int64());
      SLUICE_RETURN_NOT_OK(in->ReadAnyColumn(col.get()));
      // Every session stores the same prepared columns, each of the session's length.
      if ((!s.rows.empty() && col->length() != s.rows.front()->length()) ||
          (i > 0 && !(col->type() == row_types[c]))) {
        return in->Corrupt("the session's rows do not match the query");
      }
      if (i == 0) row_types.push_back(col->type());
      s.rows.push_back(std::move(col));
    }
    uint64_t batches = 0;
    SLUICE_RETURN_NOT_OK(in->ReadCount(&batches, 8));
    for (uint64_t b = 0; b < batches; ++b) {
      int64_t rows = 0;
      SLUICE_RETURN_NOT_OK(in->ReadI64(&rows));
      const int64_t begin = st.emitted_rows.front()->length();
      for (int c = 0; c < output->num_fields(); ++c) {
        Column col(output->field(c).type);
        SLUICE_RETURN_NOT_OK(in->ReadColumn(output->field(c).type, &col));
        if (col.length() != rows) return in->Corrupt("emitted rows of the wrong length");
        st.emitted_rows[static_cast<size_t>(c)]->AppendRange(col, 0, rows);
      }
      s.emitted.push_back(RowRange{begin, rows});
    }
  }
  SLUICE_RETURN_NOT_OK(in->ReadCount(&n, 16));
  for (uint64_t i = 0; i < n; ++i) {
    std::string key;
    std::vector<int64_t> ids;
    SLUICE_RETURN_NOT_OK(in->ReadString(&key));
    SLUICE_RETURN_NOT_OK(in->ReadVector(&ids));
    PartitionSessions& part = st.partitions[key];
    for (int64_t id : ids) {
      auto it = st.sessions.find(id);
      if (it == st.sessions.end()) return in->Corrupt("a partition names a missing session");
      part.sessions.push_back(&it->second);  // map nodes keep their address when st moves
    }
    part.ids = std::move(ids);
  }
  SLUICE_RETURN_NOT_OK(in->ReadCount(&n, 16));
  for (uint64_t i = 0; i < n; ++i) {
    int64_t end = 0, id = 0;
    SLUICE_RETURN_NOT_OK(in->ReadI64(&end));
    SLUICE_RETURN_NOT_OK(in->ReadI64(&id));
    if (st.sessions.count(id) == 0) return in->Corrupt("the end index names a missing session");
    st.by_end.insert({end, id});
  }
  if (st.by_end.size() != st.sessions.size()) return in->Corrupt("the end index does not match the sessions");
  state_ = std::move(st);
  // The incremental aggregates are rebuilt from the sessions' rows when next needed.
  acc_.reset();
  live_slots_ = 0;
  return Status::OK();
}

}  // namespace sluice::stream
