#include "bench.h"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace sluice::bench {

namespace {
std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}
}  // namespace

std::string ToJson(const BenchResult& r) {
  std::ostringstream o;
  o << "{\"name\":\"" << r.name << "\",\"events\":" << r.events << ",\"bytes\":" << r.bytes
    << ",\"seconds\":" << Num(r.seconds) << ",\"" << r.rate_unit << "\":" << Num(r.per_core_rate)
    << ",\"peak_rss_bytes\":" << r.peak_rss_bytes;
  for (const auto& [k, v] : r.extra) o << ",\"" << k << "\":" << Num(v);
  o << "}";
  return o.str();
}

std::string ToText(const BenchResult& r) {
  std::ostringstream o;
  o << r.name << ": " << Num(r.per_core_rate) << " " << r.rate_unit << " (" << r.events
    << " events, " << r.bytes << " bytes, " << Num(r.seconds) << " s, peak RSS "
    << r.peak_rss_bytes / (1024 * 1024) << " MiB)";
  for (const auto& [k, v] : r.extra) o << " " << k << "=" << Num(v);
  return o.str();
}

int64_t PeakRssBytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return 0;
}

}  // namespace sluice::bench
