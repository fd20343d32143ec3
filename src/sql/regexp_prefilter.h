// RegexpPrefilter: a cheap necessary condition for an RE2 pattern to match, checked
// before running the regular expression, and the first byte a match can start at.
//
// When RE2's prefilter analysis (FilteredRE2) shows that every match contains one
// literal string (e.g. "channel_id=" in '(&|^)channel_id=([^&]*)'), rows without it
// are rejected with an ASCII case-insensitive literal search (memchr on its first byte)
// instead of a regex search. Patterns without such a literal, with case-insensitive
// flags or with non-ASCII literals get no prefilter (Find always gives 0).
//
// When moreover the pattern is a concatenation `prefix literal suffix` (the literal
// written verbatim at the top level, no top-level alternation) whose prefix matches at
// most max_prefix() bytes, a match cannot start before (first occurrence of the
// literal) - max_prefix(): SearchStart gives that position, so the regex engine skips
// the bytes before it. (Every match holds a verbatim occurrence q >= the first
// case-insensitive occurrence p, and starts at most max_prefix() bytes before q.)
//
// Immutable after construction: thread-safe.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace sluice::sql {

class RegexpPrefilter {
 public:
  static constexpr size_t kNoMatch = std::string_view::npos;
  static constexpr size_t kUnbounded = SIZE_MAX;

  // Analyses `pattern` (which must be a valid RE2 pattern).
  explicit RegexpPrefilter(const std::string& pattern);

  bool active() const { return !required_.empty(); }

  // Byte offset of the first ASCII case-insensitive occurrence of the required literal
  // in `text`, kNoMatch if there is none (then the pattern cannot match), 0 when the
  // prefilter is inactive.
  size_t Find(std::string_view text) const {
    if (required_.empty()) return 0;
    const size_t m = required_.size();
    if (text.size() < m) return kNoMatch;
    const char* begin = text.data();
    // Candidates are found by the anchor byte (required_[anchor_]): one memchr when it
    // is not a letter, else one per case, each hit kept until the search passes it.
    // Offsets; `none` (past every possible anchor) stands for "no more hits".
    size_t pos = anchor_;                              // where the anchor may be next
    const size_t last = text.size() - m + anchor_;     // the last place it may be
    const size_t none = last + 1;
    size_t lo = Hit(begin, begin + pos, anchor_lower_, last - pos + 1, none);
    size_t up = anchor_upper_ == anchor_lower_ ? none
                                               : Hit(begin, begin + pos, anchor_upper_, last - pos + 1, none);
    for (;;) {
      const size_t c = lo < up ? lo : up;
      if (c == none) return kNoMatch;
      const size_t start = c - anchor_;
      size_t k = 0;
      while (k < m && Fold(begin[start + k]) == required_[k]) ++k;
      if (k == m) return start;
      pos = c + 1;
      if (pos > last) return kNoMatch;
      if (lo < pos) lo = Hit(begin, begin + pos, anchor_lower_, last - pos + 1, none);
      if (up < pos) up = Hit(begin, begin + pos, anchor_upper_, last - pos + 1, none);
    }
  }

  // False only if `text` cannot match the pattern.
  bool MayMatch(std::string_view text) const { return Find(text) != kNoMatch; }

  // The first byte a match can start at in a text where Find gave `found` (not
  // kNoMatch): 0 unless the prefix is bounded.
  size_t SearchStart(size_t found) const {
    if (max_prefix_ == kUnbounded || found <= max_prefix_) return 0;
    return found - max_prefix_;
  }

  // The literal every match contains (lowercase), or empty.
  const std::string& required() const { return required_; }
  // Most bytes a match holds before the literal; kUnbounded when unknown.
  size_t max_prefix() const { return max_prefix_; }

 private:
  // Offset from `begin` of the first `ch` in [from, from + span), or `none`.
  static size_t Hit(const char* begin, const char* from, char ch, size_t span, size_t none) {
    const void* hit = std::memchr(from, ch, span);
    return hit == nullptr ? none : static_cast<size_t>(static_cast<const char*>(hit) - begin);
  }
  static char Fold(char c) {
    const auto u = static_cast<unsigned char>(c);
    return static_cast<char>(u | (static_cast<unsigned char>(u - 'A') < 26 ? 0x20 : 0));
  }
  std::string required_;
  size_t anchor_ = 0;  // the byte of required_ candidates are searched by
  char anchor_lower_ = 0;
  char anchor_upper_ = 0;
  size_t max_prefix_ = kUnbounded;
};

// Most bytes a match of `pattern` holds before its first top-level verbatim occurrence
// of `literal` (compared ASCII case-insensitively with the lowercase `literal`), or
// RegexpPrefilter::kUnbounded when the pattern has no such occurrence, a top-level
// alternation, an unbounded prefix or syntax this analysis does not know. Exposed for
// tests.
size_t MaxPrefixBytes(std::string_view pattern, std::string_view literal);

}  // namespace sluice::sql
