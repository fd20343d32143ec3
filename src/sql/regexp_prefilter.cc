#include "sql/regexp_prefilter.h"

#include <re2/filtered_re2.h>
#include <re2/re2.h>

#include <algorithm>
#include <vector>

namespace sluice::sql {

namespace {

constexpr size_t kUnbounded = RegexpPrefilter::kUnbounded;
constexpr size_t kRune = 4;  // most bytes one UTF-8 character takes

size_t AddWidth(size_t a, size_t b) { return a == kUnbounded || b == kUnbounded ? kUnbounded : a + b; }

bool IsMeta(char c) { return std::strchr(".^$|()[]{}*+?\\", c) != nullptr; }

char FoldAscii(char c) {
  const auto u = static_cast<unsigned char>(c);
  return static_cast<char>(u | (static_cast<unsigned char>(u - 'A') < 26 ? 0x20 : 0));
}

// A recursive-descent walk over RE2 syntax that computes the most bytes each piece
// can match. Anything it does not know for sure (\p, \x, \Q, octal, (? flags, odd
// braces) fails the whole analysis: the caller then searches from byte 0.
class PrefixScanner {
 public:
  PrefixScanner(std::string_view p, std::string_view literal) : p_(p), literal_(literal) {}

  size_t Run() {
    for (char c : literal_) {
      if (IsMeta(c)) return kUnbounded;
    }
    if (literal_.empty()) return kUnbounded;
    Alternatives(0);
    if (failed_ || i_ != p_.size() || top_alternation_ || !found_) return kUnbounded;
    return prefix_;
  }

 private:
  // The widest alternative, up to an unmatched ')' or the end.
  size_t Alternatives(int depth) {
    size_t best = Sequence(depth);
    while (!failed_ && i_ < p_.size() && p_[i_] == '|') {
      if (depth == 0) top_alternation_ = true;
      ++i_;
      best = std::max(best, Sequence(depth));  // kUnbounded is the largest value
    }
    return best;
  }

  size_t Sequence(int depth) {
    size_t total = 0;
    while (!failed_ && i_ < p_.size() && p_[i_] != '|' && p_[i_] != ')') {
      if (depth == 0 && !found_ && LiteralHere()) {
        found_ = true;
        prefix_ = total;
      }
      const size_t w = Quantified(Atom(depth));
      total = AddWidth(total, w);
    }
    return total;
  }

  // True if the verbatim literal starts at i_ and no quantifier follows it.
  bool LiteralHere() const {
    if (p_.size() - i_ < literal_.size()) return false;
    for (size_t k = 0; k < literal_.size(); ++k) {
      if (FoldAscii(p_[i_ + k]) != literal_[k]) return false;
    }
    const size_t after = i_ + literal_.size();
    return after == p_.size() || std::strchr("?*+{", p_[after]) == nullptr;
  }

  size_t Fail() {
    failed_ = true;
    i_ = p_.size();
    return kUnbounded;
  }

  size_t Atom(int depth) {
    const char c = p_[i_];
    switch (c) {
      case '(': {
        ++i_;
        if (i_ < p_.size() && p_[i_] == '?') return Fail();  // flags, named groups
        const size_t w = Alternatives(depth + 1);
        if (failed_ || i_ >= p_.size() || p_[i_] != ')') return Fail();
        ++i_;
        return w;
      }
      case '[': return CharClass();
      case '.': ++i_; return kRune;
      case '^':
      case '$': ++i_; return 0;
      case '\\': {
        if (i_ + 1 >= p_.size()) return Fail();
        const char d = p_[i_ + 1];
        i_ += 2;
        if (d == 'b' || d == 'B' || d == 'A' || d == 'z') return 0;
        if (std::strchr("pPxQEC0123456789", d) != nullptr) return Fail();
        if (static_cast<unsigned char>(d) >= 0x80) return Fail();
        return kRune;  // \d \w \s, \n, \., ...: one character
      }
      case '*':
      case '+':
      case '?':
      case '{': return Fail();
      default: {
        const auto u = static_cast<unsigned char>(c);
        const size_t len = u < 0x80 ? 1 : u >= 0xF0 ? 4 : u >= 0xE0 ? 3 : 2;
        i_ = std::min(p_.size(), i_ + len);
        return len;
      }
    }
  }

  size_t CharClass() {
    ++i_;  // '['
    if (i_ < p_.size() && p_[i_] == '^') ++i_;
    if (i_ < p_.size() && p_[i_] == ']') ++i_;  // a leading ']' is a member
    while (i_ < p_.size() && p_[i_] != ']') {
      if (p_[i_] == '\\') {
        if (i_ + 1 < p_.size() && std::strchr("pPxQ", p_[i_ + 1]) != nullptr) return Fail();
        i_ += 2;
      } else if (p_[i_] == '[' && i_ + 1 < p_.size() && p_[i_ + 1] == ':') {
        const size_t end = p_.find(":]", i_ + 2);
        if (end == std::string_view::npos) return Fail();
        i_ = end + 2;
      } else {
        ++i_;
      }
    }
    if (i_ >= p_.size()) return Fail();
    ++i_;  // ']'
    return kRune;
  }

  // Applies the quantifiers after an atom of width w.
  size_t Quantified(size_t w) {
    while (!failed_ && i_ < p_.size()) {
      const char c = p_[i_];
      if (c == '?') {
        ++i_;
      } else if (c == '*' || c == '+') {
        ++i_;
        w = kUnbounded;
      } else if (c == '{') {
        size_t most = 0;
        if (!Repetition(&most)) return Fail();
        if (w != 0 && (most == kUnbounded || w == kUnbounded || w > (kUnbounded - 1) / (most + 1))) {
          w = kUnbounded;
        } else {
          w *= most;
        }
      } else {
        break;
      }
      if (i_ < p_.size() && p_[i_] == '?') ++i_;  // non-greedy
    }
    return w;
  }

  // {n}, {n,} or {n,m} at i_; *most = the upper bound (kUnbounded for {n,}).
  bool Repetition(size_t* most) {
    const size_t close = p_.find('}', i_);
    if (close == std::string_view::npos) return false;
    const std::string_view body = p_.substr(i_ + 1, close - i_ - 1);
    const size_t comma = body.find(',');
    const std::string_view hi = comma == std::string_view::npos ? body : body.substr(comma + 1);
    auto digits = [](std::string_view s) {
      return !s.empty() && s.size() <= 4 &&
             std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    };
    if (!digits(comma == std::string_view::npos ? body : body.substr(0, comma))) return false;
    if (comma != std::string_view::npos && hi.empty()) {
      *most = kUnbounded;
    } else if (digits(hi)) {
      *most = static_cast<size_t>(std::stoul(std::string(hi)));
    } else {
      return false;
    }
    i_ = close + 1;
    return true;
  }

  std::string_view p_;
  std::string_view literal_;
  size_t i_ = 0;
  bool failed_ = false;
  bool found_ = false;
  bool top_alternation_ = false;
  size_t prefix_ = kUnbounded;
};

}  // namespace

size_t MaxPrefixBytes(std::string_view pattern, std::string_view literal) {
  return PrefixScanner(pattern, literal).Run();
}

RegexpPrefilter::RegexpPrefilter(const std::string& pattern) {
  // Case-insensitive matching folds non-ASCII runes onto ASCII ones (U+212A KELVIN SIGN
  // onto 'k'), which an ASCII lowercasing pass would miss: no prefilter then.
  if (pattern.find("(?") != std::string::npos) return;
  re2::FilteredRE2 filter(3);
  int id = -1;
  RE2::Options options;
  options.set_log_errors(false);
  if (filter.Add(pattern, options, &id) != RE2::NoError) return;
  std::vector<std::string> atoms;
  filter.Compile(&atoms);
  if (atoms.empty()) return;
  // With no literal found the pattern must be ruled out, else it is unfiltered.
  std::vector<int> passed;
  filter.AllPotentials({}, &passed);
  if (!passed.empty()) return;
  // The prefilter formula is monotone and false without atoms, so a match contains at
  // least one atom; an atom contained in every atom is then in every match.
  for (const std::string& candidate : atoms) {
    bool in_all = true;
    for (const std::string& a : atoms) in_all = in_all && a.find(candidate) != std::string::npos;
    bool ascii = true;
    for (char c : candidate) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    if (in_all && ascii && (required_.empty() || candidate.size() < required_.size())) required_ = candidate;
  }
  if (!required_.empty()) {
    // Search by the byte likely rarest in text: punctuation over digits over letters
    // (a letter needs a search per case); the last of equals.
    auto rarity = [](char ch) {
      if (ch >= 'a' && ch <= 'z') return 0;
      if (ch >= '0' && ch <= '9') return 1;
      return std::strchr(" /.-:", ch) != nullptr ? 2 : 3;
    };
    for (size_t k = 0; k < required_.size(); ++k) {
      if (rarity(required_[k]) >= rarity(required_[anchor_])) anchor_ = k;
    }
    anchor_lower_ = required_[anchor_];
    const auto c = static_cast<unsigned char>(anchor_lower_);
    anchor_upper_ = static_cast<char>(c >= 'a' && c <= 'z' ? c - 0x20 : c);
    max_prefix_ = MaxPrefixBytes(pattern, required_);
  }
}

}  // namespace sluice::sql
