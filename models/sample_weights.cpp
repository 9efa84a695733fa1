// What fit, evaluate and the *_on_batch calls train and test on: x, y and the sample weights in
// input and output order, checked, with class_weight turned into sample weights as Keras's data
// adapters turn it.
#include <minidl/models/model.hpp>

#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace minidl::models {

Model::Batch Model::arrays_for(const char* call, const Arrays& x, const Arrays& y, const Arrays& sample_weight,
                              const std::map<std::int64_t, double>& class_weight) const {
  std::vector<bool> required;
  for (const auto& output : compiled_outputs_) required.push_back(output.needs_targets());
  auto xs = x.in_order(input_names(), where(), "x");
  auto ys = y.in_order(output_names(), where(), "y", required);
  const auto describe = [](const std::vector<Tensor>& arrays) {
    std::vector<std::string> shapes;
    for (const auto& array : arrays) shapes.push_back(array.defined() ? shape_to_string(array.shape()) : "none");
    return fmt::format("{}", fmt::join(shapes, ", "));
  };
  bool consistent = true;
  for (const auto* arrays : {&xs, &ys})
    for (const auto& array : *arrays)
      if (array.defined()) consistent = consistent && array.ndim() > 0 && array.shape()[0] == xs[0].shape()[0];
  if (!consistent || xs[0].ndim() == 0)
    throw ShapeError(fmt::format("{}: {} needs x and y with the same number of samples, received x {} and y {}", where(), call,
                                 describe(xs), describe(ys)));
  // Keras refuses an empty dataset too (num_samples should be a positive integer).
  if (xs[0].shape()[0] == 0)
    throw_invalid_argument(where(), "x", fmt::format("expected at least one sample for {}", call), fmt::format("x {}", describe(xs)));
  auto weights = sample_weights_for(call, sample_weight, class_weight, ys);
  for (const auto& weight : weights)
    if (weight.defined() && (weight.ndim() == 0 || weight.shape()[0] != xs[0].shape()[0]))
      throw ShapeError(fmt::format("{}: {} needs a sample_weight with a row per sample ({}), received sample_weight {}", where(), call,
                                   xs[0].shape()[0], describe(weights)));
  return {std::move(xs), std::move(ys), std::move(weights)};
}

std::vector<Tensor> Model::sample_weights_for(const char* call, const Arrays& sample_weight, const std::map<std::int64_t, double>& class_weight,
                                              const std::vector<Tensor>& ys) const {
  const auto names = output_names();
  if (!class_weight.empty()) {
    if (!sample_weight.empty())
      throw InvalidArgument(fmt::format("{}: {}: You cannot `class_weight` and `sample_weight` at the same time.", where(), call));
    if (names.size() != 1)
      throw_invalid_argument(where(), "class_weight", "expected a model of a single output, as Keras",
                             fmt::format("a model of {} outputs", names.size()));
    return {class_weights_as_sample_weights(ys[0], class_weight)};
  }
  if (sample_weight.empty()) return std::vector<Tensor>(names.size());
  if (sample_weight.single() && names.size() > 1) {
    // Keras gives one array of a weight per sample to every output.
    const Tensor weight = sample_weight.in_order({"sample_weight"}, where(), "sample_weight")[0];
    if (!(weight.ndim() == 1 || (weight.ndim() == 2 && weight.dim(1) == 1)))
      throw_invalid_argument(where(), "sample_weight",
                             "one weight per sample ((samples,)) for a model of several outputs, or one array per output",
                             fmt::format("shape {}", shape_to_string(weight.shape())));
    return std::vector<Tensor>(names.size(), weight);
  }
  std::vector<bool> optional(names.size(), false);
  return sample_weight.in_order(names, where(), "sample_weight", optional);
}

Tensor Model::class_weights_as_sample_weights(const Tensor& y, const std::map<std::int64_t, double>& class_weight) const {
  if (!y.defined() || y.ndim() == 0 || y.ndim() > 2)
    throw_invalid_argument(where(), "class_weight", "targets y of class ids (samples,) or (samples, 1), or one-hot rows (samples, classes)",
                           y.defined() ? fmt::format("y of shape {}", shape_to_string(y.shape())) : "no y");
  // Keras's class_weight_to_sample_weights: the argmax of each row of several columns, or the
  // value itself, rounded to a class id.
  const auto values = y.to_vector();
  const std::int64_t samples = y.dim(0), columns = y.ndim() == 2 ? y.dim(1) : 1;
  std::vector<double> weights(std::size_t(samples), 1.0);
  for (std::int64_t i = 0; i < samples; ++i) {
    const auto row = values.begin() + i * columns;
    const double label = columns == 1 ? std::nearbyint(*row) : double(std::max_element(row, row + columns) - row);
    // A label that is no number (NaN, ±inf) has no class: weight 1, as Keras's rounding gives it.
    if (!std::isfinite(label) || std::abs(label) > 9e18) continue;
    const auto found = class_weight.find(std::int64_t(label));
    if (found != class_weight.end()) weights[std::size_t(i)] = found->second;
  }
  return cast(Tensor(weights, {samples}), y.dtype());
}

}  // namespace minidl::models
