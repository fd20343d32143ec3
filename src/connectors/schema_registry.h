// SchemaRegistry: every source's schema, versioned in the project's state dir, and the
// compatibility rules a new version must follow. See docs/schemas.md.
//
// Layout (all JSON, written atomically: temp file + rename):
//   <state_dir>/schemas/<source>/v<N>.json   one version: fields, mode, registration time
//   <state_dir>/schemas/<source>/index.json  {"source", "latest", "versions": [...]}
// A multi-stream source's streams register as "<source>.<stream>".
//
// Compatibility (per source, `schema_compatibility:` in the source's YAML):
//   BACKWARD (default)  the new schema reads data written with the old one: a field may
//                       be added only as nullable, removed, or made nullable;
//   FORWARD             the old schema reads data written with the new one: a field may
//                       be added (nullable or not), a nullable field removed, a field
//                       made required;
//   FULL                both: only nullable fields may be added or removed;
//   NONE                every change is accepted.
// A type change is refused by every mode but NONE. Fields match by name, ignoring
// ASCII case (as SQL identifiers); order is not part of compatibility.
//
// Not thread-safe for writes to one source (one `sluice run` per project owns the state
// dir); reading is always safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/diagnostics.h"
#include "core/schema.h"
#include "core/status.h"

namespace sluice::connectors {

enum class SchemaCompatibility { kBackward, kForward, kFull, kNone };

// "BACKWARD", "FORWARD", "FULL", "NONE".
std::string_view CompatibilityName(SchemaCompatibility mode);
// Case-insensitive; nullopt for anything else.
std::optional<SchemaCompatibility> ParseCompatibility(std::string_view text);
// Reads the source option `schema_compatibility:` (default BACKWARD); a bad value is
// reported through `r` with the accepted ones.
SchemaCompatibility ReadSchemaCompatibility(OptionReader* r);

enum class SchemaChangeKind {
  kAddedNullable,
  kAddedRequired,
  kRemovedNullable,
  kRemovedRequired,
  kTypeChanged,
  kMadeNullable,   // NOT NULL -> nullable
  kMadeRequired,   // nullable -> NOT NULL
};

struct SchemaChange {
  SchemaChangeKind kind;
  std::string field;
  std::string before;  // the old type ("" when added)
  std::string after;   // the new type ("" when removed)
  // "field 'amount': type changed from INT64 to VARCHAR".
  std::string ToString() const;
};

// The changes from `from` to `to`, in `to`'s field order, then removed fields.
std::vector<SchemaChange> DiffSchemas(const Schema& from, const Schema& to);
bool IsAllowed(SchemaChangeKind kind, SchemaCompatibility mode);
// Why `kind` breaks `mode` ("" when allowed): "old records lack it", ...
std::string WhyIncompatible(SchemaChangeKind kind, SchemaCompatibility mode);

struct SchemaVersion {
  int version = 0;
  int64_t registered_at = 0;  // microseconds since the epoch, UTC
  SchemaCompatibility compatibility = SchemaCompatibility::kBackward;
  SchemaPtr schema;
};

struct RegisterOutcome {
  int version = 0;                    // the version `schema` is (new or existing)
  bool registered = false;            // a new version was written
  std::vector<SchemaChange> changes;  // from the previous latest version
};

class SchemaRegistry {
 public:
  explicit SchemaRegistry(std::string state_dir);

  // The sources with at least one version, sorted.
  Result<std::vector<std::string>> Sources() const;
  // Every version of `source`, oldest first (empty when never registered).
  Result<std::vector<SchemaVersion>> Versions(const std::string& source) const;
  // Version `version` of `source`; NotFound names the versions there are.
  Result<SchemaVersion> Get(const std::string& source, int version) const;

  // What Register would do, without writing: the outcome, or Invalid naming every
  // incompatible field, why, the mode, and what to do.
  Result<RegisterOutcome> Check(const std::string& source, const Schema& schema,
                                SchemaCompatibility mode) const;
  // Check, then writes v<N+1> when `schema` differs from the latest version.
  Result<RegisterOutcome> Register(const std::string& source, const Schema& schema,
                                   SchemaCompatibility mode);

  std::string SourceDir(const std::string& source) const;

 private:
  std::string root_;  // <state_dir>/schemas
};

// For PlanProject: registers `schema` of `source` and reports a refusal (or an I/O
// error) to `diag` at `where`. Returns whether it was accepted.
bool RegisterSourceSchema(const std::string& state_dir, const std::string& source,
                          const Schema& schema, SchemaCompatibility mode,
                          const SourceLocation& where, Diagnostics* diag);

}  // namespace sluice::connectors
