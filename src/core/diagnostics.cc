#include "core/diagnostics.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

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
  if (formatted) return message;
  std::string out = location.ToString();
  if (!out.empty()) out += ": ";
  out += "error: " + message;
  if (!hint.empty()) out += " (" + hint + ")";
  return out;
}

void Diagnostics::Error(SourceLocation where, std::string message, std::string hint) {
  items_.push_back(Diagnostic{std::move(where), std::move(message), std::move(hint)});
}

void Diagnostics::AddFormatted(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  Diagnostic d;
  d.message = std::move(text);
  d.formatted = true;
  items_.push_back(std::move(d));
}

void Diagnostics::AppendByPosition(const Diagnostics& local) {
  std::vector<const Diagnostic*> items;
  for (const Diagnostic& d : local.items()) items.push_back(&d);
  std::stable_sort(items.begin(), items.end(), [](const Diagnostic* a, const Diagnostic* b) {
    if (a->location.line != b->location.line) return a->location.line < b->location.line;
    return a->location.column < b->location.column;
  });
  for (const Diagnostic* d : items) {
    if (d->formatted) {
      AddFormatted(d->message);
    } else {
      Error(d->location, d->message, d->hint);
    }
  }
}

bool ReadTextFile(const std::string& path, const std::string& shown, std::string* out,
                  Diagnostics* diag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diag->Error(SourceLocation{shown, 0, 0},
                std::string("cannot open the file: ") + std::strerror(errno),
                "check that it exists and is readable");
    return false;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) {
    diag->Error(SourceLocation{shown, 0, 0}, "cannot read the file", "check that it is readable");
    return false;
  }
  *out = std::move(buf).str();
  return true;
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
  // Optimal string alignment distance: Levenshtein plus adjacent transpositions ("cvs" ->
  // "csv" is one edit), case-insensitive.
  const auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
  for (size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      const int cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1])) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
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
