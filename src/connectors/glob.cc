#include "connectors/glob.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace sluice::connectors {

namespace fs = std::filesystem;

namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

// Matches a character class starting at pattern[i] == '['; sets *next past ']'.
// Returns false with *next == npos when the class is not closed (then '[' is literal).
bool MatchClass(std::string_view p, size_t i, char c, size_t* next) {
  size_t j = i + 1;
  bool negate = false;
  if (j < p.size() && (p[j] == '!' || p[j] == '^')) {
    negate = true;
    ++j;
  }
  bool matched = false;
  bool first = true;
  while (j < p.size() && (p[j] != ']' || first)) {
    first = false;
    if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
      if (c >= p[j] && c <= p[j + 2]) matched = true;
      j += 3;
    } else {
      if (c == p[j]) matched = true;
      ++j;
    }
  }
  if (j >= p.size()) {
    *next = std::string_view::npos;
    return false;
  }
  *next = j + 1;
  return matched != negate;
}

bool MatchFrom(std::string_view p, size_t pi, std::string_view s, size_t si) {
  while (pi < p.size()) {
    const char pc = p[pi];
    if (pc == '*') {
      while (pi < p.size() && p[pi] == '*') ++pi;
      if (pi == p.size()) return true;
      for (size_t k = si; k <= s.size(); ++k) {
        if (MatchFrom(p, pi, s, k)) return true;
      }
      return false;
    }
    if (si >= s.size()) return false;
    if (pc == '?') {
      ++pi;
      ++si;
    } else if (pc == '[') {
      size_t next = 0;
      const bool ok = MatchClass(p, pi, s[si], &next);
      if (next == std::string_view::npos) {  // unclosed: a literal '['
        if (s[si] != '[') return false;
        ++pi;
        ++si;
      } else {
        if (!ok) return false;
        pi = next;
        ++si;
      }
    } else {
      if (pc != s[si]) return false;
      ++pi;
      ++si;
    }
  }
  return si == s.size();
}

bool MatchParts(const std::vector<std::string_view>& pat, size_t pi,
                const std::vector<std::string_view>& path, size_t si) {
  if (pi == pat.size()) return si == path.size();
  if (pat[pi] == "**") {
    for (size_t k = si; k <= path.size(); ++k) {
      if (k > si && path[k - 1].front() == '.') break;  // ** does not enter hidden folders
      if (MatchParts(pat, pi + 1, path, k)) return true;
    }
    return false;
  }
  if (si == path.size() || !GlobMatchSegment(pat[pi], path[si])) return false;
  return MatchParts(pat, pi + 1, path, si + 1);
}

void Walk(const fs::path& dir, const std::string& rel, const std::vector<std::string_view>& pat,
          size_t idx, std::vector<std::string>* out) {
  std::error_code ec;
  auto join = [&](std::string_view name) {
    return rel.empty() ? std::string(name) : rel + "/" + std::string(name);
  };
  if (idx == pat.size()) return;
  const std::string_view seg = pat[idx];
  const bool last = idx + 1 == pat.size();
  if (seg == "**") {
    if (last) {  // "dir/**" means every file below dir, at any depth
      for (fs::recursive_directory_iterator r(dir, ec), rend; !ec && r != rend; r.increment(ec)) {
        const std::string name = r->path().filename().string();
        if (!name.empty() && name[0] == '.') {
          if (r->is_directory(ec)) r.disable_recursion_pending();
          continue;
        }
        if (r->is_regular_file(ec)) {
          out->push_back(join(fs::relative(r->path(), dir, ec).generic_string()));
        }
      }
      return;
    }
    Walk(dir, rel, pat, idx + 1, out);  // zero folders
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.empty() || name[0] == '.' || !it->is_directory(ec)) continue;
      Walk(it->path(), join(name), pat, idx, out);  // one more folder
    }
    return;
  }
  if (!HasGlobChars(seg)) {
    const fs::path child = dir / std::string(seg);
    if (last) {
      if (fs::is_regular_file(child, ec)) out->push_back(join(seg));
    } else if (fs::is_directory(child, ec)) {
      Walk(child, join(seg), pat, idx + 1, out);
    }
    return;
  }
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!GlobMatchSegment(seg, name)) continue;
    if (last) {
      if (it->is_regular_file(ec)) out->push_back(join(name));
    } else if (it->is_directory(ec)) {
      Walk(it->path(), join(name), pat, idx + 1, out);
    }
  }
}

}  // namespace

bool HasGlobChars(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

bool GlobMatchSegment(std::string_view pattern, std::string_view name) {
  if (!name.empty() && name[0] == '.' && (pattern.empty() || pattern[0] != '.')) return false;
  return MatchFrom(pattern, 0, name, 0);
}

bool GlobMatch(std::string_view pattern, std::string_view path) {
  return MatchParts(SplitPath(pattern), 0, SplitPath(path), 0);
}

std::string ResolvePath(const std::string& base_dir, const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  if (base_dir.empty()) return path;
  return (fs::path(base_dir) / path).lexically_normal().string();
}

std::vector<std::string> ExpandGlob(const std::string& base_dir, const std::string& pattern) {
  const bool absolute = !pattern.empty() && pattern[0] == '/';
  std::vector<std::string> out;
  const std::vector<std::string_view> parts = SplitPath(pattern);
  if (parts.empty()) return out;
  const fs::path root = absolute ? fs::path("/") : fs::path(base_dir.empty() ? "." : base_dir);
  Walk(root, "", parts, 0, &out);
  if (absolute) {
    for (auto& p : out) p.insert(0, "/");
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace sluice::connectors
