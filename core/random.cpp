#include <minidl/core/random.hpp>

#include <minidl/core/errors.hpp>

#include <bit>
#include <cmath>
#include <fmt/format.h>
#include <sstream>
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

std::string Generator::state() const {
  std::ostringstream text;
  text << engine_ << ' ' << has_spare_ << ' ' << std::bit_cast<std::uint64_t>(spare_);
  return text.str();
}

void Generator::set_state(const std::string& state, std::string_view where) {
  std::istringstream text(state);
  std::mt19937_64 engine;
  bool has_spare = false;
  std::uint64_t spare_bits = 0;
  text >> engine >> has_spare >> spare_bits;
  if (text.fail() || !(text >> std::ws).eof())
    throw InvalidArgument(fmt::format("{}: not a random generator's state: \"{:.40}...\"", where, state));
  engine_ = engine;
  has_spare_ = has_spare;
  spare_ = std::bit_cast<double>(spare_bits);
}

Generator& global_generator() {
  static Generator generator(0x6d696e69646cULL);
  return generator;
}

void seed_global_generator(std::uint64_t seed) { global_generator() = Generator(seed); }

}  // namespace minidl
