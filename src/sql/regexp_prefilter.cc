#include "sql/regexp_prefilter.h"

#include <re2/filtered_re2.h>
#include <re2/re2.h>

#include <vector>

namespace sluice::sql {

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
    first_lower_ = required_[0];
    const auto c = static_cast<unsigned char>(first_lower_);
    first_upper_ = static_cast<char>(c >= 'a' && c <= 'z' ? c - 0x20 : c);
  }
}

}  // namespace sluice::sql
