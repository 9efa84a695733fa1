#pragma once
// The layout model files and training backups share: 8 magic bytes (a name and a format version),
// a u64 length, that many bytes of JSON, then a weights file's bytes (weights_file.hpp).
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace minidl::models {

struct FramedFile {
  nlohmann::json header;
  std::string weights;
};

std::string frame(std::string_view magic, const nlohmann::json& header, const std::string& weights);

// Splits `bytes` read from `path`, trusting nothing: the magic (a matching name with another
// version is reported as such), the length against the file's size, the JSON's validity, nesting
// and numbers (integers must fit an int64, floats be at most 2^53 in size). Each fault throws
// InvalidArgument "<reader>: <path> is not a valid <kind>: <why>".
FramedFile unframe(const std::string& bytes, std::string_view magic, const std::string& path, std::string_view reader,
                   std::string_view kind);

}  // namespace minidl::models
