// The check every bulk writer makes before taking a batch: the batch has the columns and
// types the writer was made for.
#pragma once

#include <string>

#include "core/record_batch.h"
#include "core/schema.h"
#include "core/status.h"

namespace sluice::warehouse {

// OK when `batch` has exactly the first `num_fields` fields of `schema` (all of them when
// num_fields < 0) in count and types; else Invalid naming the column and both types, or
// both counts, and `writer` ("appender for main.orders").
Status CheckBatchShape(const RecordBatch& batch, const Schema& schema, const std::string& writer,
                       int num_fields = -1);

}  // namespace sluice::warehouse
