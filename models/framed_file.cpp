#include <minidl/models/framed_file.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/layers/serialization.hpp>

#include <cstring>
#include <fmt/format.h>

namespace minidl::models {

namespace {

using Json = nlohmann::json;

constexpr std::size_t magic_size = 8;
// Deep enough for any model's config; deeper nesting only serves to exhaust the stack.
constexpr int deepest_header = 64;

struct UnframeContext {
  const std::string& path;
  std::string_view reader, kind;

  [[noreturn]] void fail(const std::string& why) const {
    throw InvalidArgument(fmt::format("{}: {} is not a valid {}: {}", reader, path, kind, why));
  }
};

}  // namespace

std::string frame(std::string_view magic, const Json& header, const std::string& weights) {
  const std::string text = header.dump();
  std::string bytes(magic);
  const auto length = std::uint64_t(text.size());
  bytes.append(reinterpret_cast<const char*>(&length), sizeof(length));
  bytes += text;
  bytes += weights;
  return bytes;
}

FramedFile unframe(const std::string& bytes, std::string_view magic, const std::string& path, std::string_view reader,
                   std::string_view kind) {
  const UnframeContext read{path, reader, kind};
  if (bytes.size() < magic_size + sizeof(std::uint64_t)) read.fail("truncated before the config");
  const std::string_view found(bytes.data(), magic_size);
  if (found != magic) {
    // Same name, another digit: a format version this build does not read.
    if (found.substr(0, magic_size - 1) == magic.substr(0, magic_size - 1))
      read.fail(fmt::format("format version {} (this minidl reads version {})", found.back(), magic.back()));
    read.fail("wrong magic");
  }
  std::uint64_t length = 0;
  std::memcpy(&length, bytes.data() + magic_size, sizeof(length));
  const std::size_t start = magic_size + sizeof(length);
  if (length > bytes.size() - start)
    read.fail(fmt::format("a config of {} bytes, the file has {} left", length, bytes.size() - start));
  FramedFile framed;
  try {
    framed.header = Json::parse(bytes.begin() + std::ptrdiff_t(start), bytes.begin() + std::ptrdiff_t(start + length),
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
  framed.weights = bytes.substr(start + length);
  return framed;
}

}  // namespace minidl::models
