#include <minidl/models/windows.hpp>

#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <numeric>

namespace minidl::models {

std::pair<Tensor, Tensor> sliding_windows(const Tensor& series, const WindowOptions& options) {
  if (series.ndim() != 2)
    throw ShapeError(fmt::format("sliding_windows: series must have shape (steps, features), received {}",
                                 shape_to_string(series.shape())));
  for (auto [name, value] : {std::pair{"window", options.window}, std::pair{"horizon", options.horizon},
                             std::pair{"stride", options.stride}})
    if (value <= 0) throw_invalid_argument("sliding_windows", name, "expected a positive integer", fmt::format("{}={}", name, value));
  const std::int64_t steps = series.shape()[0], features = series.shape()[1];
  std::vector<std::int64_t> columns = options.target_columns;
  if (columns.empty()) {
    columns.resize(static_cast<std::size_t>(features));
    std::iota(columns.begin(), columns.end(), 0);
  }
  for (auto column : columns)
    if (column < 0 || column >= features)
      throw_invalid_argument("sliding_windows", "target_columns", fmt::format("expected columns in [0, {})", features),
                             fmt::format("{}", column));
  if (steps < options.window + options.horizon)
    throw ShapeError(fmt::format("sliding_windows: a series of {} steps is shorter than window + horizon = {}", steps,
                                 options.window + options.horizon));
  const std::int64_t samples = (steps - options.window - options.horizon) / options.stride + 1;
  const auto values = series.to_vector();
  std::vector<double> inputs, targets;
  inputs.reserve(static_cast<std::size_t>(samples * options.window * features));
  for (std::int64_t s = 0; s < samples; ++s) {
    const std::int64_t start = s * options.stride;
    inputs.insert(inputs.end(), values.begin() + start * features, values.begin() + (start + options.window) * features);
    for (std::int64_t h = 0; h < options.horizon; ++h)
      for (auto column : columns) targets.push_back(values[(start + options.window + h) * features + column]);
  }
  const auto target_width = options.horizon * static_cast<std::int64_t>(columns.size());
  return {cast(Tensor(inputs, {samples, options.window, features}), series.dtype()),
          cast(Tensor(targets, {samples, target_width}), series.dtype())};
}

std::vector<Tensor> split_by_time(const Tensor& series, const std::vector<double>& fractions) {
  const double total = std::accumulate(fractions.begin(), fractions.end(), 0.0);
  if (fractions.empty() || std::any_of(fractions.begin(), fractions.end(), [](double f) { return !(f > 0); }) ||
      std::abs(total - 1.0) > 1e-9)
    throw_invalid_argument("split_by_time", "fractions", "expected positive fractions that sum to 1",
                           fmt::format("[{}]", fmt::join(fractions, ", ")));
  const std::int64_t steps = series.shape()[0];
  std::vector<Tensor> parts;
  std::int64_t begin = 0;
  double cumulative = 0.0;
  for (std::size_t i = 0; i < fractions.size(); ++i) {
    cumulative += fractions[i];
    const std::int64_t end = i + 1 == fractions.size() ? steps : static_cast<std::int64_t>(std::round(cumulative * double(steps)));
    parts.push_back(slice(series, 0, begin, end));
    begin = end;
  }
  return parts;
}

}  // namespace minidl::models
