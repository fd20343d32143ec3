// ProjectPlan: a loaded project turned into runnable pipelines — every source and sink
// created through the connector registry (options validated), every stream statement
// parsed and bound against the sources' schemas, every query attached to its sink.
// `sluice validate` builds the plan and reports; `sluice run` builds it and runs it.
#pragma once

#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "project/project.h"
#include "stream/pipeline.h"

namespace sluice::orchestrate {

struct ProjectPlan {
  project::Project project;
  // One pipeline per source that feeds at least one query.
  std::vector<stream::PipelineSpec> pipelines;
  // Human notes that are not errors ("source 'x' feeds no query").
  std::vector<std::string> notes;
  // Materialized view tables, in declaration order.
  std::vector<std::string> tables;
};

// Loads the project in `dir` and plans it. Every problem goes to `diag` with its location;
// the plan is only runnable when diag has no errors. No I/O beyond reading the project
// and whatever schema discovery a source needs.
ProjectPlan PlanProject(const std::string& dir, Diagnostics* diag);

}  // namespace sluice::orchestrate
