// Helpers shared by the log tests: a temporary folder and deterministic records.
#pragma once

#include "common/temp_dir.h"

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "log/log.h"
#include "log/log_reader.h"

namespace sluice::log::testing {

using sluice::test::TempDir;

// Record i: compressible text of a length that varies with i (0 for every 17th).
inline std::string MakeRecord(int64_t i) {
  if (i % 17 == 0) return std::string();
  std::string s = "record-" + std::to_string(i) + ":";
  const size_t len = static_cast<size_t>(i * 37 % 300);
  while (s.size() < len) s += "abcabcabc" + std::to_string(i % 7);
  return s;
}

// Appends records [first, first + n) as one batch.
inline Result<int64_t> AppendRange(Log* log, int64_t first, int64_t n, int64_t ts = Log::kNow) {
  std::vector<std::string> owned;
  for (int64_t i = first; i < first + n; ++i) owned.push_back(MakeRecord(i));
  std::vector<std::string_view> views(owned.begin(), owned.end());
  return log->Append(views, ts);
}

// Reads from `offset` until caught up; appends copies to *out. Returns the first error.
inline Status ReadAll(const Log& log, int64_t offset, std::vector<std::string>* out,
                      size_t max_bytes = 1000) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<LogReader> reader, log.NewReader(offset));
  std::vector<std::string_view> records;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(size_t n, reader->Read(&records, max_bytes));
    if (n == 0) return Status::OK();
    for (auto r : records) out->emplace_back(r);
  }
}

}  // namespace sluice::log::testing
