#pragma once
// Seedable random number generation, so that every run with the same seed is the same run.
#include <cstdint>
#include <random>

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
