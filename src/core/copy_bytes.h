// CopyShortBytes: memcpy for the short strings that dominate columns (n <= 16), without
// a library call: two overlapping 8- or 4-byte moves, or first/middle/last byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sluice {

[[gnu::always_inline]] inline void CopyShortBytes(void* dst_ptr, const void* src_ptr, size_t n) {
  auto* dst = static_cast<unsigned char*>(dst_ptr);
  const auto* src = static_cast<const unsigned char*>(src_ptr);
  if (n >= 8) {
    uint64_t a, b;
    std::memcpy(&a, src, 8);
    std::memcpy(&b, src + n - 8, 8);
    std::memcpy(dst, &a, 8);
    std::memcpy(dst + n - 8, &b, 8);
  } else if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, src, 4);
    std::memcpy(&b, src + n - 4, 4);
    std::memcpy(dst, &a, 4);
    std::memcpy(dst + n - 4, &b, 4);
  } else if (n > 0) {  // 1..3 bytes
    dst[0] = src[0];
    dst[n / 2] = src[n / 2];
    dst[n - 1] = src[n - 1];
  }
}

}  // namespace sluice
