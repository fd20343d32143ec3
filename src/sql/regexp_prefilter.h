// RegexpPrefilter: a cheap necessary condition for an RE2 pattern to match, checked
// before running the regular expression. When RE2's prefilter analysis (FilteredRE2)
// shows that every match contains one literal string (e.g. "channel_id=" in
// '(&|^)channel_id=([^&]*)'), rows without it are rejected with an ASCII case-insensitive
// literal search (memchr on its first byte) instead of a regex search. Patterns without such a literal, with
// case-insensitive flags or with non-ASCII literals get no prefilter (MayMatch is
// always true). Immutable after construction: thread-safe.
#pragma once

#include <cstring>
#include <string>
#include <string_view>

namespace sluice::sql {

class RegexpPrefilter {
 public:
  // Analyses `pattern` (which must be a valid RE2 pattern).
  explicit RegexpPrefilter(const std::string& pattern);

  bool active() const { return !required_.empty(); }
  // False only if `text` cannot match the pattern.
  bool MayMatch(std::string_view text) const {
    if (required_.empty()) return true;
    const size_t m = required_.size();
    if (text.size() < m) return false;
    // ASCII case-insensitive search: candidates start at either case of the first byte.
    const char* p = text.data();
    const char* last = p + (text.size() - m);  // the last possible start
    while (p <= last) {
      const char* lo = static_cast<const char*>(std::memchr(p, first_lower_, static_cast<size_t>(last - p + 1)));
      const char* up = first_upper_ == first_lower_
                           ? nullptr
                           : static_cast<const char*>(std::memchr(p, first_upper_, static_cast<size_t>(last - p + 1)));
      const char* c = lo == nullptr ? up : (up == nullptr || lo < up ? lo : up);
      if (c == nullptr) return false;
      size_t k = 1;
      while (k < m && Fold(c[k]) == required_[k]) ++k;
      if (k == m) return true;
      p = c + 1;
    }
    return false;
  }
  // The literal every match contains (lowercase), or empty.
  const std::string& required() const { return required_; }

 private:
  static char Fold(char c) {
    const auto u = static_cast<unsigned char>(c);
    return static_cast<char>(u | (static_cast<unsigned char>(u - 'A') < 26 ? 0x20 : 0));
  }
  std::string required_;
  char first_lower_ = 0;
  char first_upper_ = 0;
};

}  // namespace sluice::sql
