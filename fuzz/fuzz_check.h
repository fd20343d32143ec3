// Helpers shared by the fuzz targets (fuzz/*.cc): reading option bytes from the front of
// an input, and checks that abort with a message when a property is violated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/record_batch.h"

namespace sluice::fuzz {

// Takes bytes from the front of a fuzz input; past the end it yields zeros, so every
// input, however short, decodes to some options.
class ByteCursor {
 public:
  ByteCursor(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t Take() {
    if (size_ == 0) return 0;
    --size_;
    return *data_++;
  }
  // The bytes not taken yet.
  std::string_view Rest() const { return {reinterpret_cast<const char*>(data_), size_}; }

 private:
  const uint8_t* data_;
  size_t size_;
};

// Prints "fuzz property violated: <what>" and `detail` to stderr, then aborts.
[[noreturn]] void Violation(std::string_view what, std::string_view detail = "");

// Aborts unless `batch` is well formed for `schema`: same field count and types, every
// column as long as the batch, VARCHAR offsets ascending within the string data. Then
// renders every cell as text and as JSON (catching formatting bugs on odd values).
void CheckBatch(const RecordBatch& batch, const Schema& schema);

}  // namespace sluice::fuzz
