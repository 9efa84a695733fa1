#pragma once
// Paths in the system's temporary folder, for tests that write files.
#include <filesystem>
#include <string>

namespace minidl::testing {

inline std::string temporary(const char* name) { return (std::filesystem::temp_directory_path() / name).string(); }

}  // namespace minidl::testing
