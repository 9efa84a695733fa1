#pragma once
// Reading a fuzzer's bytes as typed values: each read takes what is left, zeros once it runs out,
// so every input maps to some choice of values.
#include <cstdint>
#include <cstring>
#include <string>

namespace minidl::fuzzing {

class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  std::uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  std::int64_t raw_int64() {
    std::uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits = bits << 8 | byte();
    return static_cast<std::int64_t>(bits);
  }
  // Mostly small values in [low, high]; one time in eight a raw 64-bit value, to reach the
  // overflow and absurd-size paths.
  std::int64_t extent(std::int64_t low, std::int64_t high) {
    if ((byte() & 7) == 7) return raw_int64();
    return low + std::int64_t(byte()) % (high - low + 1);
  }
  bool flag() { return byte() & 1; }
  bool exhausted() const { return at_ >= size_; }
  template <std::size_t N>
  const char* pick(const char* const (&choices)[N]) {
    return choices[byte() % N];
  }
  std::string rest() {
    std::string text(reinterpret_cast<const char*>(data_ + at_), size_ - at_);
    at_ = size_;
    return text;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

}  // namespace minidl::fuzzing
