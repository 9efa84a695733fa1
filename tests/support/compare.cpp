#include "compare.hpp"

#include <minidl/core/shape.hpp>

#include <cmath>
#include <fmt/format.h>

namespace minidl::testing {

std::string compare(const Tensor& actual, const Tensor& expected, double rtol, double atol) {
  if (actual.shape() != expected.shape())
    return fmt::format("shape {} differs from the expected {}", shape_to_string(actual.shape()),
                       shape_to_string(expected.shape()));
  const auto got = actual.to_vector<double>();
  const auto want = expected.to_vector<double>();
  for (std::size_t i = 0; i < got.size(); ++i) {
    const bool both_nan = std::isnan(got[i]) && std::isnan(want[i]);
    if (!both_nan && !(std::abs(got[i] - want[i]) <= atol + rtol * std::abs(want[i])))
      return fmt::format("element {} (flat) of shape {}: got {:.17g}, expected {:.17g} (rtol {}, atol {})", i,
                         shape_to_string(actual.shape()), got[i], want[i], rtol, atol);
  }
  return {};
}

}  // namespace minidl::testing
