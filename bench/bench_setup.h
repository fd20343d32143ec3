// What several benchmarks set up the same way: a generator source, a scratch folder.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "connectors/connector.h"
#include "core/status.h"

namespace sluice::bench {

// The built-in `generator` ("shop" or "nexmark") with `seed`, opened; it ends after
// `max_events` events, or never when max_events < 0. `name` is the source's name.
Result<std::unique_ptr<connectors::Source>> OpenGenerator(const std::string& generator,
                                                          uint64_t seed, int64_t max_events,
                                                          const std::string& name = "bench");

// A fresh folder under `root` (the system temp folder when empty), removed with
// everything in it when destroyed.
class ScratchDir {
 public:
  // `prefix` starts the folder's name: "sluice-load" -> <root>/sluice-load-XXXXXX. An error
  // names the root and says to check `--tmp-dir`.
  static Result<std::unique_ptr<ScratchDir>> Make(const std::string& root,
                                                  const std::string& prefix);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace sluice::bench
