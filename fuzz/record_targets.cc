// FuzzCsv and FuzzNdjson: the text-format readers of the file source.
//
// The first 5 bytes of an input are options, the rest is the file:
//   byte 0  bit 0 header row, bit 1 infer the schema from the text, bit 2 null string
//           "NA" (else ""), bit 3 skip_rows = 1, bits 4-5 delimiter , ; TAB |,
//           bit 6 quote ' (else "), bit 7 buffer padding '\n' (else '"')
//   byte 1  bits 0-1 number of columns - 1 (columns a, b, c, d), bits 2-7 chunk size - 1
//   byte 2  types of columns a (low nibble) and b (high nibble), see kTypes
//   byte 3  types of columns c and d
//   byte 4  rows per batch - 1
// NDJSON uses bits 1 and 7 of byte 0 and bytes 1-4 the same way.
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "connectors/csv_reader.h"
#include "connectors/ndjson_reader.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/targets.h"

namespace sluice::fuzz {
namespace {

using connectors::BadRecord;
using connectors::BadRecordReporter;
using connectors::FileCursor;
using connectors::kReadPadding;
using connectors::RecordReader;

constexpr DataType kTypes[16] = {
    DataType::Boolean(),      DataType::Int32(),        DataType::Int64(),
    DataType::Double(),       DataType::Decimal(10, 2), DataType::Varchar(),
    DataType::Timestamp(),    DataType::Date(),         DataType::Interval(),
    DataType::Decimal(18, 0), DataType::Decimal(18, 18), DataType::Decimal(1, 0),
    DataType::Decimal(18, 6), DataType::Varchar(),      DataType::Int64(),
    DataType::Timestamp(),
};

struct ReaderOptions {
  connectors::CsvOptions csv;
  bool infer = false;
  char padding = '"';
  size_t chunk = 1;
  int64_t batch_rows = 1;
  SchemaPtr schema;
};

ReaderOptions DecodeOptions(ByteCursor* in) {
  static constexpr char kDelimiters[] = {',', ';', '\t', '|'};
  ReaderOptions o;
  const uint8_t flags = in->Take();
  o.csv.header = flags & 1;
  o.infer = flags & 2;
  if (flags & 4) o.csv.null_string = "NA";
  o.csv.skip_rows = (flags >> 3) & 1;
  o.csv.delimiter = kDelimiters[(flags >> 4) & 3];
  o.csv.quote = (flags & 64) ? '\'' : '"';
  o.padding = (flags & 128) ? '\n' : '"';
  const uint8_t shape = in->Take();
  const int columns = 1 + (shape & 3);
  o.chunk = 1 + (shape >> 2);
  const uint8_t types[2] = {in->Take(), in->Take()};
  o.batch_rows = 1 + in->Take();
  std::vector<Field> fields;
  for (int c = 0; c < columns; ++c) {
    const int nibble = (types[c / 2] >> (4 * (c % 2))) & 15;
    fields.push_back({std::string(1, static_cast<char>('a' + c)), kTypes[nibble]});
  }
  o.schema = MakeSchema(std::move(fields));
  return o;
}

// What one read of a file produced.
struct ReadOutcome {
  bool ok = true;
  std::string rows;  // every batch's ToString
  std::string bad;   // "location: error" per bad record
};

struct Collector {
  std::string bad;
  BadRecordReporter reporter{"fuzz", [this](BadRecord r) {
                               bad += r.location + ": " + r.error + "\n";
                             }};
};

void AddBatch(const RecordBatchPtr& batch, const Schema& schema, ReadOutcome* out) {
  if (!batch) return;
  CheckBatch(*batch, schema);
  out->rows += batch->ToString();
}

// The whole text at once, through ReadAllText (zero padding).
template <typename MakeReader>
ReadOutcome ReadWhole(std::string_view text, const ReaderOptions& o, MakeReader&& make) {
  Collector c;
  std::unique_ptr<RecordReader> reader = make(&c.reporter);
  ReadOutcome out;
  Result<std::vector<RecordBatchPtr>> batches =
      connectors::ReadAllText(reader.get(), text, "f", o.batch_rows);
  out.ok = batches.ok();
  if (out.ok) {
    for (const RecordBatchPtr& b : *batches) AddBatch(b, *reader->schema(), &out);
  }
  out.bad = std::move(c.bad);
  return out;
}

// The text as a file growing `o.chunk` bytes at a time, each Parse call given a buffer
// of exactly the unread bytes plus kReadPadding bytes of `o.padding` (so ASan catches a
// read past the padding, and the comparison catches a reader that looks at padding).
template <typename MakeReader>
ReadOutcome ReadChunked(std::string_view text, const ReaderOptions& o, MakeReader&& make) {
  Collector c;
  std::unique_ptr<RecordReader> reader = make(&c.reporter);
  ReadOutcome out;
  FileCursor cursor;
  cursor.file = "f";
  const int64_t size = static_cast<int64_t>(text.size());
  int64_t avail = 0;
  while (out.ok) {
    avail = std::min<int64_t>(avail + static_cast<int64_t>(o.chunk), size);
    const bool eof = avail == size;
    while (true) {
      const int64_t len = avail - cursor.offset;
      std::unique_ptr<char[]> buf(new char[static_cast<size_t>(len + kReadPadding)]);
      if (len > 0) std::memcpy(buf.get(), text.data() + cursor.offset, static_cast<size_t>(len));
      std::memset(buf.get() + len, o.padding, static_cast<size_t>(kReadPadding));
      Result<int64_t> used = reader->Parse(buf.get(), len, eof, o.batch_rows, &cursor);
      if (!used.ok()) {
        out.ok = false;
        break;
      }
      if (*used < 0 || *used > len || cursor.offset > avail) {
        Violation("Parse consumed more bytes than it was given");
      }
      bool took = false;
      if (reader->pending_rows() >= o.batch_rows) {
        AddBatch(reader->TakeBatch(), *reader->schema(), &out);
        took = true;
      }
      if ((*used == 0 && !took) || cursor.offset == size) break;
    }
    if (eof) break;
  }
  if (out.ok) {
    AddBatch(reader->TakeBatch(), *reader->schema(), &out);
    if (cursor.offset != size) {
      Violation("the reader left bytes unread at the end of the input",
                std::to_string(size - cursor.offset) + " bytes left");
    }
  }
  out.bad = std::move(c.bad);
  return out;
}

std::vector<std::string_view> SortedLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t begin = 0;
  while (begin < text.size()) {
    const size_t end = text.find('\n', begin);
    const size_t stop = end == std::string_view::npos ? text.size() : end;
    lines.push_back(text.substr(begin, stop - begin));
    begin = stop + 1;
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

void Compare(const ReadOutcome& whole, const ReadOutcome& chunked, const ReaderOptions& o) {
  const std::string how = "chunk " + std::to_string(o.chunk) + ", batch " +
                          std::to_string(o.batch_rows) + ", schema " + o.schema->ToString();
  if (whole.ok != chunked.ok) {
    Violation("whole and chunked reads disagree on failing", how);
  }
  if (whole.rows != chunked.rows) {
    Violation("whole and chunked reads give different rows",
              how + "\n--- whole\n" + whole.rows + "--- chunked\n" + chunked.rows);
  }
  // Within one buffer a reader may report a record's structure errors before the
  // conversion errors of earlier records, so only the set of bad records must match.
  if (SortedLines(whole.bad) != SortedLines(chunked.bad)) {
    Violation("whole and chunked reads give different bad records",
              how + "\n--- whole\n" + whole.bad + "--- chunked\n" + chunked.bad);
  }
}

}  // namespace

int FuzzCsv(const uint8_t* data, size_t size) {
  ByteCursor in(data, size);
  ReaderOptions o = DecodeOptions(&in);
  const std::string_view text = in.Rest();
  if (o.infer) {
    Result<SchemaPtr> inferred = connectors::CsvReader::InferSchema(text, true, o.csv, "f");
    if (!inferred.ok()) return 0;
    o.schema = *inferred;
  }
  auto make = [&](BadRecordReporter* r) {
    return std::make_unique<connectors::CsvReader>(o.schema, o.csv, r, o.batch_rows);
  };
  Compare(ReadWhole(text, o, make), ReadChunked(text, o, make), o);
  return 0;
}

int FuzzNdjson(const uint8_t* data, size_t size) {
  ByteCursor in(data, size);
  ReaderOptions o = DecodeOptions(&in);
  const std::string_view text = in.Rest();
  if (o.infer) {
    std::string padded(text);
    padded.append(static_cast<size_t>(kReadPadding), '\0');
    Result<SchemaPtr> inferred = connectors::NdjsonReader::InferSchema(
        padded.data(), static_cast<int64_t>(text.size()), true, "f");
    if (!inferred.ok()) return 0;
    o.schema = *inferred;
  }
  auto make = [&](BadRecordReporter* r) {
    return std::make_unique<connectors::NdjsonReader>(o.schema, r, o.batch_rows);
  };
  Compare(ReadWhole(text, o, make), ReadChunked(text, o, make), o);
  return 0;
}

}  // namespace sluice::fuzz
