#include <minidl/core/naming.hpp>

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <map>
#include <mutex>
#include <regex>

namespace minidl {

std::string snake_case(const std::string& class_name) {
  std::string name = std::regex_replace(class_name, std::regex("(.)([A-Z][a-z]+)"), "$1_$2");
  name = std::regex_replace(name, std::regex("([a-z])([A-Z])"), "$1_$2");
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name;
}

std::string automatic_name(const std::string& class_name) {
  static std::mutex guard;
  static std::map<std::string, int> used;
  const std::string base = snake_case(class_name);
  std::lock_guard lock(guard);
  const int count = used[base]++;
  return count == 0 ? base : fmt::format("{}_{}", base, count);
}

}  // namespace minidl
