#include "stream/stream_operator.h"

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
  return Status::OK();
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
