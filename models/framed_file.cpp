#include <minidl/models/framed_file.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/layers/serialization.hpp>
#include <minidl/models/checksum.hpp>

#include <cstring>
#include <fmt/format.h>

namespace minidl::models {

namespace {

using Json = nlohmann::json;

constexpr std::size_t magic_size = 8;
constexpr char framed_version = '2';
// Deep enough for any model's config; deeper nesting only serves to exhaust the stack.
constexpr int deepest_header = 64;

struct UnframeContext {
  const std::string& path;
  std::string_view reader, kind;

  [[noreturn]] void fail(const std::string& why) const {
    throw InvalidArgument(fmt::format("{}: {} is not a valid {}: {}", reader, path, kind, why));
  }
};

// The version digit of `found`, a file's first 8 bytes; any other name, or a version this build
// does not read, fails.
char framed_file_version(std::string_view found, std::string_view name, const UnframeContext& read) {
  const char version = found.back();
  if (found.substr(0, name.size()) != name || version < '0' || version > '9') read.fail("wrong magic");
  if (version != '1' && version != framed_version)
    read.fail(fmt::format("format version {} (this minidl reads versions 1 and {})", version, framed_version));
  return version;
}

}  // namespace

std::string frame(std::string_view name, const Json& header, std::string_view weights) {
  const std::string text = header.dump();
  std::string bytes(name);
  bytes += framed_version;
  const auto length = std::uint64_t(text.size());
  bytes.append(reinterpret_cast<const char*>(&length), sizeof(length));
  bytes += text;
  const std::uint32_t crc = checksum(bytes);
  bytes.append(reinterpret_cast<const char*>(&crc), sizeof(crc));
  bytes += weights;
  return bytes;
}

FramedFile unframe(std::string_view bytes, std::string_view name, const std::string& path, std::string_view reader,
                   std::string_view kind) {
  const UnframeContext read{path, reader, kind};
  if (bytes.size() < magic_size + sizeof(std::uint64_t)) read.fail("truncated before the config");
  const bool checked = framed_file_version(bytes.substr(0, magic_size), name, read) == framed_version;
  std::uint64_t length = 0;
  std::memcpy(&length, bytes.data() + magic_size, sizeof(length));
  const std::size_t start = magic_size + sizeof(length);
  const std::size_t crc_size = checked ? sizeof(std::uint32_t) : 0;
  // Only a bounds check uses the length before the checksum vouches for it.
  const std::size_t room = bytes.size() - start;
  if (room < crc_size || length > room - crc_size)
    read.fail(fmt::format("a config of {} bytes{}, the file has {} left", length, checked ? " and its checksum" : "", room));
  const std::size_t end = start + length;
  if (checked) {
    std::uint32_t stored = 0;
    std::memcpy(&stored, bytes.data() + end, sizeof(stored));
    if (const auto mismatch = checksum_mismatch(bytes.substr(0, end), stored); !mismatch.empty())
      read.fail(fmt::format("the config section does not match its checksum {}", mismatch));
  }
  FramedFile framed;
  try {
    framed.header = Json::parse(bytes.begin() + std::ptrdiff_t(start), bytes.begin() + std::ptrdiff_t(end),
                                [&](int depth, Json::parse_event_t, Json&) {
                                  if (depth > deepest_header)
                                    read.fail(fmt::format("the config nests deeper than {} levels", deepest_header));
                                  return true;
                                });
  } catch (const Json::exception& error) {
    read.fail(fmt::format("the config is not valid JSON: {}", error.what()));
  }
  if (const auto* number = layers::find_unreadable_number(framed.header))
    read.fail(fmt::format("the config holds the number {}, beyond what any argument takes", number->dump()));
  framed.weights = bytes.substr(end + crc_size);
  return framed;
}

}  // namespace minidl::models
