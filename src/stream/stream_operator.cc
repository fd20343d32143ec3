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
