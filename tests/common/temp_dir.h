// Test helpers every module's tests share: a scratch folder and a scoped environment
// variable. Header-only because tests/<module>/*_test.cc are globbed into one binary each.
#pragma once

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>

namespace sluice::test {

// A fresh empty folder under the system temp folder, removed with everything in it when
// the object dies.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sluice-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // <path>/<rel>.
  std::string File(const std::string& rel) const { return path_ + "/" + rel; }
  // Writes (or appends) `text` to <path>/<rel>, creating folders.
  void Write(const std::string& rel, std::string_view text, bool append = false) const {
    std::filesystem::create_directories(std::filesystem::path(File(rel)).parent_path());
    std::ofstream out(File(rel), append ? std::ios::binary | std::ios::app : std::ios::binary);
    out << text;
  }
  // The content of <path>/<rel> ("" when missing).
  std::string Read(const std::string& rel) const {
    std::ifstream in(File(rel), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

 private:
  std::string path_;
};

// Sets (or, with nullptr, unsets) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = ::getenv(name)) {
      had_old_ = true;
      old_ = old;
    }
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (had_old_) {
      ::setenv(name_.c_str(), old_.c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  bool had_old_ = false;
  std::string old_;
};

}  // namespace sluice::test
