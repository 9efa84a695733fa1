// The float32 tanh and sigmoid rows of the recurrent cells against the C library's double-precision
// functions rounded to float: within 2 ulp over the whole range, the limits and NaN as std's.
#include <doctest/doctest.h>
#include <minidl/core/kernels/transcendental.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace {

// Position of a float on the number line, in ulps (−0 and +0 both at 0).
std::int64_t ulp_index(float value) {
  const auto bits = std::bit_cast<std::int32_t>(value);
  return bits < 0 ? -std::int64_t(bits & 0x7fffffff) : std::int64_t(bits);
}

std::int64_t ulps_apart(float a, float b) { return std::abs(ulp_index(a) - ulp_index(b)); }

// Every 1e-3 over ±100 (past both saturations and sigmoid's subnormal tail), and geometric steps
// from 1e-30 up, where tanh must keep full relative precision. An odd count leaves a tail for the
// rows' padded last vector.
std::vector<float> sweep() {
  std::vector<float> x;
  for (int i = -100000; i <= 100000; ++i) x.push_back(float(i) * 1e-3f);
  for (float v = 1e-30f; v < 1.0f; v *= 1.01f) {
    x.push_back(v);
    x.push_back(-v);
  }
  x.push_back(0.3f);
  return x;
}

double sigmoid_reference(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

TEST_CASE("tanh_row is within 2 ulp of std::tanh") {
  const auto x = sweep();
  std::vector<float> y(x.size());
  minidl::kernels::tanh_row(x.data(), y.data(), std::int64_t(x.size()));
  std::int64_t worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, ulps_apart(y[i], float(std::tanh(double(x[i])))));
  CHECK(worst <= 2);
}

TEST_CASE("sigmoid_row is within 2 ulp of 1 / (1 + exp(-x)), subnormal results included") {
  const auto x = sweep();
  std::vector<float> y(x.size());
  minidl::kernels::sigmoid_row(x.data(), y.data(), std::int64_t(x.size()));
  std::int64_t worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, ulps_apart(y[i], float(sigmoid_reference(double(x[i])))));
  CHECK(worst <= 2);
}

TEST_CASE("tanh_row and sigmoid_row at the limits, signed zeros and NaN") {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> x{inf, -inf, 0.0f, -0.0f, 89.0f, -89.0f, 120.0f, -120.0f, nan};
  std::vector<float> t(x.size()), s(x.size());
  minidl::kernels::tanh_row(x.data(), t.data(), std::int64_t(x.size()));
  minidl::kernels::sigmoid_row(x.data(), s.data(), std::int64_t(x.size()));
  for (std::size_t i = 0; i + 1 < x.size(); ++i) {
    CAPTURE(x[i]);
    CHECK(std::bit_cast<std::uint32_t>(t[i]) == std::bit_cast<std::uint32_t>(std::tanh(x[i])));
    CHECK(ulps_apart(s[i], float(sigmoid_reference(double(x[i])))) <= 2);
  }
  CHECK(std::isnan(t.back()));
  CHECK(std::isnan(s.back()));
}
