#include <minidl/layers/conv_arguments.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/layers/config.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace minidl::layers {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string quoted_list(const std::vector<std::string>& values) {
  std::vector<std::string> quoted;
  for (const auto& value : values) quoted.push_back(fmt::format("\"{}\"", value));
  return fmt::format("{}", fmt::join(quoted, ", "));
}

}  // namespace

void check_window(const ConvWindow& window, const std::string& where) {
  for (auto [argument, value] : {std::pair{"kernel_size", window.kernel_size}, std::pair{"strides", window.strides},
                                 std::pair{"dilation_rate", window.dilation_rate}})
    if (value <= 0)
      throw_invalid_argument(where, argument, "expected a positive integer", fmt::format("{}={}", argument, value));
  constexpr std::int64_t largest_span = largest_element_count;
  if ((window.kernel_size - 1) > largest_span / window.dilation_rate || window.strides > largest_span)
    throw_invalid_argument(where,
                           window.strides > largest_span ? "strides"
                           : window.dilation_rate == 1  ? "kernel_size"
                                                        : "dilation_rate",
                           "expected a window span and strides below 2^40 steps",
                           fmt::format("kernel_size={}, dilation_rate={}, strides={}", window.kernel_size,
                                       window.dilation_rate, window.strides));
}

void check_strides_with_dilation(const ConvWindow& window, const std::string& where) {
  if (window.strides > 1 && window.dilation_rate > 1)
    throw_invalid_argument(where, "strides", "strides > 1 is not supported together with dilation_rate > 1",
                           fmt::format("strides={} and dilation_rate={}", window.strides, window.dilation_rate));
}

std::string checked_padding(std::string padding, const std::vector<std::string>& allowed, const std::string& where) {
  padding = lower(std::move(padding));
  if (std::find(allowed.begin(), allowed.end(), padding) == allowed.end())
    throw_invalid_argument(where, "padding", fmt::format("expected one of {}", quoted_list(allowed)),
                           fmt::format("padding=\"{}\"", padding));
  return padding;
}

std::string checked_data_format(const std::optional<std::string>& data_format, const std::string& where) {
  const std::string resolved = data_format ? lower(*data_format) : config::image_data_format();
  if (resolved != "channels_last" && resolved != "channels_first")
    throw_invalid_argument(where, "data_format", "expected one of \"channels_last\", \"channels_first\"",
                           fmt::format("data_format=\"{}\"", resolved));
  return resolved;
}

std::pair<std::int64_t, std::int64_t> conv_padding(const std::string& padding, const ConvWindow& window, std::int64_t steps) {
  if (padding == "causal") return {window.span() - 1, 0};
  if (padding == "valid") return {0, 0};
  const std::int64_t output_steps = (steps + window.strides - 1) / window.strides;
  const std::int64_t total = std::max<std::int64_t>((output_steps - 1) * window.strides + window.span() - steps, 0);
  return {total / 2, total - total / 2};
}

std::int64_t conv_output_steps(const std::string& padding, const ConvWindow& window, std::int64_t steps) {
  const auto [left, right] = conv_padding(padding, window, steps);
  const std::int64_t excess = steps + left + right - window.span();
  return (excess >= 0 ? excess / window.strides : -((-excess + window.strides - 1) / window.strides)) + 1;
}

std::int64_t checked_input_channels(const Shape& input_shape, bool channels_first, std::int64_t built_channels,
                                    const std::string& where) {
  if (input_shape.size() != 3)
    throw ShapeError(fmt::format("{}: expected an input of rank 3 ({}), received shape {} of rank {}", where,
                                 channels_first ? "batch, channels, steps" : "batch, steps, channels",
                                 shape_to_string(input_shape), input_shape.size()));
  check_extents(input_shape, where);
  const std::int64_t channels = input_shape[channels_first ? 1 : 2];
  if (built_channels > 0 && channels != built_channels)
    throw ShapeError(fmt::format("{}: expected axis {} of the input shape to have value {} (the layer was built for it), "
                                 "received an input of shape {}",
                                 where, channels_first ? 1 : -1, built_channels, shape_to_string(input_shape)));
  if (channels == 0)
    throw ShapeError(fmt::format("{}: expected an input with at least one channel, received shape {}", where,
                                 shape_to_string(input_shape)));
  return channels;
}

void check_output_steps(std::int64_t output_steps, std::int64_t steps, const ConvWindow& window, const std::string& padding,
                        const std::string& where) {
  if (output_steps <= 0)
    throw ShapeError(fmt::format("{}: the input is too short for the kernel: {} steps with kernel_size={}, "
                                 "dilation_rate={}, strides={} and padding=\"{}\" leave {} output steps",
                                 where, steps, window.kernel_size, window.dilation_rate, window.strides, padding,
                                 output_steps));
}

}  // namespace minidl::layers
