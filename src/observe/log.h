// Structured logging: one record per line, human text on a terminal and JSON lines
// elsewhere, written through spdlog. Every line is scrubbed of registered secrets before
// it is written.
//
//   LogInfo("serving metrics", {{"url", url}, {"port", 9464}});
//   text: 2026-11-24 12:00:01.123 INFO  serving metrics url=http://... port=9464
//   json: {"ts":"2026-11-24T12:00:01.123Z","level":"info","msg":"serving metrics",...}
//
// Every function here is thread-safe. Logging before InitLogging uses the defaults of
// LogOptions (info, auto format, standard error).
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"

namespace sluice::observe {

enum class Level { kTrace = 0, kDebug = 1, kInfo = 2, kWarn = 3, kError = 4 };
enum class LogFormat {
  kAuto,  // text when standard error is a terminal, JSON otherwise
  kText,
  kJson,
};

// "trace", "debug", "info", "warn", "error".
const char* LevelName(Level level);
// Parses a level name (case-insensitive; "warning" is accepted for warn). The error says
// which names are accepted.
Result<Level> ParseLevel(std::string_view text);

struct LogOptions {
  Level level = Level::kInfo;          // records below this level are dropped
  LogFormat format = LogFormat::kAuto;
  // Where lines go. Default (both empty): standard error. When `stream` is set, lines are
  // written there (flushed per line; it must outlive the logging configuration). When
  // `callback` is set, it receives each finished line without the trailing newline
  // (called under the logger's lock: keep it short, do not log from it). For tests and
  // embedding. With a stream or callback, kAuto means JSON.
  std::ostream* stream = nullptr;
  std::function<void(std::string_view line)> callback;
};

// (Re)configures logging. May be called again at any time, from any thread; records
// being written concurrently go to either the old or the new configuration.
Status InitLogging(const LogOptions& options);

// True when a record at `level` would be written (to skip building costly fields).
bool LogEnabled(Level level);

// The value of a structured field: a string, an integer, a floating point number or a
// boolean. Constructible implicitly from all of them (const char* is a string, not a bool).
class FieldValue {
 public:
  FieldValue(std::string v) : v_(std::move(v)) {}        // NOLINT: implicit by design
  FieldValue(std::string_view v) : v_(std::string(v)) {}  // NOLINT
  FieldValue(const char* v) : v_(std::string(v)) {}       // NOLINT
  FieldValue(bool v) : v_(v) {}                           // NOLINT
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  FieldValue(T v) : v_(static_cast<int64_t>(v)) {}  // NOLINT
  template <std::floating_point T>
  FieldValue(T v) : v_(static_cast<double>(v)) {}  // NOLINT

  const std::variant<std::string, int64_t, double, bool>& get() const { return v_; }

 private:
  std::variant<std::string, int64_t, double, bool> v_;
};

struct Field {
  std::string key;
  FieldValue value;
};
using Fields = std::vector<Field>;

// Writes one record if `level` is enabled. Keys should be snake_case identifiers.
void Log(Level level, std::string_view message, const Fields& fields = {});
inline void LogTrace(std::string_view m, const Fields& f = {}) { Log(Level::kTrace, m, f); }
inline void LogDebug(std::string_view m, const Fields& f = {}) { Log(Level::kDebug, m, f); }
inline void LogInfo(std::string_view m, const Fields& f = {}) { Log(Level::kInfo, m, f); }
inline void LogWarn(std::string_view m, const Fields& f = {}) { Log(Level::kWarn, m, f); }
inline void LogError(std::string_view m, const Fields& f = {}) { Log(Level::kError, m, f); }

// Registers a value that must never appear in a log line (e.g. the value of an
// environment variable substituted into the configuration). From now on every occurrence
// in a line is replaced by "***". Values shorter than 4 characters are ignored (they
// would scrub ordinary words and numbers).
void RegisterSecret(std::string value);
// Forgets every registered secret (for tests).
void ClearSecrets();
// Returns `text` with every registered secret replaced by "***".
std::string ScrubSecrets(std::string_view text);

// Formats one record without writing it (exposed for tests and for components that write
// records elsewhere). `micros` is the wall-clock time in microseconds since the epoch.
// Text uses local time; JSON uses UTC ("...Z"). The result is not scrubbed and has no
// trailing newline.
std::string FormatLogRecord(LogFormat format, int64_t micros, Level level,
                            std::string_view message, const Fields& fields);

}  // namespace sluice::observe
