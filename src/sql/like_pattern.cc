#include "sql/like_pattern.h"

#include <cctype>

namespace sluice::sql {

namespace {

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Bytes of the UTF-8 character starting at s[i] (at least 1).
size_t CharLen(std::string_view s, size_t i) {
  size_t j = i + 1;
  while (j < s.size() && IsContinuation(s[j])) ++j;
  return j - i;
}

char Fold(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

}  // namespace

LikePattern::LikePattern(std::string_view pattern, char escape, bool ci)
    : pattern_(pattern), escape_(escape), ci_(ci) {
  if (ci || pattern.find('_') != std::string_view::npos ||
      (escape != '\0' && pattern.find(escape) != std::string_view::npos)) {
    return;  // general
  }
  const size_t first = pattern.find('%');
  if (first == std::string_view::npos) {
    kind_ = Kind::kExact;
    return;
  }
  const size_t last = pattern.rfind('%');
  std::string_view lit;
  if (pattern.find_first_not_of('%') == std::string_view::npos) {
    kind_ = Kind::kAny;
  } else if (first == last && first == pattern.size() - 1) {
    kind_ = Kind::kPrefix;
    lit = pattern.substr(0, first);
  } else if (first == last && first == 0) {
    kind_ = Kind::kSuffix;
    lit = pattern.substr(1);
  } else if (first == 0 && last == pattern.size() - 1 &&
             pattern.substr(1, pattern.size() - 2).find('%') == std::string_view::npos) {
    kind_ = Kind::kContains;
    lit = pattern.substr(1, pattern.size() - 2);
  } else {
    return;
  }
  pattern_.assign(lit);
}

bool LikePattern::Match(std::string_view s) const {
  switch (kind_) {
    case Kind::kAny: return true;
    case Kind::kExact: return s == pattern_;
    case Kind::kPrefix: return s.substr(0, pattern_.size()) == pattern_;
    case Kind::kSuffix:
      return s.size() >= pattern_.size() && s.substr(s.size() - pattern_.size()) == pattern_;
    case Kind::kContains: return s.find(pattern_) != std::string_view::npos;
    case Kind::kGeneral: return MatchGeneral(s, pattern_, escape_, ci_);
  }
  return false;
}

bool LikePattern::MatchGeneral(std::string_view s, std::string_view p, char escape, bool ci) {
  size_t si = 0, pi = 0;
  size_t star_p = std::string_view::npos, star_s = 0;
  while (si < s.size()) {
    if (pi < p.size()) {
      const char c = p[pi];
      if (c == '%') {
        star_p = ++pi;
        star_s = si;
        continue;
      }
      if (c == '_') {
        si += CharLen(s, si);
        ++pi;
        continue;
      }
      char lit = c;
      size_t plen = 1;
      if (escape != '\0' && c == escape && pi + 1 < p.size()) {
        lit = p[pi + 1];
        plen = 2;
      }
      if (s[si] == lit || (ci && Fold(s[si]) == Fold(lit))) {
        ++si;
        pi += plen;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    star_s += CharLen(s, star_s);
    si = star_s;
    pi = star_p;
  }
  while (pi < p.size() && p[pi] == '%') ++pi;
  return pi == p.size();
}

}  // namespace sluice::sql
