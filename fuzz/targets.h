// Fuzz targets for sluice's parsers. Each function runs one parser (and whatever reads
// its result) over arbitrary bytes and ignores the outcome Status: the contract under
// test is that no input crashes, hangs, leaks or triggers undefined behaviour.
//
// Some targets also check properties that must hold for every input (a round trip, a
// reader's output not depending on how its input was split into buffers); a violation
// prints what differs and calls std::abort(), which libFuzzer and the corpus test report
// as a failure.
//
// No libFuzzer dependency: fuzz/libfuzzer_main.cc wraps one target per fuzzer binary
// (SLUICE_FUZZ=ON, clang), and tests/fuzz/fuzz_corpus_test.cc replays fuzz/corpus/<name>/
// through every target in every build. Every function returns 0 (libFuzzer's convention).
// Not thread-safe (some targets keep static state); call from one thread.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sluice::fuzz {

// CsvReader over the bytes after a 5-byte option header (delimiter, quote, header row,
// null string, skip_rows, a schema of up to 4 typed columns or schema inference, buffer
// and batch sizes). Reads the text whole and again fed in chunks through buffers whose
// padding is garbage; both reads must give the same rows and bad records.
int FuzzCsv(const uint8_t* data, size_t size);

// NdjsonReader, the same way (a 4-byte header: schema or inference, buffer and batch
// sizes).
int FuzzNdjson(const uint8_t* data, size_t size);

// sql::ParseScript, then sql::Compile of every statement against a fixed catalog (a
// table `t` with a column of every type, also reachable as `src.t`), then Evaluate of
// every compiled query over a small fixed batch with NULLs and extreme values. Output
// batches must match the output schema.
int FuzzSql(const uint8_t* data, size_t size);

// project::ParseYaml (with ${SLUICE_FUZZ_VAR} set in the environment) and, when it
// gives a tree, the sluice.yaml settings reader over that tree.
int FuzzYaml(const uint8_t* data, size_t size);

// ParseTimestamp and ParseDate; a parsed value must survive FormatTimestamp /
// FormatDate and parsing again (within the 4-digit years the formats cover).
int FuzzTimestamp(const uint8_t* data, size_t size);

// ParseDuration; a parsed duration must survive FormatDuration and parsing again.
int FuzzDuration(const uint8_t* data, size_t size);

// ParseDataType; a parsed type must survive DataType::ToString and parsing again.
int FuzzDataType(const uint8_t* data, size_t size);

// connectors::Position::Parse; Parse(Serialize(p)) must equal p.
int FuzzPosition(const uint8_t* data, size_t size);

// One row per target: its name (the corpus folder fuzz/corpus/<name>/ and the fuzzer
// binary fuzz_<name>) and its function.
struct FuzzTarget {
  const char* name;
  int (*run)(const uint8_t* data, size_t size);
};
inline constexpr FuzzTarget kFuzzTargets[] = {
    {"csv", FuzzCsv},           {"ndjson", FuzzNdjson},     {"sql", FuzzSql},
    {"yaml", FuzzYaml},         {"timestamp", FuzzTimestamp}, {"duration", FuzzDuration},
    {"datatype", FuzzDataType}, {"position", FuzzPosition},
};

}  // namespace sluice::fuzz
