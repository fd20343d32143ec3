// Glob patterns for file paths: `*` (any run of characters within one path segment),
// `?` (one character), `[abc]`, `[a-z]`, `[!abc]` (a character class) and a whole
// segment `**` (zero or more directories). Names starting with '.' are only matched by
// a segment that itself starts with '.', as in the shell.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sluice::connectors {

// True when `pattern` contains a wildcard character (`*`, `?` or `[`).
bool HasGlobChars(std::string_view pattern);

// Matches one path segment (no '/') against one pattern segment.
bool GlobMatchSegment(std::string_view pattern, std::string_view name);

// Matches a whole '/'-separated relative path against a pattern, `**` included.
bool GlobMatch(std::string_view pattern, std::string_view path);

// Lists the regular files matching `pattern`, resolved against `base_dir` when relative.
// Returns the matches as written relative to `base_dir` (as the pattern was written when
// it is absolute), sorted by path. A pattern without wildcards yields the one file when
// it exists. Unreadable directories are skipped; no match is an empty list, not an error.
std::vector<std::string> ExpandGlob(const std::string& base_dir, const std::string& pattern);

// `path` joined to `base_dir` unless it is absolute.
std::string ResolvePath(const std::string& base_dir, const std::string& path);

}  // namespace sluice::connectors
