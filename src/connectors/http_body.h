// Request-body helpers of the HTTP collector (http_collector.h): decompression with a
// size limit, and turning a JSON body (NDJSON, a JSON array, or JSON values one after
// another such as one pretty-printed object) into NDJSON text, one record per line, for
// NdjsonReader.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sluice::connectors {

enum class BodyCodec { kIdentity, kGzip, kZstd, kUnsupported };

// From a Content-Encoding header value (case-insensitive; empty/"identity" = none;
// "gzip"/"x-gzip"; "zstd").
BodyCodec ParseContentEncoding(std::string_view value);

// Decompresses `in` into *out. Returns OutOfRange when the result would pass `limit`
// bytes, Invalid when the data is not valid for the codec.
Status Decompress(BodyCodec codec, std::string_view in, int64_t limit, std::string* out);

// A record the splitter rejected itself (it is passed to the reader as a placeholder
// line so that line numbers stay record indexes).
struct SplitError {
  int64_t index = 0;
  std::string raw;
  std::string error;
};

// The body as NDJSON: *ndjson views either `body` itself (NDJSON without blank lines)
// or *scratch; line k (1-based) is record k-1 of the request. *records is the number of
// records. Fails (Invalid, with a message for the client) when the body is an array
// that is not closed or has text after it.
Status SplitJsonBody(std::string_view body, std::string* scratch, std::string_view* ndjson,
                     int64_t* records, std::vector<SplitError>* errors);

}  // namespace sluice::connectors
