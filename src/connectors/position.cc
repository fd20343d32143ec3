#include "connectors/position.h"

#include <cstdlib>

namespace sluice::connectors {

int64_t Position::OffsetOf(const std::string& partition) const {
  for (const auto& [p, o] : offsets) {
    if (p == partition) return o;
  }
  return -1;
}

void Position::Set(const std::string& partition, int64_t offset) {
  for (auto& [p, o] : offsets) {
    if (p == partition) {
      o = offset;
      return;
    }
  }
  offsets.emplace_back(partition, offset);
}

std::string Position::Serialize() const {
  std::string out;
  for (const auto& [p, o] : offsets) out += std::to_string(o) + " " + p + "\n";
  return out;
}

Result<Position> Position::Parse(const std::string& text) {
  Position pos;
  size_t i = 0;
  while (i < text.size()) {
    const size_t nl = text.find('\n', i);
    const std::string line = text.substr(i, nl == std::string::npos ? std::string::npos : nl - i);
    i = nl == std::string::npos ? text.size() : nl + 1;
    if (line.empty()) continue;
    const size_t sp = line.find(' ');
    char* end = nullptr;
    const long long off = std::strtoll(line.c_str(), &end, 10);
    if (sp == std::string::npos || end != line.c_str() + sp) {
      return Status::ParseError("malformed position line '" + line + "'");
    }
    pos.offsets.emplace_back(line.substr(sp + 1), off);
  }
  return pos;
}

std::string Position::ToString() const {
  std::string out;
  for (size_t i = 0; i < offsets.size(); ++i) {
    if (i) out += ", ";
    out += (offsets[i].first.empty() ? "" : offsets[i].first + "@") + std::to_string(offsets[i].second);
  }
  return out.empty() ? "start" : out;
}

}  // namespace sluice::connectors
