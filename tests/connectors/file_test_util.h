// Helpers shared by the file connector tests: a temporary folder and small file I/O.
#pragma once

#include "common/temp_dir.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace sluice::connectors::testing {

using sluice::test::TempDir;

}  // namespace sluice::connectors::testing
