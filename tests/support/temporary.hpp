#pragma once
// Files for the tests that write them: paths in the system's temporary folder, and whole-file
// reads and writes that go around the library (to damage a file, or to read what it wrote).
#include <filesystem>
#include <fstream>
#include <string>

namespace minidl::testing {

inline std::string temporary(const char* name) { return (std::filesystem::temp_directory_path() / name).string(); }

// The file's bytes; empty when it cannot be read.
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

inline void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

}  // namespace minidl::testing
