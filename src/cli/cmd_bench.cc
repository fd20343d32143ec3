// `sluice bench generate|parse`: throughput benchmarks, one result line per benchmark
// (medians over --repeat repetitions, with a same-process reference; docs/benchmarks.md).
#include <filesystem>
#include <iostream>
#include <sstream>
#include <vector>

#include "bench.h"
#include "cli/commands.h"
#include "generate_bench.h"
#include "parse_bench.h"

namespace sluice::cli {

namespace {

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace

int RunBench(const GlobalOptions& g, const BenchOptions& o) {
  if (!SetUpLogging(g)) return kExitInvalid;
  const bool generate = o.what == "generate";
  std::vector<std::string> items = SplitList(generate ? o.generator : o.format);
  for (const auto& item : items) {
    const bool known = generate ? (item == "shop" || item == "nexmark")
                                : (item == "ndjson" || item == "csv");
    if (!known) {
      std::cerr << "error: unknown " << (generate ? "generator" : "format") << " '" << item
                << "'; use " << (generate ? "shop or nexmark" : "ndjson or csv") << "\n";
      return kExitInvalid;
    }
  }
  if (o.events <= 0 || o.bytes <= 0) {
    std::cerr << "error: --events and --bytes must be positive\n";
    return kExitInvalid;
  }
  if (o.repeat < 1) {
    std::cerr << "error: --repeat must be at least 1\n";
    return kExitInvalid;
  }
  const std::string tmp =
      o.tmp_dir.empty() ? std::filesystem::temp_directory_path().string() : o.tmp_dir;
  int rc = kExitOk;
  for (const auto& item : items) {
    Result<bench::BenchResult> r = generate ? bench::RunGenerateBench(item, o.events, o.repeat)
                                            : bench::RunParseBench(item, o.bytes, tmp, o.repeat);
    if (!r.ok()) {
      std::cerr << "error: " << r.status().ToString() << "\n";
      rc = kExitFailure;
      continue;
    }
    std::cout << (o.json ? bench::ToJson(*r) : bench::ToText(*r)) << std::endl;
  }
  return rc;
}

}  // namespace sluice::cli
