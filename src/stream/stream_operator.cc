#include "stream/stream_operator.h"

#include "stream/row_slots.h"

#include <cxxabi.h>

#include <cstdlib>
#include <typeinfo>

namespace sluice::stream {

namespace {

// "sluice::stream::TopN" for the dynamic type of `op`.
std::string ClassName(const StreamOperator& op) {
  const char* mangled = typeid(op).name();
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string name = status == 0 && demangled != nullptr ? demangled : mangled;
  std::free(demangled);
  return name;
}

}  // namespace

Status CheckChangeBatch(const std::string& op, int port, int ports, const warehouse::ChangeBatch& input) {
  if (port < 0 || port >= ports) return Status::Internal(op + " has no input port " + std::to_string(port));
  if (input.rows == nullptr) return Status::Invalid(op + ": change batch without rows");
  if (static_cast<int64_t>(input.ops.size()) != input.rows->num_rows()) {
    return Status::Invalid(op + ": change batch with " + std::to_string(input.ops.size()) + " ops for " +
                           std::to_string(input.rows->num_rows()) + " rows");
  }
  for (size_t i = 0; i < input.ops.size(); ++i) {
    if (static_cast<int>(input.ops[i]) >= warehouse::kChangeOpCount) {
      return Status::Invalid(op + ": change op code " + std::to_string(static_cast<int>(input.ops[i])) +
                             " in row " + std::to_string(i) + " is not one of +I, -U, +U, -D");
    }
  }
  return Status::OK();
}

bool CompactSlots(std::vector<uint8_t>* alive, int64_t* dead_rows, std::vector<Column>* rows,
                  SlotCompaction* out) {
  const int64_t total = static_cast<int64_t>(alive->size());
  if (*dead_rows < 1024 || *dead_rows * 2 <= total) return false;
  out->live.clear();
  out->remap.assign(static_cast<size_t>(total), -1);
  out->live.reserve(static_cast<size_t>(total - *dead_rows));
  for (int64_t s = 0; s < total; ++s) {
    if (!(*alive)[static_cast<size_t>(s)]) continue;
    out->remap[static_cast<size_t>(s)] = static_cast<int32_t>(out->live.size());
    out->live.push_back(static_cast<int32_t>(s));
  }
  const int64_t n = static_cast<int64_t>(out->live.size());
  for (Column& col : *rows) {
    Column kept(col.type());
    kept.AppendSelected(col, out->live.data(), n);
    col = std::move(kept);
  }
  alive->assign(static_cast<size_t>(n), 1);
  *dead_rows = 0;
  return true;
}

Status StreamOperator::Snapshot(StateWriter* out) const {
  (void)out;
  return Status::NotImplemented("checkpoints cannot snapshot the state of " + ClassName(*this) +
                                " yet; set run.checkpoint_interval: 0 in sluice.yaml to run "
                                "this query without checkpoints");
}

Status StreamOperator::Restore(StateReader* in) {
  (void)in;
  return Status::NotImplemented("checkpoints cannot restore the state of " + ClassName(*this) + " yet");
}

}  // namespace sluice::stream
