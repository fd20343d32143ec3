// Data tests: dbt's generic tests declared in schema.yml (not_null, unique,
// accepted_values, relationships) and singular tests (tests/**/*.sql, a SELECT of the
// failing rows). A test passes when its failing-rows query returns no row; otherwise it
// fails (severity error, the default) or warns (severity warn), and its result carries
// the number of failing rows and a sample of up to 5 of them as an aligned table.
//
// The failing-rows query comes from the renderer (RenderNode; generic tests: see
// generic_test_sql.h); the runner counts its rows and fetches the sample.
#pragma once

#include <string>

#include "core/status.h"
#include "transform/manifest.h"
#include "transform/materialize.h"

namespace sluice::transform {

// Runs test node ctx.node: counts its failing rows and fetches a sample. An error (the
// query does not run) names the test and its file; failing rows are not an error.
Result<BuildOutcome> RunDataTest(const BuildContext& ctx);

}  // namespace sluice::transform
