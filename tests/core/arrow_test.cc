#include "core/arrow.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/value.h"

namespace sluice {
namespace {

SchemaPtr AllTypesSchema() {
  return MakeSchema({{"b", DataType::Boolean()},
                     {"i", DataType::Int32(), false},
                     {"l", DataType::Int64()},
                     {"d", DataType::Double()},
                     {"dec", DataType::Decimal(10, 2)},
                     {"s", DataType::Varchar()},
                     {"ts", DataType::Timestamp()},
                     {"dt", DataType::Date()},
                     {"iv", DataType::Interval()}});
}

// 21 rows of every type; column c is NULL where (row + c) % 4 == 0, except the
// non-nullable INT32 column.
RecordBatchPtr AllTypesBatch(int64_t rows = 21) {
  BatchBuilder b(AllTypesSchema());
  for (int64_t r = 0; r < rows; ++r) {
    for (int c = 0; c < 9; ++c) {
      Column* col = b.column(c);
      if (c != 1 && (r + c) % 4 == 0) {
        col->AppendNull();
        continue;
      }
      switch (c) {
        case 0:
          col->Append<uint8_t>(r % 3 == 0);
          break;
        case 1:
          col->Append<int32_t>(static_cast<int32_t>(r * 7 - 50));
          break;
        case 2:
          col->Append<int64_t>(r * 1000000007LL - 3);
          break;
        case 3:
          col->Append<double>(r * 0.25 - 1.5);
          break;
        case 4:
          col->Append<int64_t>(r * 1234 - 9999);
          break;
        case 5:
          col->AppendString(std::string(static_cast<size_t>(r % 15), 'a' + r % 26));
          break;
        case 6:
          col->Append<int64_t>(1700000000000000LL + r * 1500000);
          break;
        case 7:
          col->Append<int32_t>(static_cast<int32_t>(19000 + r));
          break;
        case 8:
          col->Append<Interval>(
              Interval{static_cast<int32_t>(r), -static_cast<int32_t>(r), r * 1000001});
          break;
      }
    }
  }
  return b.Finish();
}

void ExpectBatchesEqual(const RecordBatch& a, const RecordBatch& b) {
  ASSERT_EQ(a.num_rows(), b.num_rows());
  ASSERT_EQ(a.num_columns(), b.num_columns());
  for (int c = 0; c < a.num_columns(); ++c) {
    EXPECT_EQ(a.schema()->field(c).name, b.schema()->field(c).name);
    EXPECT_EQ(a.schema()->field(c).type, b.schema()->field(c).type) << c;
    EXPECT_TRUE(a.column(c).Equals(b.column(c))) << "column " << c << "\n"
                                                 << a.ToString() << "vs\n"
                                                 << b.ToString();
  }
}

TEST(ArrowTest, ExportFormatsAndFlags) {
  RecordBatchPtr batch = AllTypesBatch();
  ArrowSchema s;
  ArrowArray a;
  ASSERT_TRUE(ExportRecordBatch(batch, &s, &a).ok());
  EXPECT_STREQ(s.format, "+s");
  ASSERT_EQ(s.n_children, 9);
  const char* formats[] = {"b", "i", "l", "g", "d:10,2", "u", "tsu:UTC", "tdD", "tin"};
  for (int i = 0; i < 9; ++i) EXPECT_STREQ(s.children[i]->format, formats[i]);
  EXPECT_EQ(s.children[0]->flags, ARROW_FLAG_NULLABLE);
  EXPECT_EQ(s.children[1]->flags, 0);
  EXPECT_STREQ(s.children[4]->name, "dec");
  EXPECT_EQ(a.length, 21);
  EXPECT_EQ(a.n_children, 9);
  EXPECT_EQ(a.children[5]->n_buffers, 3);
  EXPECT_EQ(a.children[1]->null_count, 0);
  EXPECT_EQ(a.children[1]->buffers[0], nullptr);
  // Zero-copy: the exported buffers are the column's own.
  EXPECT_EQ(a.children[2]->buffers[1], batch->column(2).data_buffer().data());
  EXPECT_EQ(a.children[2]->buffers[0], batch->column(2).validity_buffer().data());
  EXPECT_EQ(a.children[5]->buffers[2], batch->column(5).string_buffer().data());
  // Converted: booleans as bits, decimals as sign-extended 128-bit, intervals in nanos.
  const auto* bits = static_cast<const uint8_t*>(a.children[0]->buffers[1]);
  EXPECT_EQ(bits[0] & 0x0F, 0b1000);  // rows 0..3: row 0 is NULL (0), then r%3==0 -> 0,0,1
  const auto* dec = static_cast<const int64_t*>(a.children[4]->buffers[1]);
  EXPECT_EQ(dec[2 * 1], 1234 - 9999);
  EXPECT_EQ(dec[2 * 1 + 1], -1);
  const auto* iv = static_cast<const uint8_t*>(a.children[8]->buffers[1]);
  int64_t nanos = 0;
  std::memcpy(&nanos, iv + 2 * 16 + 8, 8);
  EXPECT_EQ(nanos, 2 * 1000001 * 1000LL);
  a.release(&a);
  s.release(&s);
  EXPECT_EQ(a.release, nullptr);
  EXPECT_EQ(s.release, nullptr);
}

TEST(ArrowTest, RoundTripEveryTypeWithNulls) {
  RecordBatchPtr batch = AllTypesBatch();
  ArrowSchema s;
  ArrowArray a;
  ASSERT_TRUE(ExportRecordBatch(batch, &s, &a).ok());
  Result<RecordBatchPtr> back = ImportRecordBatch(&s, &a);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(s.release, nullptr);  // moved out
  EXPECT_EQ(a.release, nullptr);
  ExpectBatchesEqual(*batch, **back);
  EXPECT_FALSE((*back)->schema()->field(1).nullable);
  EXPECT_TRUE((*back)->schema()->field(0).nullable);
  // Zero-copy on the way back too: same value, offset, string and validity pointers.
  for (int c : {1, 2, 3, 5, 6, 7}) {
    EXPECT_EQ((*back)->column(c).data_buffer().data(), batch->column(c).data_buffer().data()) << c;
  }
  EXPECT_EQ((*back)->column(5).string_buffer().data(), batch->column(5).string_buffer().data());
  EXPECT_EQ((*back)->column(2).validity_buffer().data(), batch->column(2).validity_buffer().data());
  EXPECT_TRUE((*back)->column(2).data_buffer().borrowed());
}

TEST(ArrowTest, ImportedBatchOutlivesOriginal) {
  ArrowSchema s;
  ArrowArray a;
  std::string expected;
  {
    RecordBatchPtr batch = AllTypesBatch(100);
    expected = batch->ToString();
    ASSERT_TRUE(ExportRecordBatch(batch, &s, &a).ok());
  }
  Result<RecordBatchPtr> back = ImportRecordBatch(&s, &a);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)->ToString(), expected);
}

TEST(ArrowTest, SlicedOffsetsConvert) {
  RecordBatchPtr batch = AllTypesBatch(40);
  // Parent offset 3 and child offsets 0..8: every column starts at a different row,
  // most of them not byte-aligned.
  for (int64_t parent_offset : {0, 3, 8}) {
    ArrowSchema s;
    ArrowArray a;
    ASSERT_TRUE(ExportRecordBatch(batch, &s, &a).ok());
    const int64_t rows = 24;
    a.offset = parent_offset;
    a.length = rows;
    for (int c = 0; c < 9; ++c) {
      a.children[c]->offset = c;
      a.children[c]->length = 40 - c;
    }
    Result<RecordBatchPtr> back = ImportRecordBatch(&s, &a);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ASSERT_EQ((*back)->num_rows(), rows);
    for (int c = 0; c < 9; ++c) {
      Column expected(batch->column(c).type());
      expected.AppendRange(batch->column(c), parent_offset + c, rows);
      EXPECT_TRUE((*back)->column(c).Equals(expected))
          << "column " << c << " offset " << parent_offset;
      EXPECT_EQ((*back)->column(c).null_count(), expected.null_count());
    }
  }
}

TEST(ArrowTest, ChildMovedOutSurvivesParentRelease) {
  RecordBatchPtr batch = AllTypesBatch();
  ArrowSchema s;
  ArrowArray a;
  ASSERT_TRUE(ExportRecordBatch(batch, &s, &a).ok());
  ArrowArray child = *a.children[5];
  a.children[5]->release = nullptr;  // moved, as the spec allows
  a.release(&a);
  s.release(&s);
  batch.reset();  // only the child keeps the strings alive now
  const auto* off = static_cast<const int32_t*>(child.buffers[1]);
  const auto* data = static_cast<const char*>(child.buffers[2]);
  EXPECT_EQ(std::string(data + off[2], static_cast<size_t>(off[3] - off[2])), "cc");
  child.release(&child);
  EXPECT_EQ(child.release, nullptr);
}

TEST(ArrowTest, IntervalTooLargeForNanosFails) {
  BatchBuilder b(MakeSchema({{"iv", DataType::Interval()}}));
  b.column(0)->Append<Interval>(Interval{0, 0, INT64_MAX / 10});
  ArrowSchema s;
  ArrowArray a;
  Status st = ExportRecordBatch(b.Finish(), &s, &a);
  EXPECT_EQ(st.code(), StatusCode::kOutOfRange);
  EXPECT_NE(st.message().find("column 'iv'"), std::string::npos) << st.message();
  EXPECT_EQ(s.release, nullptr);
  EXPECT_EQ(a.release, nullptr);
}

// --- hand-built arrays from a foreign producer, with counted release calls ---

int g_array_releases = 0;
int g_schema_releases = 0;

struct ForeignArray {
  std::vector<std::vector<uint8_t>> buffers;
  std::vector<const void*> pointers;
  ArrowArray child{};
  ArrowArray* child_ptr = &child;
};
struct ForeignSchema {
  std::string format, name;
  ArrowSchema child{};
  ArrowSchema* child_ptr = &child;
};

void ReleaseForeignChildArray(ArrowArray* a) { a->release = nullptr; }
void ReleaseForeignChildSchema(ArrowSchema* s) { s->release = nullptr; }
void ReleaseForeignArray(ArrowArray* a) {
  auto* f = static_cast<ForeignArray*>(a->private_data);
  if (f->child.release) f->child.release(&f->child);
  delete f;
  a->release = nullptr;
  ++g_array_releases;
}
void ReleaseForeignSchema(ArrowSchema* s) {
  auto* f = static_cast<ForeignSchema*>(s->private_data);
  if (f->child.release) f->child.release(&f->child);
  delete f;
  s->release = nullptr;
  ++g_schema_releases;
}

template <typename T>
std::vector<uint8_t> Bytes(const std::vector<T>& values) {
  std::vector<uint8_t> out(values.size() * sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), values.data(), out.size());
  return out;
}

// A one-column struct array; buffers[0] is the validity bitmap (empty = none).
void MakeForeign(const std::string& format, std::vector<std::vector<uint8_t>> buffers,
                 int64_t length, int64_t null_count, ArrowSchema* s, ArrowArray* a,
                 int64_t child_offset = 0) {
  auto* fs = new ForeignSchema{format, "x"};
  fs->child = ArrowSchema{fs->format.c_str(),
                          fs->name.c_str(),
                          nullptr,
                          ARROW_FLAG_NULLABLE,
                          0,
                          nullptr,
                          nullptr,
                          ReleaseForeignChildSchema,
                          nullptr};
  *s = ArrowSchema{"+s", "", nullptr, 0, 1, &fs->child_ptr, nullptr, ReleaseForeignSchema, fs};
  auto* fa = new ForeignArray();
  fa->buffers = std::move(buffers);
  for (auto& b : fa->buffers) fa->pointers.push_back(b.empty() ? nullptr : b.data());
  fa->child = ArrowArray{length + child_offset,
                         null_count,
                         child_offset,
                         static_cast<int64_t>(fa->pointers.size()),
                         0,
                         fa->pointers.data(),
                         nullptr,
                         nullptr,
                         ReleaseForeignChildArray,
                         nullptr};
  *a = ArrowArray{length, 0, 0, 1, 1, nullptr, &fa->child_ptr, nullptr, ReleaseForeignArray, fa};
}

Result<RecordBatchPtr> ImportForeign(const std::string& format,
                                     std::vector<std::vector<uint8_t>> buffers, int64_t length,
                                     int64_t null_count = 0, int64_t child_offset = 0) {
  ArrowSchema s;
  ArrowArray a;
  MakeForeign(format, std::move(buffers), length, null_count, &s, &a, child_offset);
  return ImportRecordBatch(&s, &a);
}

TEST(ArrowTest, ForeignReleaseRunsExactlyOnce) {
  g_array_releases = g_schema_releases = 0;
  {
    Result<RecordBatchPtr> r = ImportForeign("l", {{}, Bytes<int64_t>({1, 2, 3})}, 3);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(g_schema_releases, 1);  // the schema is not needed after import
    EXPECT_EQ(g_array_releases, 0);   // the batch borrows the array's buffers
    ColumnPtr col = (*r)->column_ptr(0);
    r = Status::Cancelled("drop the batch");
    EXPECT_EQ(g_array_releases, 0);  // the column alone still holds it
    EXPECT_EQ(col->Get<int64_t>(2), 3);
  }
  EXPECT_EQ(g_array_releases, 1);
  EXPECT_EQ(g_schema_releases, 1);
}

TEST(ArrowTest, ForeignReleaseRunsOnceOnError) {
  g_array_releases = g_schema_releases = 0;
  Result<RecordBatchPtr> r = ImportForeign("+l", {{}}, 0);
  EXPECT_EQ(r.status().code(), StatusCode::kNotImplemented);
  EXPECT_NE(r.status().message().find("column 'x' has format '+l'"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(g_array_releases, 1);
  EXPECT_EQ(g_schema_releases, 1);
  r = ImportRecordBatch(nullptr, nullptr);
  EXPECT_FALSE(r.ok());
}

TEST(ArrowTest, ImportWidensSmallIntegersAndFloats) {
  auto r = ImportForeign("c", {{0b101}, Bytes<int8_t>({-128, 5, 127})}, 3, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->column(0).type(), DataType::Int32());
  EXPECT_EQ((*r)->ToString(), "-128\nNULL\n127\n");
  r = ImportForeign("s", {{}, Bytes<int16_t>({-30000, 7})}, 2);
  EXPECT_EQ((*r)->ToString(), "-30000\n7\n");
  r = ImportForeign("I", {{}, Bytes<uint32_t>({4000000000u})}, 1);
  EXPECT_EQ((*r)->column(0).Get<int64_t>(0), 4000000000LL);
  r = ImportForeign("f", {{}, Bytes<float>({1.5f, -0.25f})}, 2);
  EXPECT_EQ((*r)->column(0).type(), DataType::Double());
  EXPECT_EQ((*r)->ToString(), "1.5\n-0.25\n");
  r = ImportForeign("b", {{}, {0b110}}, 3);
  EXPECT_EQ((*r)->ToString(), "false\ntrue\ntrue\n");
}

TEST(ArrowTest, ImportStringsLargeAndView) {
  auto r = ImportForeign(
      "U", {{}, Bytes<int64_t>({0, 2, 2, 7}), Bytes<char>({'h', 'i', 'w', 'o', 'r', 'l', 'd'})}, 3);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->ToString(), "hi\n\nworld\n");
  // All strings empty: the data buffer may be absent.
  r = ImportForeign("u", {{}, Bytes<int32_t>({0, 0, 0}), {}}, 2);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->ToString(), "\n\n");
  // Views: one inline (<= 12 bytes), one pointing into data buffer 0.
  std::string long_text = "a string longer than twelve bytes";
  std::vector<uint8_t> views(32, 0);
  int32_t len = 5;
  std::memcpy(views.data(), &len, 4);
  std::memcpy(views.data() + 4, "short", 5);
  len = static_cast<int32_t>(long_text.size());
  int32_t buf = 0, pos = 3;
  std::memcpy(views.data() + 16, &len, 4);
  std::memcpy(views.data() + 24, &buf, 4);
  std::memcpy(views.data() + 28, &pos, 4);
  const std::string padded = "___" + long_text;
  std::vector<uint8_t> data(padded.begin(), padded.end());
  r = ImportForeign("vu", {{}, views, data, Bytes<int64_t>({static_cast<int64_t>(data.size())})},
                    2);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->ToString(), "short\n" + long_text + "\n");
}

TEST(ArrowTest, ImportTimestampUnitsAndZones) {
  auto r = ImportForeign("tss:", {{}, Bytes<int64_t>({1, -1})}, 2);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->column(0).Get<int64_t>(0), 1000000);
  EXPECT_EQ((*r)->column(0).Get<int64_t>(1), -1000000);
  r = ImportForeign("tsm:Europe/Paris", {{}, Bytes<int64_t>({1500})}, 1);
  EXPECT_EQ((*r)->column(0).Get<int64_t>(0), 1500000);
  r = ImportForeign("tsn:UTC", {{}, Bytes<int64_t>({1999, -1})}, 2);
  EXPECT_EQ((*r)->column(0).Get<int64_t>(0), 1);
  EXPECT_EQ((*r)->column(0).Get<int64_t>(1), -1);  // floor: 1 ns before the epoch
  r = ImportForeign("tdm", {{}, Bytes<int64_t>({86400000LL * 3, -1})}, 2);
  EXPECT_EQ((*r)->column(0).type(), DataType::Date());
  EXPECT_EQ((*r)->column(0).Get<int32_t>(0), 3);
  EXPECT_EQ((*r)->column(0).Get<int32_t>(1), -1);
}

TEST(ArrowTest, ImportDecimals) {
  std::vector<int64_t> words = {12345, 0, -5, -1};
  auto r = ImportForeign("d:9,2", {{}, Bytes<int64_t>(words)}, 2);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->column(0).type(), DataType::Decimal(9, 2));
  EXPECT_EQ((*r)->ToString(), "123.45\n-0.05\n");
  r = ImportForeign("d:38,2,128", {{}, Bytes<int64_t>(words)}, 2);
  EXPECT_EQ((*r)->column(0).type(), DataType::Double());
  EXPECT_DOUBLE_EQ((*r)->column(0).Get<double>(0), 123.45);
  r = ImportForeign("d:18,0,64", {{}, Bytes<int64_t>({42})}, 1);
  EXPECT_EQ((*r)->column(0).type(), DataType::Decimal(18, 0));
  // A value that does not fit its declared precision is refused, not wrapped.
  r = ImportForeign("d:18,0", {{}, Bytes<int64_t>({0, 1})}, 1);
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
  r = ImportForeign("d:40,2,256", {{}, std::vector<uint8_t>(32)}, 1);
  EXPECT_EQ(r.status().code(), StatusCode::kNotImplemented);
}

TEST(ArrowTest, ImportIntervals) {
  std::vector<int32_t> mdn = {1, 2, 0, 0};
  const int64_t nanos = 3500;
  std::memcpy(&mdn[2], &nanos, 8);
  auto r = ImportForeign("tin", {{}, Bytes<int32_t>(mdn)}, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->column(0).Get<Interval>(0), (Interval{1, 2, 3}));
  r = ImportForeign("tiM", {{}, Bytes<int32_t>({14})}, 1);
  EXPECT_EQ((*r)->column(0).Get<Interval>(0), (Interval{14, 0, 0}));
  r = ImportForeign("tiD", {{}, Bytes<int32_t>({3, 250})}, 1);
  EXPECT_EQ((*r)->column(0).Get<Interval>(0), (Interval{0, 3, 250000}));
  r = ImportForeign("tDm", {{}, Bytes<int64_t>({1500})}, 1);
  EXPECT_EQ((*r)->column(0).Get<Interval>(0), (Interval{0, 0, 1500000}));
}

TEST(ArrowTest, ImportChildOffsetAlignedBorrowsValidity) {
  std::vector<uint8_t> validity = {0xFF, 0b11111101};
  std::vector<int32_t> values(16);
  for (int i = 0; i < 16; ++i) values[static_cast<size_t>(i)] = i;
  auto r = ImportForeign("i", {validity, Bytes<int32_t>(values)}, 8, -1, 8);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->column(0).null_count(), 1);
  EXPECT_EQ((*r)->column(0).Get<int32_t>(0), 8);
  EXPECT_TRUE((*r)->column(0).IsNull(1));
  EXPECT_TRUE((*r)->column(0).validity_buffer().borrowed());
}

TEST(ArrowTest, RejectsBadInputClearly) {
  auto r = ImportForeign("z", {{}, Bytes<int32_t>({0}), {}}, 0);
  EXPECT_EQ(r.status().code(), StatusCode::kNotImplemented);
  EXPECT_NE(r.status().message().find("supported:"), std::string::npos);
  r = ImportForeign("i", {{}}, 1);  // one buffer where two are needed
  EXPECT_EQ(r.status().code(), StatusCode::kInvalid);
  r = ImportForeign("i", {{}, Bytes<int32_t>({1})}, 1);
  ASSERT_TRUE(r.ok());
  // Not a struct at the top.
  ArrowSchema s;
  ArrowArray a;
  MakeForeign("i", {{}, Bytes<int32_t>({1})}, 1, 0, &s, &a);
  s.format = "i";
  r = ImportRecordBatch(&s, &a);
  EXPECT_NE(r.status().message().find("struct array"), std::string::npos);
}

TEST(ArrowTest, EmptyBatchRoundTrip) {
  RecordBatchPtr batch = AllTypesBatch(0);
  ArrowSchema s;
  ArrowArray a;
  ASSERT_TRUE(ExportRecordBatch(batch, &s, &a).ok());
  for (int c = 0; c < 9; ++c) EXPECT_NE(a.children[c]->buffers[1], nullptr);
  Result<RecordBatchPtr> back = ImportRecordBatch(&s, &a);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)->num_rows(), 0);
  EXPECT_EQ((*back)->num_columns(), 9);
}

}  // namespace
}  // namespace sluice
