// `sluice init`: writes the example project into a folder.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace sluice::project {

// Writes the shop example project (examples/shop/, embedded at build time) into `dir`,
// creating `dir` and its subfolders as needed, and appends each written file's path,
// relative to `dir`, to `*written` (may be null).
//
// Never overwrites: fails with AlreadyExists, writing nothing, when `dir` already has a
// sluice.yaml or any file the example would write. Fails with Invalid when `dir` is a
// file, IOError when a folder or file cannot be created (files written before the failure
// stay and are listed in `*written`), Internal when the binary was built without the
// example.
Status ScaffoldProject(const std::string& dir, std::vector<std::string>* written);

}  // namespace sluice::project
