// StatusLine: the live view of `sluice run` — events/s in and out, lag and bad records per
// pipeline — as one redrawn line on a terminal, or as periodic structured log records.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "stream/pipeline.h"

namespace sluice::cli {

class StatusLine {
 public:
  enum class Mode { kLine, kLog, kOff };
  StatusLine(Mode mode, std::vector<const stream::Pipeline*> pipelines);
  // Redraws (kLine) or logs (kLog) with rates since the previous call.
  void Update(int64_t elapsed_us);
  // Clears the terminal line so that following output starts on a clean line.
  void Finish();

 private:
  struct Last {
    int64_t in = 0;
    int64_t out = 0;
  };
  Mode mode_;
  std::vector<const stream::Pipeline*> pipelines_;
  std::vector<Last> last_;
  int64_t last_us_ = 0;
  bool drawn_ = false;
};

// "12.3K", "4.1M", "950".
std::string HumanCount(double v);

}  // namespace sluice::cli
