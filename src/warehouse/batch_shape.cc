#include "warehouse/batch_shape.h"

namespace sluice::warehouse {

Status CheckBatchShape(const RecordBatch& batch, const Schema& schema, const std::string& writer,
                       int num_fields) {
  const int n = num_fields < 0 ? schema.num_fields() : num_fields;
  if (batch.num_columns() != n) {
    return Status::Invalid("batch has " + std::to_string(batch.num_columns()) + " columns, " +
                           writer + " expects " + std::to_string(n));
  }
  for (int c = 0; c < n; ++c) {
    if (!(batch.column(c).type() == schema.field(c).type)) {
      return Status::Invalid("column '" + schema.field(c).name + "' is " +
                             batch.column(c).type().ToString() + " in the batch but " +
                             schema.field(c).type.ToString() + " in the " + writer);
    }
  }
  return Status::OK();
}

}  // namespace sluice::warehouse
