#include "cli/status_line.h"

#include <cstdio>

#include "observe/log.h"

namespace sluice::cli {

std::string HumanCount(double v) {
  char buf[32];
  if (v >= 1e9) std::snprintf(buf, sizeof(buf), "%.1fG", v / 1e9);
  else if (v >= 1e6) std::snprintf(buf, sizeof(buf), "%.1fM", v / 1e6);
  else if (v >= 1e4) std::snprintf(buf, sizeof(buf), "%.1fK", v / 1e3);
  else std::snprintf(buf, sizeof(buf), "%.0f", v);
  return buf;
}

StatusLine::StatusLine(Mode mode, std::vector<const stream::Pipeline*> pipelines)
    : mode_(mode), pipelines_(std::move(pipelines)), last_(pipelines_.size()) {}

void StatusLine::Update(int64_t elapsed_us) {
  if (mode_ == Mode::kOff) return;
  const double dt = static_cast<double>(elapsed_us - last_us_) / 1e6;
  last_us_ = elapsed_us;
  std::string line;
  for (size_t i = 0; i < pipelines_.size(); ++i) {
    const stream::PipelineStats& s = pipelines_[i]->stats();
    const int64_t in = s.records_in.load();
    const int64_t out = s.records_out.load();
    const double in_rate = dt > 0 ? static_cast<double>(in - last_[i].in) / dt : 0;
    const double out_rate = dt > 0 ? static_cast<double>(out - last_[i].out) / dt : 0;
    last_[i] = {in, out};
    const int64_t lag = s.lag.load();
    const int64_t bad = s.bad_records.load();
    if (mode_ == Mode::kLog) {
      observe::LogInfo("pipeline status", {{"pipeline", pipelines_[i]->name()},
                                           {"records_in", in},
                                           {"records_out", out},
                                           {"in_per_sec", in_rate},
                                           {"out_per_sec", out_rate},
                                           {"lag", lag},
                                           {"bad_records", bad},
                                           {"finished", s.finished.load()}});
      continue;
    }
    if (!line.empty()) line += "  |  ";
    line += pipelines_[i]->name() + ": in " + HumanCount(in_rate) + "/s out " +
            HumanCount(out_rate) + "/s  total " + HumanCount(static_cast<double>(in)) +
            (lag >= 0 ? "  lag " + HumanCount(static_cast<double>(lag)) : "") + "  bad " +
            std::to_string(bad) + (s.finished.load() ? " (done)" : "");
  }
  if (mode_ == Mode::kLine) {
    const int64_t secs = elapsed_us / 1000000;
    char clock[32];
    std::snprintf(clock, sizeof(clock), "[%02lld:%02lld] ", static_cast<long long>(secs / 60),
                  static_cast<long long>(secs % 60));
    std::fprintf(stderr, "\r\033[K%s%s", clock, line.c_str());
    std::fflush(stderr);
    drawn_ = true;
  }
}

void StatusLine::Finish() {
  if (drawn_) {
    std::fprintf(stderr, "\n");
    std::fflush(stderr);
    drawn_ = false;
  }
}

}  // namespace sluice::cli
