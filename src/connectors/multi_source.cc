#include "connectors/multi_source.h"

namespace sluice::connectors {

MultiSource::MultiSource(std::vector<Member> members) : members_(std::move(members)) {
  for (const Member& m : members_) {
    offsets_.push_back(static_cast<int>(streams_.size()));
    const auto& s = m.source->streams();
    streams_.insert(streams_.end(), s.begin(), s.end());
  }
  ended_.assign(members_.size(), false);
}

Status MultiSource::Open(const ConnectorContext& ctx) {
  for (Member& m : members_) {
    ConnectorContext member_ctx = ctx;
    member_ctx.name = m.name;
    if (ctx.on_bad_record) {
      // The pipeline's handler, with the member's name where the member left it empty.
      member_ctx.on_bad_record = [handler = ctx.on_bad_record, name = m.name](BadRecord bad) {
        if (bad.connector.empty()) bad.connector = name;
        handler(std::move(bad));
      };
    }
    SLUICE_RETURN_NOT_OK(m.source->Open(member_ctx).WithContext("source '" + m.name + "'"));
  }
  return Status::OK();
}

Status MultiSource::Seek(const Position& pos) {
  std::vector<Position> parts(members_.size());
  for (const auto& [partition, offset] : pos.offsets) {
    const size_t slash = partition.find('/');
    size_t k = 0;
    if (slash != std::string::npos) {
      const std::string_view member(partition.data(), slash);
      while (k < members_.size() && members_[k].name != member) ++k;
    }
    if (slash == std::string::npos || k == members_.size()) {
      return Status::Invalid("the position names partition '" + partition +
                             "', which belongs to none of the sources read together here; "
                             "was the set of sources this query joins changed?");
    }
    parts[k].Set(partition.substr(slash + 1), offset);
  }
  for (size_t k = 0; k < members_.size(); ++k) {
    SLUICE_RETURN_NOT_OK(members_[k].source->Seek(parts[k]).WithContext("source '" + members_[k].name + "'"));
  }
  return Status::OK();
}

Result<ReadState> MultiSource::Next(std::vector<SourceBatch>* out, int64_t max_records) {
  const size_t n = members_.size();
  bool all_ended = true;
  for (size_t i = 0; i < n; ++i) {
    const size_t k = (next_ + i) % n;
    if (ended_[k]) continue;
    scratch_.clear();
    Result<ReadState> state = members_[k].source->Next(&scratch_, max_records);
    if (!state.ok()) return state.status().WithContext("source '" + members_[k].name + "'");
    for (SourceBatch& b : scratch_) {
      b.stream += offsets_[k];
      out->push_back(std::move(b));
    }
    if (*state == ReadState::kEnd) {
      ended_[k] = true;
      if (scratch_.empty()) continue;
    } else {
      all_ended = false;
    }
    if (!scratch_.empty() || *state == ReadState::kData) {
      next_ = (k + 1) % n;
      return ReadState::kData;
    }
  }
  return all_ended ? ReadState::kEnd : ReadState::kIdle;
}

Position MultiSource::CurrentPosition() const {
  Position out;
  for (const Member& m : members_) {
    for (const auto& [partition, offset] : m.source->CurrentPosition().offsets) {
      out.Set(m.name + "/" + partition, offset);
    }
  }
  return out;
}

int64_t MultiSource::Lag() const {
  int64_t sum = -1;
  for (const Member& m : members_) {
    const int64_t lag = m.source->Lag();
    if (lag >= 0) sum = (sum < 0 ? 0 : sum) + lag;
  }
  return sum;
}

Status MultiSource::Close() {
  Status first;
  for (Member& m : members_) {
    Status st = m.source->Close();
    if (first.ok() && !st.ok()) first = st.WithContext("source '" + m.name + "'");
  }
  return first;
}

}  // namespace sluice::connectors
