#pragma once
// Reading Keras's layer configs into options structs: the fields every layer has, and Keras's
// one-element lists for 1D sizes. Included by the .cpp files that implement from_config.
#include <minidl/core/errors.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace minidl::layers {

// name, dtype (a string or Keras's DTypePolicy) and, where the options have it, trainable.
template <class Options>
void read_common_fields(const nlohmann::json& config, Options& options) {
  options.name = config.value("name", std::string());
  if constexpr (requires { options.trainable; }) options.trainable = config.value("trainable", true);
  if (config.contains("dtype") && !config.at("dtype").is_null()) {
    const nlohmann::json& dtype = config.at("dtype");
    options.dtype = dtype.is_string() ? dtype.get<std::string>() : dtype.at("config").at("name").get<std::string>();
  }
}

// Keras writes kernel_size, strides, pool_size... of 1D layers as one-element lists; a bare
// integer is accepted too.
inline std::int64_t single_integer(const nlohmann::json& value, const char* where, const char* key) {
  if (value.is_array()) {
    if (value.size() != 1) throw_invalid_argument(where, key, "expected an integer or a list of one integer", value.dump());
    return value.at(0).get<std::int64_t>();
  }
  return value.get<std::int64_t>();
}

// Keras's from_config passes the config to the constructor, which refuses a keyword it does not
// take: so does this, for a config holding a key outside `arguments` (and name, trainable, dtype).
inline void check_known_arguments(const nlohmann::json& config, const char* where, std::initializer_list<std::string_view> arguments) {
  for (const auto& [key, value] : config.items()) {
    if (key == "name" || key == "trainable" || key == "dtype") continue;
    if (std::find(arguments.begin(), arguments.end(), key) == arguments.end())
      throw InvalidArgument(fmt::format("{}: unrecognized argument `{}` (received {}={}); Keras's layer does not take it", where,
                                        key, key, value.dump()));
  }
}

}  // namespace minidl::layers
