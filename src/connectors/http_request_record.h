// RequestRecord: what the HTTP collector remembers durably about one request, besides its
// accepted events. It is written to the source's log (next to the columnar batches of
// connectors/batch_codec.h, in the same frame and the same fsync as the request's
// accepted events, before them) when the request carried an Idempotency-Key or had
// rejected events:
//   - the rejected events (index, error, raw text): the http source reads them back by
//     offset and reports them to the dead-letter table, so a crash after the answer
//     cannot lose them and a checkpoint covers them like any event;
//   - the Idempotency-Key and the final answer: reloaded when the source opens, so a
//     retry after a restart replays the answer instead of storing the events again.
//
// Layout (little-endian): u32 magic "SRQ1", i64 request id, i64 time (micros), i32
// status, u32-length-prefixed key and response body, u32 count, then per rejected event
// i64 index and u32-length-prefixed error and raw. A batch record starts with "SBT1", so
// IsRequestRecord tells the two apart.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sluice::connectors {

struct RejectedEvent {
  int64_t index = 0;  // 0-based position in the request
  std::string error;
  std::string raw;
};

struct RequestRecord {
  int64_t request_id = 0;
  int64_t time_micros = 0;      // when it was handled
  std::string idempotency_key;  // empty: none
  int status = 200;             // the final answer: 200 or 400
  std::string response_body;    // kept only with a key (for the replay)
  std::vector<RejectedEvent> rejected;
};

// Whether a log record is a RequestRecord (else a batch).
bool IsRequestRecord(std::string_view bytes);
// Appends the encoded form of `record` to *out.
void EncodeRequestRecord(const RequestRecord& record, std::string* out);
// Decodes a record written by EncodeRequestRecord; Invalid when truncated or damaged
// (never reads out of bounds).
Result<RequestRecord> DecodeRequestRecord(std::string_view bytes);

}  // namespace sluice::connectors
