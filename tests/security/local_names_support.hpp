// Helpers of the security tests of local names (runtime directory, socket
// files, helper files): a scratch directory, an environment override.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "child_process.hpp"

namespace strait::test {

// Tests that need a second uid become it through a child; 65534 is nobody.
inline constexpr unsigned other_uid = 65534;

inline bool running_as_root() { return ::geteuid() == 0; }

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A fresh directory under /tmp, removed with everything in it at the end.
class scratch_directory {
 public:
  explicit scratch_directory(std::string_view prefix)
      : path_(std::filesystem::path("/tmp") / unique_name(prefix)) {
    std::filesystem::create_directory(path_);
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all);
  }
  ~scratch_directory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  scratch_directory(const scratch_directory&) = delete;
  scratch_directory& operator=(const scratch_directory&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string operator/(std::string_view leaf) const { return (path_ / leaf).string(); }

 private:
  std::filesystem::path path_;
};

// Sets (or, with nullopt, unsets) an environment variable for one scope.
class environment_override {
 public:
  environment_override(const char* variable, std::optional<std::string> value)
      : variable_(variable) {
    if (const char* old = std::getenv(variable)) old_ = old;
    if (value)
      ::setenv(variable, value->c_str(), 1);
    else
      ::unsetenv(variable);
  }
  ~environment_override() {
    if (old_)
      ::setenv(variable_, old_->c_str(), 1);
    else
      ::unsetenv(variable_);
  }
  environment_override(const environment_override&) = delete;
  environment_override& operator=(const environment_override&) = delete;

 private:
  const char* variable_;
  std::optional<std::string> old_;
};

}  // namespace strait::test
