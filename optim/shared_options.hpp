#pragma once
// Copies the arguments every optimizer shares out of an optimizer's own options struct.
#include <minidl/core/errors.hpp>
#include <minidl/optim/optimizer.hpp>

#include <cmath>
#include <fmt/format.h>
#include <initializer_list>
#include <string_view>
#include <utility>

namespace minidl::optim {

template <class Options>
SharedOptions shared_options(const Options& options) {
  return {options.learning_rate, options.weight_decay, options.clipnorm,
          options.clipvalue,     options.global_clipnorm, options.name};
}

// Throws InvalidArgument naming the first option that is NaN or infinite: such a β, ε or ρ would
// silently turn every weight into NaN at the first step. (Keras does not check these.)
inline void require_finite(std::string_view where, std::initializer_list<std::pair<const char*, double>> options) {
  for (const auto& [argument, value] : options)
    if (!std::isfinite(value))
      throw_invalid_argument(where, argument, "expected a finite float", fmt::format("{}={}", argument, value));
}

// The raw elements of an update's tensors, all contiguous and of one dtype.
template <class T>
struct Elements {
  T* weight;
  const T* gradient;
  std::int64_t count;
};

template <class T>
Elements<T> elements(const Tensor& weight, const Tensor& gradient) {
  if (!weight.is_contiguous() || !gradient.is_contiguous())
    throw StateError("optimizer: weights and gradients must be contiguous for an in-place update");
  return {weight.data<T>(), gradient.data<T>(), weight.size()};
}

}  // namespace minidl::optim
