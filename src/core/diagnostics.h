// Diagnostics: user-facing problems found while loading a project, each with where
// (file:line:column), what is wrong and what would fix it. Loading collects every
// problem instead of stopping at the first.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sluice {

struct SourceLocation {
  std::string file;  // path as the user would type it, relative to the project when possible
  int line = 0;      // 1-based; 0 = unknown
  int column = 0;    // 1-based; 0 = unknown
  // "file:line:column", "file:line" or "file".
  std::string ToString() const;
};

struct Diagnostic {
  SourceLocation location;
  std::string message;  // what is wrong
  std::string hint;     // what would fix it; may be empty
  bool formatted = false;  // message is the complete text (see Diagnostics::AddFormatted)
  // "file:line:col: error: message (hint)".
  std::string ToString() const;
};

class Diagnostics {
 public:
  void Error(SourceLocation where, std::string message, std::string hint = "");
  // Adds a diagnostic whose text is already complete (location, "error:", caret lines),
  // as the SQL module renders them.
  void AddFormatted(std::string text);
  // Appends the problems of `local` (all about one file), ordered by line and column, so
  // that a file's problems read top to bottom.
  void AppendByPosition(const Diagnostics& local);
  bool has_errors() const { return !items_.empty(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  // All diagnostics, one per line.
  std::string ToString() const;
  // OK when there are no errors, otherwise an Invalid status listing every one.
  Status ToStatus() const;

 private:
  std::vector<Diagnostic> items_;
};

// Reads the whole file at `path` into `*out`. On failure reports an error at `shown` (the
// path as the user sees it) saying what to check, and returns false.
bool ReadTextFile(const std::string& path, const std::string& shown, std::string* out,
                  Diagnostics* diag);

// Levenshtein distance, for "did you mean" suggestions.
int EditDistance(std::string_view a, std::string_view b);
// The candidate closest to `word` if it is close enough to be a plausible typo, else "".
std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates);
// "did you mean 'x'?" or, with no close match, "expected one of: a, b, c".
std::string SuggestionHint(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace sluice
