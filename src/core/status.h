// Status and Result<T>: errors as values at every module boundary.
//
// A Status is either OK or carries a code and a human-readable message. Messages
// meant for users say where (file:line:column, or source and position) and what
// to do. Status is cheap to copy when OK (no allocation).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace sluice {

enum class StatusCode : int {
  kOk = 0,
  kInvalid = 1,         // bad user input or configuration
  kParseError = 2,      // text that does not parse (SQL, YAML, CSV, JSON)
  kNotFound = 3,
  kAlreadyExists = 4,
  kIOError = 5,
  kNotImplemented = 6,  // valid request that sluice does not support (yet)
  kOutOfRange = 7,
  kCancelled = 8,
  kInternal = 9,        // a bug in sluice
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);

  static Status OK() { return Status(); }
  static Status Invalid(std::string msg) { return Status(StatusCode::kInvalid, std::move(msg)); }
  static Status ParseError(std::string msg) { return Status(StatusCode::kParseError, std::move(msg)); }
  static Status NotFound(std::string msg) { return Status(StatusCode::kNotFound, std::move(msg)); }
  static Status AlreadyExists(std::string msg) {
    return Status(StatusCode::kAlreadyExists, std::move(msg));
  }
  static Status IOError(std::string msg) { return Status(StatusCode::kIOError, std::move(msg)); }
  static Status NotImplemented(std::string msg) {
    return Status(StatusCode::kNotImplemented, std::move(msg));
  }
  static Status OutOfRange(std::string msg) { return Status(StatusCode::kOutOfRange, std::move(msg)); }
  static Status Cancelled(std::string msg) { return Status(StatusCode::kCancelled, std::move(msg)); }
  static Status Internal(std::string msg) { return Status(StatusCode::kInternal, std::move(msg)); }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return state_ ? state_->code : StatusCode::kOk; }
  // The message without the code prefix; empty when OK.
  const std::string& message() const;
  // "Invalid: message", or "OK".
  std::string ToString() const;
  // Returns a copy whose message is "prefix: message". OK stays OK.
  Status WithContext(const std::string& prefix) const;

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  std::shared_ptr<const State> state_;  // shared: copies of an error share one message
};

// Result<T> holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    if (status_.ok()) status_ = Status::Internal("Result constructed from an OK status");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T ValueOr(T fallback) const { return ok() ? *value_ : std::move(fallback); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T&& operator*() && { return std::move(*value_); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace sluice

#define SLUICE_CONCAT_INNER(a, b) a##b
#define SLUICE_CONCAT(a, b) SLUICE_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` is not OK.
#define SLUICE_RETURN_NOT_OK(expr)              \
  do {                                          \
    ::sluice::Status _st = (expr);              \
    if (!_st.ok()) return _st;                  \
  } while (false)

#define SLUICE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                 \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()

// `SLUICE_ASSIGN_OR_RETURN(auto x, MaybeX());` declares x from a Result or returns its error.
#define SLUICE_ASSIGN_OR_RETURN(lhs, rexpr) \
  SLUICE_ASSIGN_OR_RETURN_IMPL(SLUICE_CONCAT(_result_, __LINE__), lhs, rexpr)
