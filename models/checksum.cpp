#include <minidl/models/checksum.hpp>

#include <fmt/format.h>
#include <zlib.h>

namespace minidl::models {

std::uint32_t checksum(std::string_view bytes) {
  // crc32_z takes a size_t length: no 4 GiB limit, unlike crc32.
  return std::uint32_t(crc32_z(crc32_z(0, nullptr, 0), reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
}

std::string checksum_mismatch(std::string_view bytes, std::uint32_t stored) {
  const std::uint32_t computed = checksum(bytes);
  if (computed == stored) return {};
  return fmt::format("(stored {:#010x}, computed {:#010x})", stored, computed);
}

}  // namespace minidl::models
