#include <minidl/core/random.hpp>

#include <cmath>
#include <numbers>

namespace minidl {

double Generator::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  // 1 - uniform() lies in (0, 1], so the logarithm is finite.
  const double radius = std::sqrt(-2.0 * std::log(1.0 - uniform()));
  const double angle = 2.0 * std::numbers::pi * uniform();
  spare_ = radius * std::sin(angle);
  has_spare_ = true;
  return radius * std::cos(angle);
}

Generator& global_generator() {
  static Generator generator(0x6d696e69646cULL);
  return generator;
}

void seed_global_generator(std::uint64_t seed) { global_generator() = Generator(seed); }

}  // namespace minidl
