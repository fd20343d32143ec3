// The Arrow C data interface for sluice batches: hand a RecordBatch to any Arrow
// consumer (DuckDB, pyarrow, polars) and take Arrow arrays in, without copying
// wherever the layouts already agree.
//
// A batch travels as a struct array (format "+s") with one child per column:
//
//   sluice type    Arrow format     export                       import also accepts
//   BOOLEAN        b                bytes -> bits (converted)     -
//   INT32          i                zero-copy                     c, s (int8, int16)
//   INT64          l                zero-copy                     C, S, I (uint8..uint32)
//   DOUBLE         g                zero-copy                     f (float)
//   DECIMAL(p,s)   d:p,s            int64 -> decimal128           d:p,s[,128]; p > 18 -> DOUBLE
//   VARCHAR        u                zero-copy (offsets + bytes)   U (large), vu (view)
//   TIMESTAMP      tsu:UTC          zero-copy                     ts{s,m,u,n}:<any tz or none>
//   DATE           tdD              zero-copy                     tdm (date64)
//   INTERVAL       tin              micros*1000 (converted)       tiM, tiD, tD{s,m,u,n}
//
// Validity bitmaps are shared as they are (sluice uses Arrow's LSB bit order).
#pragma once

#include <cstdint>

#include "core/record_batch.h"
#include "core/schema.h"
#include "core/status.h"

// The ABI structs, exactly as https://arrow.apache.org/docs/format/CDataInterface.html
// defines them. The guard lets them coexist with any other copy (Arrow C++, nanoarrow);
// duckdb.h only forward-declares them, so both headers can be included in any order.
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

extern "C" {

struct ArrowSchema {
  // Array type description
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;

  // Release callback
  void (*release)(struct ArrowSchema*);
  // Opaque producer-specific data
  void* private_data;
};

struct ArrowArray {
  // Array data description
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;

  // Release callback
  void (*release)(struct ArrowArray*);
  // Opaque producer-specific data
  void* private_data;
};

}  // extern "C"

#endif  // ARROW_C_DATA_INTERFACE

namespace sluice {

// Writes `schema` as a struct schema ("+s", one child per field, ARROW_FLAG_NULLABLE from
// Field::nullable) into `*out`, which the caller owns afterwards and must release with
// out->release(out). On error *out is left released (release == nullptr).
Status ExportSchema(const Schema& schema, ArrowSchema* out);

// Exports `batch` as a struct array plus its schema. Columns whose layout equals Arrow's
// are shared without copying: the array keeps the batch's columns alive until released.
// BOOLEAN, DECIMAL and INTERVAL columns are converted once into buffers the array owns.
// The caller releases both structs (each child may also be moved out and released on
// its own, as the spec allows). On error both are left released.
Status ExportRecordBatch(RecordBatchPtr batch, ArrowSchema* schema_out, ArrowArray* array_out);

// Imports a struct array ("+s") as a batch. Takes ownership of both structs in every
// case: they are moved out (the caller's copies are marked released), the schema is
// released before returning and the array when the last column that borrows from it
// dies. Buffers are borrowed where the layout matches and the offset is 0; everything
// else is converted (see the table above). Decimals wider than 18 digits become DOUBLE
// (nearest value, not exact). Unsupported formats (dictionaries, lists, binary, ...)
// fail with a message naming the column and its format.
Result<RecordBatchPtr> ImportRecordBatch(ArrowSchema* schema, ArrowArray* array);

// The Arrow format string for a sluice type ("i", "d:10,2", "tsu:UTC", ...).
std::string ArrowFormat(const DataType& type);

}  // namespace sluice
