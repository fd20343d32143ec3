#include "observe/log.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>
#include <memory>
#include <mutex>

#include "core/json.h"

namespace sluice::observe {

namespace {

// Hands each finished line to a callback (spdlog 1.10 has no callback sink).
class CallbackSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit CallbackSink(std::function<void(std::string_view)> callback)
      : callback_(std::move(callback)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    callback_(std::string_view(msg.payload.data(), msg.payload.size()));
  }
  void flush_() override {}

 private:
  std::function<void(std::string_view)> callback_;
};

struct Config {
  LogFormat format = LogFormat::kText;  // resolved: never kAuto
  std::shared_ptr<spdlog::logger> logger;
};

struct State {
  std::mutex mu;
  std::shared_ptr<const Config> config;  // null until first use or InitLogging
  std::atomic<int> level{static_cast<int>(Level::kInfo)};
  std::mutex secrets_mu;
  std::shared_ptr<const std::vector<std::string>> secrets =
      std::make_shared<const std::vector<std::string>>();
};

// Leaked on purpose: logging must keep working during static destruction.
State& GetState() {
  static State* state = new State();
  return *state;
}

std::shared_ptr<const Config> MakeConfig(const LogOptions& options) {
  auto config = std::make_shared<Config>();
  spdlog::sink_ptr sink;
  if (options.callback) {
    sink = std::make_shared<CallbackSink>(options.callback);
  } else if (options.stream != nullptr) {
    sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*options.stream, /*force_flush=*/true);
  } else {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  }
  config->format = options.format;
  if (config->format == LogFormat::kAuto) {
    const bool to_terminal =
        !options.callback && options.stream == nullptr && isatty(STDERR_FILENO) == 1;
    config->format = to_terminal ? LogFormat::kText : LogFormat::kJson;
  }
  // The line is fully formatted (and scrubbed) before spdlog sees it.
  config->logger = std::make_shared<spdlog::logger>("sluice", std::move(sink));
  config->logger->set_pattern("%v");
  config->logger->set_level(spdlog::level::trace);
  config->logger->flush_on(spdlog::level::trace);
  return config;
}

std::shared_ptr<const Config> CurrentConfig() {
  State& state = GetState();
  std::lock_guard<std::mutex> lock(state.mu);
  if (state.config == nullptr) state.config = MakeConfig(LogOptions{});
  return state.config;
}

spdlog::level::level_enum ToSpdlog(Level level) {
  switch (level) {
    case Level::kTrace: return spdlog::level::trace;
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}

void AppendDouble(std::string* out, double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, ec == std::errc() ? static_cast<size_t>(end - buf) : 0);
}

// Writes the clock part of a record: local "YYYY-MM-DD HH:MM:SS.mmm" or UTC ISO 8601.
void AppendTime(std::string* out, int64_t micros, bool iso_utc) {
  int64_t secs = micros / 1000000;
  int64_t rem = micros % 1000000;
  if (rem < 0) {
    rem += 1000000;
    --secs;
  }
  const auto t = static_cast<time_t>(secs);
  struct tm tm {};
  if (iso_utc) {
    gmtime_r(&t, &tm);
  } else {
    localtime_r(&t, &tm);
  }
  char buf[40];
  const int n = std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d%c%02d:%02d:%02d.%03d%s",
                              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, iso_utc ? 'T' : ' ',
                              tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(rem / 1000),
                              iso_utc ? "Z" : "");
  out->append(buf, static_cast<size_t>(std::max(n, 0)));
}

// Text-format escaping: keeps a record on one line and makes quoted values unambiguous.
void AppendEscaped(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out->append("\\x");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        } else {
          out->push_back(ch);
        }
    }
  }
}

bool NeedsQuotes(std::string_view s) {
  if (s.empty()) return true;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f || ch == '"' || ch == '=' || ch == '\\') return true;
  }
  return false;
}

void AppendTextMessage(std::string* out, std::string_view message) {
  // The message is not quoted, but control characters are escaped so that a record is
  // always one line.
  for (char ch : message) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) {
      AppendEscaped(out, std::string_view(&ch, 1));
    } else {
      out->push_back(ch);
    }
  }
}

void AppendTextValue(std::string* out, const FieldValue& value) {
  const auto& v = value.get();
  if (const auto* s = std::get_if<std::string>(&v)) {
    if (!NeedsQuotes(*s)) {
      out->append(*s);
      return;
    }
    out->push_back('"');
    AppendEscaped(out, *s);
    out->push_back('"');
  } else if (const auto* i = std::get_if<int64_t>(&v)) {
    out->append(std::to_string(*i));
  } else if (const auto* d = std::get_if<double>(&v)) {
    AppendDouble(out, *d);
  } else {
    out->append(std::get<bool>(v) ? "true" : "false");
  }
}

void AppendJsonValue(std::string* out, const FieldValue& value) {
  const auto& v = value.get();
  if (const auto* s = std::get_if<std::string>(&v)) {
    AppendJsonString(out, *s);
  } else if (const auto* i = std::get_if<int64_t>(&v)) {
    out->append(std::to_string(*i));
  } else if (const auto* d = std::get_if<double>(&v)) {
    if (std::isfinite(*d)) {
      AppendDouble(out, *d);
    } else {  // JSON has no NaN or Infinity
      out->push_back('"');
      AppendDouble(out, *d);
      out->push_back('"');
    }
  } else {
    out->append(std::get<bool>(v) ? "true" : "false");
  }
}

std::shared_ptr<const std::vector<std::string>> CurrentSecrets() {
  State& state = GetState();
  std::lock_guard<std::mutex> lock(state.secrets_mu);
  return state.secrets;
}

std::string Scrub(std::string_view text, const std::vector<std::string>& secrets) {
  std::string out(text);
  for (const std::string& secret : secrets) {  // longest first
    size_t pos = 0;
    while ((pos = out.find(secret, pos)) != std::string::npos) {
      out.replace(pos, secret.size(), "***");
      pos += 3;
    }
  }
  return out;
}

}  // namespace

const char* LevelName(Level level) {
  switch (level) {
    case Level::kTrace: return "trace";
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

Result<Level> ParseLevel(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "trace") return Level::kTrace;
  if (lower == "debug") return Level::kDebug;
  if (lower == "info") return Level::kInfo;
  if (lower == "warn" || lower == "warning") return Level::kWarn;
  if (lower == "error") return Level::kError;
  return Status::Invalid("unknown log level '" + std::string(text) +
                         "'; expected one of trace, debug, info, warn, error");
}

Status InitLogging(const LogOptions& options) {
  const int level = static_cast<int>(options.level);
  if (level < static_cast<int>(Level::kTrace) || level > static_cast<int>(Level::kError)) {
    return Status::Invalid("log level out of range: " + std::to_string(level));
  }
  if (options.format != LogFormat::kAuto && options.format != LogFormat::kText &&
      options.format != LogFormat::kJson) {
    return Status::Invalid("log format out of range");
  }
  if (options.stream != nullptr && options.callback) {
    return Status::Invalid("logging: set either an output stream or a callback, not both");
  }
  std::shared_ptr<const Config> config = MakeConfig(options);
  State& state = GetState();
  std::shared_ptr<const Config> old;
  {
    std::lock_guard<std::mutex> lock(state.mu);
    old = std::move(state.config);
    state.config = std::move(config);
    state.level.store(level, std::memory_order_relaxed);
  }
  if (old != nullptr) old->logger->flush();
  return Status::OK();
}

bool LogEnabled(Level level) {
  return static_cast<int>(level) >= GetState().level.load(std::memory_order_relaxed);
}

std::string FormatLogRecord(LogFormat format, int64_t micros, Level level,
                            std::string_view message, const Fields& fields) {
  std::string out;
  out.reserve(64 + message.size() + fields.size() * 24);
  if (format == LogFormat::kJson) {
    out.append("{\"ts\":\"");
    AppendTime(&out, micros, /*iso_utc=*/true);
    out.append("\",\"level\":\"");
    out.append(LevelName(level));
    out.append("\",\"msg\":");
    AppendJsonString(&out, message);
    for (const Field& f : fields) {
      out.push_back(',');
      AppendJsonString(&out, f.key);
      out.push_back(':');
      AppendJsonValue(&out, f.value);
    }
    out.push_back('}');
    return out;
  }
  AppendTime(&out, micros, /*iso_utc=*/false);
  static constexpr const char* kPadded[] = {"TRACE", "DEBUG", "INFO ", "WARN ", "ERROR"};
  out.push_back(' ');
  out.append(kPadded[std::clamp(static_cast<int>(level), 0, 4)]);
  out.push_back(' ');
  AppendTextMessage(&out, message);
  for (const Field& f : fields) {
    out.push_back(' ');
    AppendTextMessage(&out, f.key);
    out.push_back('=');
    AppendTextValue(&out, f.value);
  }
  return out;
}

void Log(Level level, std::string_view message, const Fields& fields) {
  if (!LogEnabled(level)) return;
  const std::shared_ptr<const Config> config = CurrentConfig();
  const std::shared_ptr<const std::vector<std::string>> secrets = CurrentSecrets();
  const int64_t now = [] {
    struct timespec ts {};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
  }();
  std::string line;
  if (secrets->empty()) {
    line = FormatLogRecord(config->format, now, level, message, fields);
  } else {
    // Scrub the raw strings (a secret may be escaped differently once formatted), then
    // the finished line.
    Fields clean;
    clean.reserve(fields.size());
    for (const Field& f : fields) {
      const auto* s = std::get_if<std::string>(&f.value.get());
      clean.push_back({Scrub(f.key, *secrets), s ? FieldValue(Scrub(*s, *secrets)) : f.value});
    }
    line = Scrub(FormatLogRecord(config->format, now, level, Scrub(message, *secrets), clean),
                 *secrets);
  }
  config->logger->log(ToSpdlog(level), spdlog::string_view_t(line.data(), line.size()));
}

void RegisterSecret(std::string value) {
  if (value.size() < 4) return;
  State& state = GetState();
  std::lock_guard<std::mutex> lock(state.secrets_mu);
  if (std::find(state.secrets->begin(), state.secrets->end(), value) != state.secrets->end()) {
    return;
  }
  auto next = std::make_shared<std::vector<std::string>>(*state.secrets);
  next->push_back(std::move(value));
  // Longest first, so that a secret containing another one is replaced whole.
  std::stable_sort(next->begin(), next->end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  state.secrets = std::move(next);
}

void ClearSecrets() {
  State& state = GetState();
  std::lock_guard<std::mutex> lock(state.secrets_mu);
  state.secrets = std::make_shared<const std::vector<std::string>>();
}

std::string ScrubSecrets(std::string_view text) { return Scrub(text, *CurrentSecrets()); }

}  // namespace sluice::observe
