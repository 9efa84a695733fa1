#pragma once
// The arguments and geometry the convolution layers share (Conv1D, Conv1DTranspose,
// DepthwiseConv1D, SeparableConv1D): the window, padding and data_format checked in Keras's terms,
// the SAME/causal padding rule, the output length, and the rank-3 input checks. Internal: include
// from layer sources.
#include <minidl/core/shape.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace minidl::layers {

struct ConvWindow {
  std::int64_t kernel_size = 1;
  std::int64_t strides = 1;
  std::int64_t dilation_rate = 1;

  // Steps covered by the dilated kernel.
  std::int64_t span() const { return dilation_rate * (kernel_size - 1) + 1; }
};

// kernel_size, strides and dilation_rate positive; the dilated span and strides below 2^40.
void check_window(const ConvWindow& window, const std::string& where);
// Keras refuses strides > 1 with dilation_rate > 1 in Conv1D and Conv1DTranspose.
void check_strides_with_dilation(const ConvWindow& window, const std::string& where);
// Lower-cased, and one of `allowed`.
std::string checked_padding(std::string padding, const std::vector<std::string>& allowed, const std::string& where);
// Lower-cased, config::image_data_format() when unset, and channels_last or channels_first.
std::string checked_data_format(const std::optional<std::string>& data_format, const std::string& where);

// Zeros before and after an input of `steps` steps: none for valid, TensorFlow's SAME rule (the
// odd zero on the right), dilated span − 1 on the left for causal.
std::pair<std::int64_t, std::int64_t> conv_padding(const std::string& padding, const ConvWindow& window, std::int64_t steps);
// Keras's floor((padded − span) / strides) + 1, with floor division also for an input too short
// for the kernel, so that the result is then non-positive.
std::int64_t conv_output_steps(const std::string& padding, const ConvWindow& window, std::int64_t steps);

// The channel count of a (batch, steps, channels) or (batch, channels, steps) input, after checking
// its rank, its extents and, once built (`built_channels` > 0), that the channels did not change.
std::int64_t checked_input_channels(const Shape& input_shape, bool channels_first, std::int64_t built_channels,
                                    const std::string& where);
// Throws ShapeError unless the window leaves at least one output step of an input of `steps` steps.
void check_output_steps(std::int64_t output_steps, std::int64_t steps, const ConvWindow& window, const std::string& padding,
                        const std::string& where);

}  // namespace minidl::layers
