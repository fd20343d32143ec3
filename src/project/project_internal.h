// The pieces of LoadProject, one per part of the folder. Internal to the project module.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/diagnostics.h"
#include "project/project.h"

namespace sluice::project::internal {

// Applies the parsed sluice.yaml (`root`) to `p` (whose `dir` is set): name, version,
// description, state_dir, warehouse, run, log, metrics. Reports every bad or unknown key.
void ReadSettings(const ConfigValue& root, Project* p, Diagnostics* diag);

// Reads every <folder>/*.yaml|*.yml file of the project (folder = "sources" or "sinks";
// `kind` = "source" or "sink", for messages) into `out`, checking name, type, description
// and that names are unique. A missing folder is fine.
void LoadConnectors(const std::filesystem::path& dir, std::string_view folder,
                    std::string_view kind, std::vector<ConnectorSpec>* out,
                    std::vector<std::string>* secrets, Diagnostics* diag);

// Reads every streams/*.sql file into `out`. A missing folder is fine.
void LoadStreams(const std::filesystem::path& dir, std::vector<StreamFile>* out,
                 Diagnostics* diag);

// The regular files of <dir>/<folder> whose names end in one of `extensions`, sorted by
// name, as paths relative to `dir`. Names starting with '.' are skipped; other files and
// subfolders are reported (`what` names the content, e.g. "one .yaml file per source").
// A missing folder gives an empty list; a file where the folder should be is an error.
std::vector<std::string> ListFolder(const std::filesystem::path& dir, std::string_view folder,
                                    const std::vector<std::string>& extensions,
                                    std::string_view what, Diagnostics* diag);

}  // namespace sluice::project::internal
