// Tensor factories: constants, ranges, identity and random draws.
#include <minidl/core/errors.hpp>
#include <minidl/core/random.hpp>
#include <minidl/core/tensor.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace minidl {

namespace {

template <class Draw>
Tensor fill_with(Shape shape, DType dtype, Draw&& draw) {
  Tensor result = Tensor::empty(std::move(shape), dtype);
  dispatch(dtype, [&]<class T>() {
    T* out = result.data<T>();
    for (std::int64_t i = 0, n = result.size(); i < n; ++i) out[i] = static_cast<T>(draw());
  });
  return result;
}

Generator& chosen(Generator* generator) { return generator ? *generator : global_generator(); }

}  // namespace

Tensor Tensor::full(Shape shape, double value, DType dtype) {
  return fill_with(std::move(shape), dtype, [value] { return value; });
}
Tensor Tensor::zeros(Shape shape, DType dtype) { return full(std::move(shape), 0.0, dtype); }
Tensor Tensor::ones(Shape shape, DType dtype) { return full(std::move(shape), 1.0, dtype); }
Tensor Tensor::scalar(double value, DType dtype) { return full({}, value, dtype); }

Tensor Tensor::arange(double start, double stop, double step, DType dtype) {
  if (step == 0.0 || !std::isfinite(step))
    throw_invalid_argument("arange", "step", "expected a finite non-zero step", fmt::format("step={}", step));
  if (!std::isfinite(start) || !std::isfinite(stop))
    throw_invalid_argument("arange", std::isfinite(start) ? "stop" : "start", "expected finite start and stop",
                           fmt::format("start={}, stop={}", start, stop));
  // Checked as a double: a count past 2^63 cannot even be converted.
  const double steps = std::max(0.0, std::ceil((stop - start) / step));
  constexpr double largest = double(largest_element_count);
  if (steps > largest)
    throw_invalid_argument("arange", "stop", "expected at most 1099511627776 elements",
                           fmt::format("start={}, stop={}, step={} ({:.3g} elements)", start, stop, step, steps));
  const auto count = static_cast<std::int64_t>(steps);
  std::int64_t i = 0;
  return fill_with({count}, dtype, [&] { return start + step * static_cast<double>(i++); });
}

Tensor Tensor::eye(std::int64_t n, std::int64_t m, DType dtype) {
  if (m < -1) throw_invalid_argument("eye", "m", "expected a non-negative size, or -1 for m = n", fmt::format("m={}", m));
  if (m == -1) m = n;
  if (n < 0) throw_invalid_argument("eye", "n", "expected a non-negative size", fmt::format("n={}", n));
  std::int64_t i = 0;
  return fill_with({n, m}, dtype, [&] {
    const std::int64_t row = i / m, column = i % m;
    ++i;
    return row == column ? 1.0 : 0.0;
  });
}

Tensor Tensor::rand(Shape shape, DType dtype, Generator* generator) {
  return uniform(std::move(shape), 0.0, 1.0, dtype, generator);
}

Tensor Tensor::uniform(Shape shape, double minval, double maxval, DType dtype, Generator* generator) {
  if (!(minval <= maxval))
    throw_invalid_argument("uniform", "maxval", fmt::format("expected maxval >= minval={}", minval), fmt::format("maxval={}", maxval));
  auto& source = chosen(generator);
  const auto held = source.lock();  // one block of the stream per tensor, locked once
  return fill_with(std::move(shape), dtype, [&] { return minval + (maxval - minval) * source.uniform(); });
}

Tensor Tensor::normal(Shape shape, double mean, double stddev, DType dtype, Generator* generator) {
  if (!(stddev >= 0))
    throw_invalid_argument("normal", "stddev", "expected a non-negative standard deviation", fmt::format("stddev={}", stddev));
  auto& source = chosen(generator);
  const auto held = source.lock();
  return fill_with(std::move(shape), dtype, [&] { return mean + stddev * source.normal(); });
}

Tensor Tensor::truncated_normal(Shape shape, double mean, double stddev, DType dtype, Generator* generator) {
  if (!(stddev >= 0))
    throw_invalid_argument("truncated_normal", "stddev", "expected a non-negative standard deviation", fmt::format("stddev={}", stddev));
  auto& source = chosen(generator);
  const auto held = source.lock();
  return fill_with(std::move(shape), dtype, [&] {
    double z = source.normal();
    while (std::abs(z) > 2.0) z = source.normal();
    return mean + stddev * z;
  });
}

}  // namespace minidl
