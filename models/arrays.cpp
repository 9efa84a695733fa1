#include <minidl/models/arrays.hpp>

#include <minidl/core/errors.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace minidl::models {

std::vector<Tensor> Arrays::in_order(const std::vector<std::string>& names, std::string_view where, std::string_view argument,
                                     const std::vector<bool>& required) const {
  if (!named_) {
    if (list_.size() != names.size())
      throw_invalid_argument(where, argument,
                             fmt::format("expected {} array(s), one for each of {}", names.size(), fmt::join(names, ", ")),
                             single_ ? "1 array" : fmt::format("a list of {}", list_.size()));
    return list_;
  }
  std::vector<std::string> keys;
  for (const auto& [key, tensor] : by_name_) keys.push_back(key);
  for (const auto& key : keys)
    if (std::find(names.begin(), names.end(), key) == names.end())
      throw_invalid_argument(where, argument, fmt::format("expected keys among [{}]", fmt::join(names, ", ")),
                             fmt::format("a dict with keys [{}]", fmt::join(keys, ", ")));
  std::vector<Tensor> ordered;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto found = by_name_.find(names[i]);
    if (found != by_name_.end()) ordered.push_back(found->second);
    else if (required.empty() || required[i])
      throw_invalid_argument(where, argument, fmt::format("expected keys [{}]", fmt::join(names, ", ")),
                             fmt::format("a dict with keys [{}]", fmt::join(keys, ", ")));
    else ordered.emplace_back();
  }
  return ordered;
}

}  // namespace minidl::models
