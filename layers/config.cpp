#include <minidl/layers/config.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/io/files.hpp>

#include <cstdlib>
#include <fmt/format.h>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

namespace minidl::config {

namespace {

std::mutex guard;
std::optional<std::string> chosen;

// Keras reads the file once; so do we, on first use. Invalid JSON counts as an empty config (as Keras).
std::string from_keras_json() {
  std::string directory;
  if (const char* keras_home = std::getenv("KERAS_HOME"); keras_home && *keras_home) directory = keras_home;
  else if (const char* home = std::getenv("HOME"); home && *home) directory = std::string(home) + "/.keras";
  else return "channels_last";
  const std::string path = directory + "/keras.json";
  if (!std::filesystem::exists(path)) return "channels_last";
  // Through read_whole_file: a keras.json that is a device or a pipe is refused rather than read without end.
  const auto settings = nlohmann::json::parse(io::read_whole_file(path, "config"), nullptr, /*allow_exceptions=*/false);
  if (!settings.is_object() || !settings.contains("image_data_format")) return "channels_last";
  const auto& value = settings.at("image_data_format");
  if (!value.is_string() || (value != "channels_last" && value != "channels_first"))
    throw InvalidArgument(fmt::format("config: invalid `image_data_format` in {}: expected \"channels_last\" or "
                                      "\"channels_first\", received {}",
                                      path, value.dump()));
  return value.get<std::string>();
}

}  // namespace

std::string image_data_format() {
  std::lock_guard lock(guard);
  if (!chosen) chosen = from_keras_json();
  return *chosen;
}

void set_image_data_format(const std::string& data_format) {
  if (data_format != "channels_last" && data_format != "channels_first")
    throw_invalid_argument("config::set_image_data_format", "data_format",
                           "expected \"channels_last\" or \"channels_first\"", fmt::format("data_format=\"{}\"", data_format));
  std::lock_guard lock(guard);
  chosen = data_format;
}

void reload_keras_json() {
  std::lock_guard lock(guard);
  chosen.reset();
}

}  // namespace minidl::config
