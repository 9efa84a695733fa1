// Regularizer and constraint formulas against hand-computed values, their gradients, names and errors.
#include "../support/golden.hpp"

#include <doctest/doctest.h>
#include <cmath>

using namespace minidl;
using namespace minidl::testing;

namespace {
const Tensor w(std::vector<double>{3, -4, 0, 1, 2, -2}, {3, 2});  // columns (3, 0, 2) and (-4, 1, -2)
}

TEST_CASE("L1, L2 and L1L2 penalties") {
  // Σ|w| = 12, Σw² = 34.
  CHECK(regularizers::Regularizer(regularizers::L1{.l1 = 0.5})(w).item() == doctest::Approx(6.0));
  CHECK(regularizers::Regularizer(regularizers::L2{.l2 = 0.1})(w).item() == doctest::Approx(3.4));
  CHECK(regularizers::Regularizer(regularizers::L1L2{.l1 = 0.5, .l2 = 0.1})(w).item() == doctest::Approx(9.4));
  CHECK(regularizers::Regularizer("l2").validated("t", "r")(w).item() == doctest::Approx(0.34));  // default 0.01
  CHECK(regularizers::Regularizer("l1l2").validated("t", "r")(w).item() == 0.0);  // Keras's defaults are 0 and 0
}

TEST_CASE("OrthogonalRegularizer: factor · mean |cosine| between rows or columns") {
  // Keras: factor · 0.5 · Σ|P ⊙ (1 − I)| / (n(n − 1)/2), P the cosine matrix: each pair counted twice.
  // Rows (3,-4), (0,1), (2,-2): cosines -0.8, 0.98995 (= 14/(5·√8)), -0.70711; mean |cos| = 0.83235.
  const double rows_mean = (0.8 + 14.0 / (5 * std::sqrt(8.0)) + 1 / std::sqrt(2.0)) / 3;
  CHECK(regularizers::Regularizer(regularizers::OrthogonalRegularizer{.factor = 2})(w).item() ==
        doctest::Approx(2 * rows_mean).epsilon(1e-12));
  // Columns (3,0,2), (-4,1,-2): cosine -16/(√13·√21) = -0.96836; one pair.
  CHECK(regularizers::Regularizer(regularizers::OrthogonalRegularizer{.factor = 1, .mode = "columns"})(w).item() ==
        doctest::Approx(16 / (std::sqrt(13.0) * std::sqrt(21.0))).epsilon(1e-12));
  CHECK_THROWS_WITH_AS(regularizers::Regularizer(regularizers::OrthogonalRegularizer{})(Tensor::ones({2, 2, 2})),
                       "OrthogonalRegularizer: inputs must have rank 2, received shape (2, 2, 2)", ShapeError);
}

TEST_CASE("regularizers are differentiable: gradcheck in float64") {
  const Tensor x(std::vector<double>{0.3, -0.7, 1.1, 0.2, -0.4, 0.9}, {3, 2});
  for (const regularizers::Regularizer& r :
       {regularizers::Regularizer(regularizers::L1{.l1 = 0.3}), regularizers::Regularizer(regularizers::L2{.l2 = 0.2}),
        regularizers::Regularizer(regularizers::L1L2{.l1 = 0.1, .l2 = 0.4}),
        regularizers::Regularizer(regularizers::OrthogonalRegularizer{.factor = 0.5}),
        regularizers::Regularizer(regularizers::OrthogonalRegularizer{.factor = 0.5, .mode = "columns"})}) {
    CAPTURE(r.get_config().dump());
    const auto report = gradcheck([&](const std::vector<Tensor>& in) { return r(in[0]); }, {x});
    CHECK_MESSAGE(report.passed, report.to_string());
  }
}

TEST_CASE("constraints: MaxNorm, MinMaxNorm, UnitNorm, NonNeg along Keras's axes") {
  constexpr double eps = 1e-7;
  // axis 0 (the default): column norms √13 and √21.
  const double n0 = std::sqrt(13.0), n1 = std::sqrt(21.0);
  const Tensor max_norm = constraints::Constraint(constraints::MaxNorm{.max_value = 4}).apply(w);
  CHECK_CLOSE(max_norm,
              Tensor(std::vector<double>{3 * n0 / (n0 + eps), -4 * 4 / (n1 + eps), 0, 1 * 4 / (n1 + eps),
                                         2 * n0 / (n0 + eps), -2 * 4 / (n1 + eps)},
                     {3, 2}),
              1e-15, 0);
  const Tensor unit = constraints::Constraint(constraints::UnitNorm{.axis = {1}}).apply(w);  // row norms 5, 1, √8
  CHECK_CLOSE(unit,
              Tensor(std::vector<double>{3 / (5 + eps), -4 / (5 + eps), 0, 1 / (1 + eps), 2 / (std::sqrt(8.0) + eps),
                                         -2 / (std::sqrt(8.0) + eps)},
                     {3, 2}),
              1e-15, 0);
  // MinMaxNorm(1, 4, rate 0.5): desired = 0.5·clip(n) + 0.5·n.
  const Tensor min_max = constraints::Constraint(constraints::MinMaxNorm{.min_value = 1, .max_value = 4, .rate = 0.5}).apply(w);
  const double scale0 = (0.5 * n0 + 0.5 * n0) / (n0 + eps), scale1 = (0.5 * 4 + 0.5 * n1) / (n1 + eps);
  CHECK_CLOSE(min_max, Tensor(std::vector<double>{3 * scale0, -4 * scale1, 0, scale1, 2 * scale0, -2 * scale1}, {3, 2}), 1e-15, 0);
  CHECK(constraints::Constraint("non_neg").validated("t", "c").apply(w).to_vector() == std::vector<double>{3, 0, 0, 1, 2, 0});
  // A Conv1D kernel (taps, channels, filters) with axis {0, 1}: the norm of each filter's whole vector.
  const Tensor kernel = Tensor::full({2, 2, 3}, 1.0, DType::float64);  // each filter's norm is 2
  const Tensor capped = constraints::Constraint(constraints::MaxNorm{.max_value = 1, .axis = {0, 1}}).apply(kernel);
  CHECK(capped.at({0, 0, 0}) == doctest::Approx(0.5 * 2 / (2 + eps) * 1).epsilon(1e-15));
}

TEST_CASE("a constraint applied to a layer's weight replaces its values in place") {
  layers::Conv1D conv({.filters = 1, .kernel_size = 2, .kernel_initializer = initializers::Constant{.value = -1},
                       .kernel_constraint = "non_neg"});
  conv.build({1, 3, 1});
  const Tensor before = conv.kernel();
  conv.trainable_weights()[0]->apply_constraint();
  CHECK(conv.kernel().to_vector() == std::vector<double>{0, 0});
  CHECK(conv.kernel().is_same(before));  // same tensor, so optimizer state keyed on it stays valid
  CHECK(conv.kernel().requires_grad());
}

TEST_CASE("names, configs and bad values") {
  CHECK(regularizers::Regularizer::from_config(regularizers::Regularizer(regularizers::L2{.l2 = 0.3}).get_config())
            .get_config() == regularizers::Regularizer(regularizers::L2{.l2 = 0.3}).get_config());
  CHECK(constraints::Constraint::from_config(constraints::Constraint("max_norm").get_config()).get_config().at("config") ==
        nlohmann::json::parse(R"({"max_value": 2.0, "axis": 0})"));
  CHECK(regularizers::Regularizer().get_config().is_null());
  CHECK_FALSE(static_cast<bool>(constraints::Constraint()));
  CHECK_THROWS_WITH_AS(regularizers::Regularizer(regularizers::L1{.l1 = NAN}).validated("t", "r"),
                       "t: invalid argument `r`: `l1` must be a non-negative finite float, received l1=nan", InvalidArgument);
  CHECK_THROWS_AS(regularizers::Regularizer(regularizers::OrthogonalRegularizer{.mode = "diagonal"}).validated("t", "r"),
                  InvalidArgument);
  CHECK_THROWS_AS(constraints::Constraint(constraints::MinMaxNorm{.min_value = 2, .max_value = 1}).validated("t", "c"),
                  InvalidArgument);
  CHECK_THROWS_AS(constraints::Constraint(constraints::MaxNorm{.max_value = -1}).validated("t", "c"), InvalidArgument);
  // A callable regularizer and constraint.
  const regularizers::Regularizer custom = [](const Tensor& x) { return sum(x) * 2.0; };
  CHECK(custom(w).item() == 0.0);
  const constraints::Constraint halve = [](const Tensor& x) { return x * 0.5; };
  CHECK(halve.apply(w).at({0, 0}) == 1.5);
}
