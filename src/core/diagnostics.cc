#include "core/diagnostics.h"

#include <algorithm>
#include <cctype>

namespace sluice {

std::string SourceLocation::ToString() const {
  std::string out = file;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  return out;
}

std::string Diagnostic::ToString() const {
  std::string out = location.ToString();
  if (!out.empty()) out += ": ";
  out += "error: " + message;
  if (!hint.empty()) out += " (" + hint + ")";
  return out;
}

void Diagnostics::Error(SourceLocation where, std::string message, std::string hint) {
  items_.push_back(Diagnostic{std::move(where), std::move(message), std::move(hint)});
}

std::string Diagnostics::ToString() const {
  std::string out;
  for (const auto& d : items_) out += d.ToString() + "\n";
  return out;
}

Status Diagnostics::ToStatus() const {
  if (items_.empty()) return Status::OK();
  std::string msg = ToString();
  if (!msg.empty() && msg.back() == '\n') msg.pop_back();
  return Status::Invalid(msg);
}

int EditDistance(std::string_view a, std::string_view b) {
  std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  int best_d = 1 << 30;
  for (const auto& c : candidates) {
    const int d = EditDistance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  const int limit = std::max<int>(1, static_cast<int>(std::max(word.size(), best.size())) / 3);
  return best_d <= limit ? best : "";
}

std::string SuggestionHint(std::string_view word, const std::vector<std::string>& candidates) {
  const std::string best = ClosestMatch(word, candidates);
  if (!best.empty()) return "did you mean '" + best + "'?";
  if (candidates.empty()) return "";
  std::string out = "expected one of: ";
  for (size_t i = 0; i < candidates.size(); ++i) out += (i ? ", " : "") + candidates[i];
  return out;
}

}  // namespace sluice
