#include <minidl/autograd/gradcheck.hpp>

#include <minidl/autograd/engine.hpp>
#include <minidl/autograd/grad_mode.hpp>
#include <minidl/core/errors.hpp>

#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <ostream>

namespace minidl {

namespace {

Shape unravel(std::int64_t flat, const Shape& shape) {
  Shape index(shape.size());
  for (std::size_t axis = shape.size(); axis-- > 0;) {
    index[axis] = shape[axis] == 0 ? 0 : flat % shape[axis];
    flat = shape[axis] == 0 ? 0 : flat / shape[axis];
  }
  return index;
}

std::vector<double> evaluate(const GradcheckFunction& function, const std::vector<Tensor>& inputs) {
  NoGradGuard no_grad;
  const Tensor output = function(inputs);
  if (output.dtype() != DType::float64)
    throw_invalid_argument("gradcheck", "function", "expected a float64 result", dtype_name(output.dtype()));
  return output.to_vector<double>();
}

}  // namespace

GradcheckReport gradcheck(const GradcheckFunction& function, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options) {
  std::vector<Tensor> leaves;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].dtype() != DType::float64)
      throw_invalid_argument("gradcheck", fmt::format("inputs[{}]", i), "expected dtype float64 (finite differences in float32 prove little)",
                             dtype_name(inputs[i].dtype()));
    leaves.push_back(inputs[i].clone().set_requires_grad());
  }

  // Analytic: one backward pass per output element, each a row of the Jacobian.
  const Tensor output = function(leaves);
  const std::int64_t outputs = output.size();
  std::vector<std::vector<std::vector<double>>> analytic(inputs.size());  // [input][output][element]
  for (std::int64_t j = 0; j < outputs; ++j) {
    std::vector<double> one_hot(outputs, 0.0);
    one_hot[j] = 1.0;
    const auto gradients =
        autograd::grad({output}, leaves, {Tensor(one_hot, output.shape())}, {.retain_graph = true, .allow_unused = true});
    for (std::size_t i = 0; i < inputs.size(); ++i) analytic[i].push_back(gradients[i].to_vector<double>());
  }

  // Numeric: central differences, one input element at a time, on private copies.
  GradcheckReport report;
  double worst_ratio = -1.0;
  std::vector<Tensor> probes;
  for (const auto& input : inputs) probes.push_back(input.clone());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    double* values = probes[i].data<double>();
    for (std::int64_t k = 0; k < probes[i].size(); ++k) {
      const double original = values[k];
      values[k] = original + options.eps;
      const auto plus = evaluate(function, probes);
      values[k] = original - options.eps;
      const auto minus = evaluate(function, probes);
      values[k] = original;
      for (std::int64_t j = 0; j < outputs; ++j) {
        const double numeric = (plus[j] - minus[j]) / (2 * options.eps);
        const double exact = analytic[i][j][k];
        const double error = std::abs(exact - numeric);
        const double allowed = options.atol + options.rtol * std::abs(numeric);
        report.max_abs_error = std::max(report.max_abs_error, error);
        report.max_rel_error = std::max(report.max_rel_error, error / std::max(std::abs(numeric), options.atol));
        report.passed = report.passed && error <= allowed && std::isfinite(exact) == std::isfinite(numeric);
        ++report.checked;
        const double ratio = std::isnan(error) ? INFINITY : error / allowed;
        if (ratio > worst_ratio) {
          worst_ratio = ratio;
          report.worst_input = i;
          report.worst_index = unravel(k, inputs[i].shape());
          report.worst_output = static_cast<std::size_t>(j);
          report.analytic = exact;
          report.numeric = numeric;
        }
      }
    }
  }
  return report;
}

std::string GradcheckReport::to_string() const {
  return fmt::format(
      "gradcheck {}: {} Jacobian entries, max abs error {:.3g}, max rel error {:.3g}; worst at inputs[{}][{}] "
      "(output element {}): analytic {:.10g}, numeric {:.10g}",
      passed ? "passed" : "FAILED", checked, max_abs_error, max_rel_error, worst_input, fmt::join(worst_index, ", "),
      worst_output, analytic, numeric);
}

std::ostream& operator<<(std::ostream& stream, const GradcheckReport& report) { return stream << report.to_string(); }

}  // namespace minidl
