#pragma once
// The integrity checks of minidl's own files (weights_file.hpp, framed_file.hpp): zlib's CRC-32,
// which catches every flipped bit, and every burst of up to 32 damaged bits, in a section.
#include <cstdint>
#include <string>
#include <string_view>

namespace minidl::models {

std::uint32_t checksum(std::string_view bytes);

// Empty when `bytes` match `stored`, otherwise "(stored 0x…, computed 0x…)" for the error message.
std::string checksum_mismatch(std::string_view bytes, std::uint32_t stored);

}  // namespace minidl::models
