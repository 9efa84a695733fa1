#pragma once
// Seedable random number generation, so that every run with the same seed is the same run.
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace minidl {

class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0) : engine_(seed) {}
  void seed(std::uint64_t seed) { engine_.seed(seed); }
  // Uniform on [0, 1), from the top 53 bits of one draw.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  // Standard normal (Box–Muller, both values used).
  double normal();
  std::uint64_t next() { return engine_(); }

  // The whole state as text, and back: what a backup stores so that a resumed run draws the same
  // numbers. set_state throws InvalidArgument naming `where` for text state() did not write.
  std::string state() const;
  void set_state(const std::string& state, std::string_view where);

 private:
  std::mt19937_64 engine_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

// The generator that unseeded random creation and initializers draw from.
Generator& global_generator();
// Makes every later unseeded draw reproducible.
void seed_global_generator(std::uint64_t seed);

}  // namespace minidl
