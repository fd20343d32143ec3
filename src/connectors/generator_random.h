// Deterministic, fast pseudo-random numbers for the data generators (generator source).
//
// Everything here is a pure function of its inputs: the same seed gives the same
// sequence on every machine and build, which is what makes generated data
// reproducible and seekable. Not for cryptography.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sluice::connectors::gen {

// The splitmix64 finalizer: a bijective 64-bit mix. Mix64(seed ^ Mix64(i)) gives
// independent-looking streams for each (seed, i).
inline uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// 2^x for 0 <= x < 1000, to about 3e-6 relative: a 1024-entry table of 2^(k/1024)
// with linear interpolation, scaled by the exponent bits. Several times faster than
// std::exp, and bit-for-bit the same on every IEEE-754 machine (no libm involved).
class FastExp2Table {
 public:
  FastExp2Table() {
    for (int k = 0; k <= kSize; ++k) table_[k] = std::exp2(static_cast<double>(k) / kSize);
  }
  double operator()(double x) const {
    const int64_t whole = static_cast<int64_t>(x);
    const double scaled = (x - static_cast<double>(whole)) * kSize;
    const int64_t k = static_cast<int64_t>(scaled);
    const double t = scaled - static_cast<double>(k);
    const double frac = table_[k] + (table_[k + 1] - table_[k]) * t;
    const uint64_t bits = static_cast<uint64_t>(whole + 1023) << 52;
    double pow2;
    std::memcpy(&pow2, &bits, sizeof(pow2));
    return frac * pow2;
  }

 private:
  static constexpr int kSize = 1024;
  double table_[kSize + 1];
};

inline const FastExp2Table& FastExp2() {
  static const FastExp2Table table;
  return table;
}

// Seeds a per-item generator from (seed, index), so item i can be produced without
// producing items 0..i-1 first.
inline uint64_t SeedFor(uint64_t seed, uint64_t index) { return Mix64(seed ^ Mix64(index)); }

// wyrand: one add and one 64x64->128 multiply per number; passes BigCrush.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    state_ += 0xa0761d6478bd642fULL;
    const unsigned __int128 m =
        static_cast<unsigned __int128>(state_) * (state_ ^ 0xe7037ed1a0b428dbULL);
    return static_cast<uint64_t>(m >> 64) ^ static_cast<uint64_t>(m);
  }
  // Uniform in [0, n) for n >= 1 (multiply-shift; bias below n / 2^64).
  uint64_t Uniform(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  int64_t Range(int64_t lo, int64_t hi_inclusive) {
    return lo + static_cast<int64_t>(Uniform(static_cast<uint64_t>(hi_inclusive - lo + 1)));
  }
  // Uniform in [0, 1).
  double Double() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Double() < p; }
 private:
  uint64_t state_;
};

// Zipf-like ranks in [0, n): P(rank = k) proportional to about 1 / (k + offset), i.e.
// Zipf with exponent 1, flattened at the head by `offset` (>= 1; 1 = classic Zipf).
// Sampled in O(1) by inverting the continuous CDF, for any n.
class ZipfSampler {
 public:
  ZipfSampler(uint64_t n, double offset)
      : n_(n == 0 ? 1 : n),
        offset_(offset),
        log2_span_(std::log2((static_cast<double>(n_) + offset) / offset)),
        exp2_(FastExp2()) {}
  uint64_t operator()(Rng& rng) const {
    const double x = offset_ * exp2_(rng.Double() * log2_span_) - offset_;
    const uint64_t k = static_cast<uint64_t>(x);
    return k < n_ ? k : n_ - 1;
  }
  uint64_t n() const { return n_; }

 private:
  uint64_t n_;
  double offset_;
  double log2_span_;
  const FastExp2Table& exp2_;
};

// A permutation of [0, n) that scatters ranks over ids, so that the most popular
// customer or product is not simply id 1. Bijective because `mult` is coprime to n.
class Scatter {
 public:
  // Precondition: n <= 2^31, so rank * mult + add fits in 64 bits.
  Scatter(uint64_t n, uint64_t seed) : n_(n == 0 ? 1 : n) {
    mult_ = (Mix64(seed) % n_) | 1;
    while (Gcd(mult_, n_) != 1) mult_ += 2;
    add_ = Mix64(seed + 1) % n_;
  }
  uint64_t operator()(uint64_t rank) const {
    return (rank * mult_ + add_) % n_;  // no overflow: n <= 2^31 (see constructor)
  }

 private:
  static uint64_t Gcd(uint64_t a, uint64_t b) {
    while (b) {
      const uint64_t t = a % b;
      a = b;
      b = t;
    }
    return a;
  }
  uint64_t n_;
  uint64_t mult_ = 1;
  uint64_t add_ = 0;
};

// Writes `v` as exactly `width` decimal digits (zero padded, leading digits beyond
// `width` are dropped) at `out`; returns out + width.
inline char* WriteDigits(char* out, uint64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return out + width;
}

// Number of decimal digits of v (at least 1).
inline int DigitCount(uint64_t v) {
  int n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

}  // namespace sluice::connectors::gen
