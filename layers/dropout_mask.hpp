#pragma once
// Keras's dropout noise, shared by Dropout, SpatialDropout1D and the recurrent layers' dropout.
#include <minidl/core/random.hpp>
#include <minidl/core/tensor.hpp>

namespace minidl::layers {

// 1 / (1 − rate) with probability 1 − rate, else 0, for each element of `noise_shape`.
Tensor dropout_mask(const Shape& noise_shape, double rate, Generator& source, DType dtype);

}  // namespace minidl::layers
