// EventGenerator: the interface between the `generator` source (rate control, options,
// positions) and the worlds it can simulate (shop, nexmark). Internal to the
// connectors module.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <memory>
#include <utility>
#include <vector>

#include "connectors/connector.h"
#include "core/buffer.h"
#include "core/column.h"
#include "core/copy_bytes.h"
#include "core/record_batch.h"

namespace sluice::connectors {

// Event time of the i-th event: start + i * delay (before any out-of-order jitter).
struct EventTimeline {
  int64_t start_micros = 0;
  double delay_micros = 100.0;  // 1e6 / event_rate
  int64_t At(int64_t index) const {
    return start_micros + static_cast<int64_t>(static_cast<double>(index) * delay_micros);
  }
};

// A deterministic world. Event i (counted over all streams, 0-based) is a pure
// function of the seed, the options and i: a generator is either stateless per event
// (nexmark) or replays its state on Seek (shop). Not thread-safe; driven by one thread.
class EventGenerator {
 public:
  virtual ~EventGenerator() = default;
  virtual const std::vector<StreamInfo>& streams() const = 0;
  // Makes the next Generate start at event `index` (>= 0), producing exactly what a
  // continuous run produces from there.
  virtual Status Seek(int64_t index) = 0;
  // Produces the next `count` (>= 1) events: appends one batch per stream that got rows,
  // in stream order (so referenced rows come in earlier batches or earlier rows).
  virtual void Generate(int64_t count, std::vector<SourceBatch>* out) = 0;
  // Tells the generator which streams its consumer reads (one flag per stream, in
  // stream order; missing flags mean read). A generator may then skip building the
  // batches of unread streams: Generate still counts their events, and the streams
  // that are read get exactly the rows they get without the hint. The default ignores
  // the hint (every stream is built).
  virtual void SetStreamsRead(const std::vector<bool>& read) { (void)read; }
};

// Builds one stream's batch row by row, writing straight into Arrow-layout buffers
// (inline copies for short strings; no per-row calls into the core library), then
// installs them into fresh Columns: finished batches are shared and immutable.
// Every row must set every column exactly once, in any order.
class StreamBuilder {
 public:
  explicit StreamBuilder(SchemaPtr schema) : schema_(std::move(schema)) {
    cols_.resize(static_cast<size_t>(schema_->num_fields()));
  }

  const SchemaPtr& schema() const { return schema_; }
  // Starts a batch with room for `rows` rows and `string_bytes` bytes per VARCHAR column.
  void Start(int64_t rows, int64_t string_bytes) {
    for (int i = 0; i < schema_->num_fields(); ++i) {
      StartColumn(cols_[static_cast<size_t>(i)], schema_->field(i).type, rows, string_bytes);
    }
  }
  // Starts a batch with room for `rows` rows, sizing each VARCHAR column from the
  // average string length this builder saw in its previous batches (so that a steady
  // stream never regrows its buffers, and reserves little more than it writes).
  void StartSized(int64_t rows) {
    for (int i = 0; i < schema_->num_fields(); ++i) {
      Draft& c = cols_[static_cast<size_t>(i)];
      const double per_row = c.string_bytes_per_row;
      StartColumn(c, schema_->field(i).type, rows,
                  static_cast<int64_t>(static_cast<double>(rows) * per_row * 1.125) + 64);
    }
  }
  int64_t rows() const { return cols_.empty() ? 0 : cols_[0].length; }

  // The appends are forced inline: they run several times per event, and a call
  // costs more than their work (measured with callgrind).
  template <typename T>
  [[gnu::always_inline]] void Append(int col, T v) {
    Draft& c = cols_[static_cast<size_t>(col)];
    c.data.AppendValue<T>(v);
    ++c.length;
  }
  // Appends `n` (>= 1) values to fixed-width column `col` (whose type is T), left for
  // the caller to write at the returned address before the next call on this builder.
  template <typename T>
  T* AppendSlots(int col, size_t n) {
    Draft& c = cols_[static_cast<size_t>(col)];
    const size_t at = c.data.size();
    c.data.Resize(at + n * sizeof(T));
    c.length += static_cast<int64_t>(n);
    return reinterpret_cast<T*>(c.data.mutable_data() + at);
  }
  [[gnu::always_inline]] void AppendString(int col, std::string_view s) {
    Draft& c = cols_[static_cast<size_t>(col)];
    const size_t n = s.size();
    const size_t at = c.strings.size();
    c.strings.Resize(at + n);
    CopySmall(c.strings.mutable_data() + at, s.data(), n);
    c.data.AppendValue<int32_t>(static_cast<int32_t>(at + n));
    ++c.length;
  }
  void AppendNull(int col) {
    Draft& c = cols_[static_cast<size_t>(col)];
    if (c.varchar) {
      c.data.AppendValue<int32_t>(static_cast<int32_t>(c.strings.size()));
    } else {
      c.data.ResizeZeroed(c.data.size() + c.width);
    }
    c.CoverValidity(c.length + 1);
    uint8_t& byte = c.validity.mutable_data()[c.length >> 3];
    byte = static_cast<uint8_t>(byte & ~(1u << (c.length & 7)));
    ++c.length;
    ++c.null_count;
  }

  // Hands the columns over as a batch of stream `stream` (only if it has rows).
  void Finish(int stream, std::vector<SourceBatch>* out) {
    const int64_t n = rows();
    if (n == 0) return;
    std::vector<ColumnPtr> cols;
    cols.reserve(cols_.size());
    for (int i = 0; i < schema_->num_fields(); ++i) {
      Draft& c = cols_[static_cast<size_t>(i)];
      if (c.varchar) {
        c.string_bytes_per_row = static_cast<double>(c.strings.size()) / static_cast<double>(n);
      }
      if (!c.validity.empty()) c.CoverValidity(c.length);  // rows after the last null
      auto col = std::make_shared<Column>(schema_->field(i).type);
      col->SetBuffers(std::move(c.data), std::move(c.validity), std::move(c.strings), c.length,
                      c.null_count);
      cols.push_back(std::move(col));
      c.length = c.null_count = 0;
    }
    out->push_back(
        SourceBatch{stream, std::make_shared<const RecordBatch>(schema_, std::move(cols), n)});
  }

 private:
  struct Draft {
    Buffer data;  // values, or length + 1 int32 offsets
    Buffer strings;
    Buffer validity;  // empty = all valid; else bytes 0xFF but for the nulls
    int64_t length = 0;
    int64_t null_count = 0;
    size_t width = 8;
    bool varchar = false;
    double string_bytes_per_row = 16;  // seen in the previous batch; kept across batches
    // Grows the bitmap to cover rows [0, rows) (rows >= 1), marking the new rows valid.
    // Valid appends leave the bitmap alone: the rows after the last null are covered
    // here, when the next null or the end of the batch comes.
    void CoverValidity(int64_t rows) {
      const size_t need = static_cast<size_t>(((rows - 1) >> 3) + 1);
      if (validity.size() < need) {
        const size_t old = validity.size();
        validity.Resize(need);
        std::memset(validity.mutable_data() + old, 0xFF, need - old);
      }
    }
  };

  static void StartColumn(Draft& c, const DataType& type, int64_t rows, int64_t string_bytes) {
    c.data = Buffer();
    c.strings = Buffer();
    c.validity = Buffer();
    c.length = c.null_count = 0;
    c.width = static_cast<size_t>(type.ByteWidth());
    c.varchar = type.IsVarLength();
    c.data.Reserve(static_cast<size_t>(rows + 1) * c.width);
    if (c.varchar) {
      c.data.AppendValue<int32_t>(0);
      c.strings.Reserve(static_cast<size_t>(string_bytes));
    }
  }

  // memcpy for the short and medium strings that dominate, without a library call.
  [[gnu::always_inline]] static void CopySmall(uint8_t* dst, const char* src, size_t n) {
    if (n > 16) {
      CopyMedium(dst, src, n);
    } else {
      CopyShortBytes(dst, src, n);
    }
  }

  // 17..128 bytes (urls, extras) by 16-byte moves, the last one ending at the last
  // byte (overlapping the one before); longer strings by memcpy. Out of line, so that
  // the inlined CopySmall stays small.
  [[gnu::noinline]] static void CopyMedium(uint8_t* dst, const char* src, size_t n) {
    if (n > 128) {
      std::memcpy(dst, src, n);
      return;
    }
    for (size_t i = 0; i + 16 < n; i += 16) Move16(dst + i, src + i);
    Move16(dst + n - 16, src + n - 16);
  }
  [[gnu::always_inline]] static void Move16(uint8_t* dst, const char* src) {
    uint64_t a, b;
    std::memcpy(&a, src, 8);
    std::memcpy(&b, src + 8, 8);
    std::memcpy(dst, &a, 8);
    std::memcpy(dst + 8, &b, 8);
  }

  SchemaPtr schema_;
  std::vector<Draft> cols_;
};

}  // namespace sluice::connectors
