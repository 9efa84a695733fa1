#pragma once
// The layout model files and training backups share. Version 2 (written): 8 magic bytes (a
// 7-byte name and the version digit '2'), a u64 length, that many bytes of JSON (the config
// section), a u32 CRC-32 of everything before it, then a weights file's bytes (weights_file.hpp),
// which carry checksums of their own. Version 1 (still read, unchecked): the same without the CRC.
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace minidl::models {

struct FramedFile {
  nlohmann::json header;
  std::string_view weights;  // a view into the bytes given to unframe
};

// `name`: the magic's first 7 bytes, such as "MINIDLM".
std::string frame(std::string_view name, const nlohmann::json& header, std::string_view weights);

// Splits `bytes` read from `path`, trusting nothing: the magic (a matching name with another
// version is reported as such), the length against the file's size, the checksum before anything
// reads the JSON, then the JSON's validity, nesting and numbers (integers must fit an int64,
// floats be at most 2^53 in size). Each fault throws InvalidArgument
// "<reader>: <path> is not a valid <kind>: <why>".
FramedFile unframe(std::string_view bytes, std::string_view name, const std::string& path, std::string_view reader,
                   std::string_view kind);
// The result views the bytes: they must outlive it.
FramedFile unframe(std::string&& bytes, std::string_view name, const std::string& path, std::string_view reader,
                   std::string_view kind) = delete;

}  // namespace minidl::models
