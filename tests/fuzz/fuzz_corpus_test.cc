// Replays every file of fuzz/corpus/<target>/ through its fuzz target (fuzz/targets.h),
// so the seeds and every crash the fuzzers ever found stay fixed in every build, with
// g++ in Release and under ASan + UBSan. A target that crashes or aborts on an input
// fails this binary; the failing file is printed first.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/targets.h"

namespace sluice::fuzz {
namespace {

namespace fs = std::filesystem;

class FuzzCorpusTest : public testing::TestWithParam<FuzzTarget> {};

std::vector<fs::path> CorpusFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST_P(FuzzCorpusTest, ReplaysCorpus) {
  const FuzzTarget& target = GetParam();
  const fs::path dir = fs::path(SLUICE_SOURCE_DIR) / "fuzz" / "corpus" / target.name;
  ASSERT_TRUE(fs::is_directory(dir)) << dir << " is missing: every target needs seed inputs";
  const std::vector<fs::path> files = CorpusFiles(dir);
  ASSERT_FALSE(files.empty()) << dir << " holds no inputs";
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    ASSERT_TRUE(in) << "cannot read " << file;
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Printed before running, so that a crash names its input.
    std::fprintf(stderr, "%s: %s\n", target.name, file.filename().c_str());
    EXPECT_EQ(target.run(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), 0)
        << file;
  }
}

// A few inputs no corpus file may cover: the empty input and lone option bytes.
TEST_P(FuzzCorpusTest, TinyInputs) {
  const FuzzTarget& target = GetParam();
  EXPECT_EQ(target.run(nullptr, 0), 0);
  for (int b = 0; b < 256; ++b) {
    const uint8_t byte = static_cast<uint8_t>(b);
    EXPECT_EQ(target.run(&byte, 1), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzCorpusTest, testing::ValuesIn(kFuzzTargets),
                         [](const testing::TestParamInfo<FuzzTarget>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace sluice::fuzz
