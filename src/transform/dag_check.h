// Graph checks over a manifest. Internal to the transform module.
#pragma once

#include <map>
#include <utility>

#include "core/diagnostics.h"
#include "transform/manifest.h"

namespace sluice::transform {

// Reports every dependency cycle once, with its full path ("a -> b -> c -> a", each node
// ref()ing the next), at the place the first node refers to the second (from `edge_sites`,
// keyed by (node, dependency); the first node's file when absent).
void ReportCycles(const Manifest& m, const std::map<std::pair<int, int>, SourceLocation>& edge_sites,
                  Diagnostics* diag);

}  // namespace sluice::transform
