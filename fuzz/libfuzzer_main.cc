// The libFuzzer entry point of one fuzzer binary: fuzz/CMakeLists.txt compiles this file
// once per target with SLUICE_FUZZ_FUNCTION set to the target's function (targets.h).
#include <cstddef>
#include <cstdint>

#include "fuzz/targets.h"

#ifndef SLUICE_FUZZ_FUNCTION
#error "define SLUICE_FUZZ_FUNCTION to one of the functions of fuzz/targets.h"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return sluice::fuzz::SLUICE_FUZZ_FUNCTION(data, size);
}
