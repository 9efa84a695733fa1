#include <minidl/core/random.hpp>

#include <minidl/core/errors.hpp>

#include <bit>
#include <cmath>
#include <fmt/format.h>
#include <sstream>
#include <numbers>

namespace minidl {

Generator& Generator::operator=(const Generator& other) {
  State state = other.locked_state();
  const auto held = lock();
  state_ = state;
  return *this;
}

void Generator::seed(std::uint64_t seed) {
  const auto held = lock();
  state_.engine.seed(seed);
}

double Generator::normal() {
  const auto held = lock();
  if (state_.has_spare) {
    state_.has_spare = false;
    return state_.spare;
  }
  // 1 - uniform() lies in (0, 1], so the logarithm is finite.
  const double radius = std::sqrt(-2.0 * std::log(1.0 - uniform()));
  const double angle = 2.0 * std::numbers::pi * uniform();
  state_.spare = radius * std::sin(angle);
  state_.has_spare = true;
  return radius * std::cos(angle);
}

std::string Generator::state() const {
  const State state = locked_state();
  std::ostringstream text;
  text << state.engine << ' ' << state.has_spare << ' ' << std::bit_cast<std::uint64_t>(state.spare);
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
  const auto held = lock();
  state_ = {engine, has_spare, std::bit_cast<double>(spare_bits)};
}

Generator& global_generator() {
  static std::recursive_mutex mutex;
  static Generator generator(0x6d696e69646cULL, mutex);
  return generator;
}

void seed_global_generator(std::uint64_t seed) { global_generator() = Generator(seed); }

}  // namespace minidl
