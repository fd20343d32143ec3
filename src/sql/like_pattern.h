// LikePattern: SQL LIKE / ILIKE matching. `%` matches any run of characters, `_` one
// character (UTF-8 aware); the escape character (backslash unless ESCAPE says
// otherwise) makes the next pattern character literal. ILIKE folds ASCII case.
// A pattern is analysed once: plain prefix/suffix/contains/exact patterns use
// memcmp/find, others a backtracking matcher without allocation.
#pragma once

#include <string>
#include <string_view>

namespace sluice::sql {

class LikePattern {
 public:
  LikePattern() = default;
  LikePattern(std::string_view pattern, char escape, bool case_insensitive);
  bool Match(std::string_view s) const;

  // Matches one value against an ad-hoc pattern (non-constant patterns).
  static bool MatchGeneral(std::string_view s, std::string_view p, char escape, bool ci);

 private:
  enum class Kind { kAny, kExact, kPrefix, kSuffix, kContains, kGeneral };
  Kind kind_ = Kind::kGeneral;
  std::string pattern_;  // the whole pattern (general) or the literal part
  char escape_ = '\\';
  bool ci_ = false;
};

}  // namespace sluice::sql
