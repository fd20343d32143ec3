// The SQL of schema.yml generic tests: a SELECT of the failing rows. Internal to transform.
#pragma once

#include <string>

#include "core/status.h"
#include "transform/manifest.h"

namespace sluice::transform {

// not_null:        rows where the column is null
// unique:          values that occur more than once, with their count (n_records)
// accepted_values: values outside `values`, with their count (n_records)
// relationships:   child values with no parent row (from_field)
// A `where` config filters the tested relation first. Fails when the tested node has no
// relation (an ephemeral model).
Result<std::string> GenericTestSql(const Manifest& manifest, const Node& test);

}  // namespace sluice::transform
