// A compact binary form of a RecordBatch, used as the record format of the embedded log
// behind the HTTP collector (one log record = one columnar batch).
//
// Layout (little-endian): u32 magic "SBT1", u32 column count, i64 rows, u64 schema
// fingerprint (SchemaFingerprint); then per column: i64 null count, u64 value-buffer
// size, u64 validity size, u64 string-data size, followed by those three buffers' bytes.
// The buffers are the Column's own (Arrow layout), so encoding is a few memcpys.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/record_batch.h"
#include "core/status.h"

namespace sluice::connectors {

// A hash of the field names, types and nullability: a batch decodes only against the
// schema it was encoded with.
uint64_t SchemaFingerprint(const Schema& schema);

// Appends the encoded form of `batch` to *out.
void EncodeBatch(const RecordBatch& batch, std::string* out);

// Decodes a batch encoded by EncodeBatch against `schema`. Fails (Invalid, with what is
// wrong) on a schema mismatch or sizes that do not add up; never reads out of bounds.
Result<RecordBatchPtr> DecodeBatch(std::string_view bytes, const SchemaPtr& schema);

}  // namespace sluice::connectors
