// The connector registry: every source and sink type, by the name used in project files.
// Adding a connector means one file pair plus one line in registry.cc.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "connectors/connector.h"
#include "core/config.h"

namespace sluice::connectors {

// A factory reads and validates its options (reporting problems to the reader's
// diagnostics, without I/O beyond what schema discovery needs) and returns the
// connector, or nullptr when the options are unusable. `ctx` has name, project_dir and
// state_dir filled in.
using SourceFactory = std::unique_ptr<Source> (*)(OptionReader& options,
                                                  const ConnectorContext& ctx);
using SinkFactory = std::unique_ptr<Sink> (*)(OptionReader& options, const ConnectorContext& ctx);

struct SourceType {
  const char* name;
  SourceFactory make;
  const char* summary;
};
struct SinkType {
  const char* name;
  SinkFactory make;
  const char* summary;
};

const std::vector<SourceType>& SourceTypes();
const std::vector<SinkType>& SinkTypes();

// Creates a source of `type` from `options` (a map that does not include the 'type'
// and 'name' keys' handling: the caller marks those as known before). Reports an unknown
// type at `type_location` with a suggestion, reports unknown option keys, and returns
// nullptr if anything was reported.
std::unique_ptr<Source> CreateSource(const std::string& type, const SourceLocation& type_location,
                                     OptionReader& options, const ConnectorContext& ctx);
std::unique_ptr<Sink> CreateSink(const std::string& type, const SourceLocation& type_location,
                                 OptionReader& options, const ConnectorContext& ctx);

}  // namespace sluice::connectors
