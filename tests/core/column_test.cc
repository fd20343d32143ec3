#include "core/column.h"

#include <gtest/gtest.h>

#include "core/record_batch.h"
#include "core/value.h"

namespace sluice {
namespace {

TEST(ColumnTest, AppendsValuesAndNulls) {
  Column c(DataType::Int64());
  c.Append<int64_t>(1);
  c.AppendNull();
  c.Append<int64_t>(3);
  ASSERT_EQ(c.length(), 3);
  EXPECT_EQ(c.null_count(), 1);
  EXPECT_TRUE(c.IsValid(0));
  EXPECT_TRUE(c.IsNull(1));
  EXPECT_TRUE(c.IsValid(2));
  EXPECT_EQ(c.Get<int64_t>(2), 3);
  EXPECT_EQ(c.Get<int64_t>(1), 0) << "null slots are zeroed";
}

TEST(ColumnTest, NoValidityBitmapWithoutNulls) {
  Column c(DataType::Int32());
  for (int i = 0; i < 100; ++i) c.Append<int32_t>(i);
  EXPECT_TRUE(c.validity_buffer().empty());
  EXPECT_FALSE(c.has_nulls());
}

TEST(ColumnTest, StringsAndNullStrings) {
  Column c(DataType::Varchar());
  c.AppendString("hello");
  c.AppendNull();
  c.AppendString("");
  c.AppendString("world");
  ASSERT_EQ(c.length(), 4);
  EXPECT_EQ(c.GetString(0), "hello");
  EXPECT_TRUE(c.IsNull(1));
  EXPECT_EQ(c.GetString(1), "");
  EXPECT_EQ(c.GetString(2), "");
  EXPECT_TRUE(c.IsValid(2));
  EXPECT_EQ(c.GetString(3), "world");
  EXPECT_EQ(c.offsets()[4], 10);
}

TEST(ColumnTest, ManyNullsAcrossBitmapBytes) {
  Column c(DataType::Double());
  for (int i = 0; i < 1000; ++i) {
    if (i % 3 == 0) {
      c.AppendNull();
    } else {
      c.Append<double>(i * 0.5);
    }
  }
  EXPECT_EQ(c.null_count(), 334);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(c.IsNull(i), i % 3 == 0) << i;
    if (i % 3) {
      ASSERT_EQ(c.Get<double>(i), i * 0.5);
    }
  }
}

TEST(ColumnTest, AppendRangeAndSelectedKeepNullsAndStrings) {
  Column src(DataType::Varchar());
  for (int i = 0; i < 20; ++i) {
    if (i % 4 == 1) {
      src.AppendNull();
    } else {
      src.AppendString("v" + std::to_string(i));
    }
  }
  Column range(DataType::Varchar());
  range.AppendString("first");
  range.AppendRange(src, 4, 8);
  ASSERT_EQ(range.length(), 9);
  EXPECT_EQ(range.GetString(0), "first");
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(range.IsNull(i + 1), src.IsNull(4 + i));
    EXPECT_EQ(range.GetString(i + 1), src.GetString(4 + i));
  }
  const int32_t idx[] = {19, 1, 0, 5};
  Column sel(DataType::Varchar());
  sel.AppendSelected(src, idx, 4);
  EXPECT_EQ(sel.GetString(0), "v19");
  EXPECT_TRUE(sel.IsNull(1));
  EXPECT_EQ(sel.GetString(2), "v0");
  EXPECT_TRUE(sel.IsNull(3));
  EXPECT_EQ(sel.null_count(), 2);
}

TEST(ColumnTest, AppendSelectedFixedWidths) {
  Column src(DataType::Interval());
  for (int i = 0; i < 10; ++i) src.Append<Interval>(Interval{i, i * 2, i * 1000LL});
  const int32_t idx[] = {9, 3};
  Column out(DataType::Interval());
  out.AppendSelected(src, idx, 2);
  EXPECT_EQ(out.Get<Interval>(0), (Interval{9, 18, 9000}));
  EXPECT_EQ(out.Get<Interval>(1), (Interval{3, 6, 3000}));
  Column b(DataType::Boolean());
  b.Append<uint8_t>(1);
  b.Append<uint8_t>(0);
  Column bo(DataType::Boolean());
  const int32_t bidx[] = {1, 0, 1};
  bo.AppendSelected(b, bidx, 3);
  EXPECT_EQ(bo.Get<uint8_t>(0), 0);
  EXPECT_EQ(bo.Get<uint8_t>(1), 1);
}

TEST(ColumnTest, BulkBuildThenSetNull) {
  Column c(DataType::Int32());
  c.ResizeFixed(5);
  for (int i = 0; i < 5; ++i) c.mutable_values<int32_t>()[i] = i * 10;
  c.SetNull(2);
  c.SetNull(2);
  EXPECT_EQ(c.null_count(), 1);
  EXPECT_EQ(FormatCell(c, 1), "10");
  EXPECT_EQ(FormatCell(c, 2), "NULL");
}

TEST(ColumnTest, EqualsComparesValuesAndValidity) {
  Column a(DataType::Int64()), b(DataType::Int64());
  a.Append<int64_t>(1);
  a.AppendNull();
  b.Append<int64_t>(1);
  b.AppendNull();
  EXPECT_TRUE(a.Equals(b));
  b.Append<int64_t>(2);
  EXPECT_FALSE(a.Equals(b));
}

TEST(RecordBatchTest, MakeValidatesShape) {
  auto schema = MakeSchema({{"id", DataType::Int64()}, {"name", DataType::Varchar()}});
  auto id = std::make_shared<Column>(DataType::Int64());
  id->Append<int64_t>(1);
  auto name = std::make_shared<Column>(DataType::Varchar());
  auto bad = RecordBatch::Make(schema, {id, name});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("column 'name' has 0 rows"), std::string::npos);
  name->AppendString("x");
  auto good = RecordBatch::Make(schema, {id, name});
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ((*good)->num_rows(), 1);
  EXPECT_EQ((*good)->ToString(), "1 | x\n");
  auto wrong_type = RecordBatch::Make(schema, {name, id});
  EXPECT_FALSE(wrong_type.ok());
  EXPECT_FALSE(RecordBatch::Make(schema, {id}).ok());
}

TEST(RecordBatchTest, BuilderFinishesAndResets) {
  auto schema = MakeSchema({{"a", DataType::Int32()}, {"b", DataType::Decimal(10, 2)}});
  BatchBuilder b(schema);
  for (int i = 0; i < 3; ++i) {
    b.column(0)->Append<int32_t>(i);
    b.column(1)->Append<int64_t>(i * 125);
  }
  RecordBatchPtr batch = b.Finish();
  EXPECT_EQ(batch->num_rows(), 3);
  EXPECT_EQ(b.num_rows(), 0);
  EXPECT_EQ(FormatCell(batch->column(1), 2), "2.50");
  EXPECT_EQ(batch->schema()->FieldIndex("B"), 1);
  EXPECT_EQ(batch->schema()->FieldIndex("c"), -1);
}

TEST(ValueTest, FormatsEveryType) {
  EXPECT_EQ(Value::Boolean(true).ToString(), "true");
  EXPECT_EQ(Value::Decimal(-5, 2, 2).ToString(), "-0.05");
  EXPECT_EQ(Value::Decimal(123456, 10, 3).ToString(), "123.456");
  EXPECT_EQ(Value::Double(0.1).ToString(), "0.1");
  EXPECT_EQ(Value::Timestamp(1500000).ToString(), "1970-01-01 00:00:01.5");
  EXPECT_EQ(Value::Date(19723).ToString(), "2024-01-01");
  EXPECT_EQ(Value::FromInterval({14, 3, 4000000}).ToString(), "1 year 2 months 3 days 00:00:04");
  EXPECT_EQ(Value::Null(DataType::Int64()).ToString(), "NULL");
  Column c(DataType::Decimal(12, 2));
  AppendValue(&c, Value::Decimal(999, 12, 2));
  AppendValue(&c, Value::Null(DataType::Decimal(12, 2)));
  EXPECT_EQ(GetValue(c, 0), Value::Decimal(999, 12, 2));
  EXPECT_TRUE(GetValue(c, 1).is_null());
}

}  // namespace
}  // namespace sluice
