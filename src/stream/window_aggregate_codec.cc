// WindowAggregate::Snapshot / Restore (kept apart from the operator's hot path).
#include "stream/state_codec.h"
#include "stream/window_aggregate.h"

namespace sluice::stream {

Status WindowAggregate::Snapshot(StateWriter* out) const {
  out->WriteTag("WindowAggregate");
  out->WriteI64(state_.max_event_time);
  out->WriteI64(state_.watermark);
  out->WriteU64(state_.windows.size());
  for (const auto& [end, slot] : state_.windows) {
    out->WriteI64(end);
    out->WriteBool(slot.fired);
    out->WriteBool(slot.groups != nullptr);
    if (slot.groups) SLUICE_RETURN_NOT_OK(slot.groups->Snapshot(out));
  }
  return Status::OK();
}

Status WindowAggregate::Restore(StateReader* in) {
  SLUICE_RETURN_NOT_OK(in->ExpectTag("WindowAggregate"));
  // The restored windows reuse the current ones' store directories: close and remove
  // those first (a failed restore leaves the operator unusable anyway).
  for (auto& [end, slot] : state_.windows) SLUICE_RETURN_NOT_OK(ReleaseWindow(end, &slot));
  state_.windows.clear();
  WindowAggregateState s;
  SLUICE_RETURN_NOT_OK(in->ReadI64(&s.max_event_time));
  SLUICE_RETURN_NOT_OK(in->ReadI64(&s.watermark));
  uint64_t windows = 0;
  SLUICE_RETURN_NOT_OK(in->ReadCount(&windows, 10));
  for (uint64_t i = 0; i < windows; ++i) {
    int64_t end = 0;
    bool has_groups = false;
    SLUICE_RETURN_NOT_OK(in->ReadI64(&end));
    WindowSlot& slot = s.windows[end];
    SLUICE_RETURN_NOT_OK(in->ReadBool(&slot.fired));
    SLUICE_RETURN_NOT_OK(in->ReadBool(&has_groups));
    if (!has_groups) continue;
    SLUICE_RETURN_NOT_OK(OpenWindow(end, &slot));
    SLUICE_RETURN_NOT_OK(slot.groups->Restore(in));
    // kRocksDb: within the budget after each window, not only at the end.
    if (spills_) SLUICE_RETURN_NOT_OK(EnforceBudget(&s.windows));
  }
  if (s.windows.size() != windows) return in->Corrupt("a window appears twice");
  state_ = std::move(s);
  return Status::OK();
}

}  // namespace sluice::stream
