// gradcheck itself: it passes correct gradients, catches wrong ones, and reports where.
#include "../support/golden.hpp"

#include <minidl/autograd/node.hpp>

#include <doctest/doctest.h>

using namespace minidl;

namespace {

// x² with a deliberately wrong backward (3x instead of 2x): a user's buggy custom op.
Tensor square_with_wrong_gradient(const Tensor& x) {
  Tensor out = x.detach() * x.detach();
  record(out, "wrong_square", {x}, [x = saved(x)](const Tensor& g) { return std::vector<Tensor>{g * x * 3.0}; });
  return out;
}

}  // namespace

TEST_CASE("gradcheck passes a correct gradient and reports its errors") {
  const Tensor x(std::vector<double>{0.5, -1.25, 2.0, 0.75}, {2, 2});
  const Tensor w(std::vector<double>{1.5, -0.5}, {2, 1});
  const auto report = gradcheck([](const std::vector<Tensor>& in) { return tanh(matmul(in[0], in[1])); }, {x, w});
  CHECK(report.passed);
  CHECK(static_cast<bool>(report));
  CHECK(report.checked == 2 * (4 + 2));  // 2 outputs × 6 input elements
  CHECK(report.max_abs_error < 1e-8);
}

TEST_CASE("gradcheck catches a wrong gradient and names the element") {
  const Tensor x(std::vector<double>{0.5, -1.0, 2.0}, {3});
  const auto report = gradcheck([](const std::vector<Tensor>& in) { return square_with_wrong_gradient(in[0]); }, {x});
  CHECK_FALSE(report.passed);
  // The largest violation is at x = 2: analytic 3·2 = 6, numeric 2·2 = 4.
  CHECK(report.worst_input == 0);
  CHECK(report.worst_index == Shape{2});
  CHECK(report.worst_output == 2);
  CHECK(report.analytic == doctest::Approx(6.0));
  CHECK(report.numeric == doctest::Approx(4.0).epsilon(1e-6));
  CHECK(report.to_string().find("gradcheck FAILED") == 0);
  CHECK(report.to_string().find("worst at inputs[0][2]") != std::string::npos);
}

TEST_CASE("gradcheck wants float64 inputs and leaves them unchanged") {
  const Tensor single(std::vector<float>{1.0f}, {1});
  CHECK_THROWS_WITH_AS(gradcheck([](const std::vector<Tensor>& in) { return in[0]; }, {single}),
                       "gradcheck: invalid argument `inputs[0]`: expected dtype float64 (finite differences in float32 "
                       "prove little), received float32",
                       InvalidArgument);
  const Tensor x(std::vector<double>{1.0, 2.0}, {2});
  gradcheck([](const std::vector<Tensor>& in) { return exp(in[0]); }, {x});
  CHECK(x.to_vector() == std::vector<double>{1.0, 2.0});
  CHECK_FALSE(x.requires_grad());
}
