// What each initializer draws, with Keras's formulas (keras/src/initializers/random_initializers.py).
#include <minidl/layers/initializers/initializers.hpp>

#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/core/random.hpp>
#include <minidl/core/xtensor_bridge.hpp>

#include <cmath>
#include <fmt/format.h>
#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xview.hpp>

namespace minidl::initializers {

namespace {

// The standard deviation of a standard normal truncated to [-2, 2]: Keras divides by it so that
// the truncated draw has the variance asked for.
constexpr double truncated_normal_stddev = 0.87962566103423978;

// A seeded initializer restarts its own stream on every call (same values each time, as Keras).
template <class Draw>
Tensor with_generator(const Seed& seed, Draw&& draw) {
  if (!seed) return draw(global_generator());
  Generator generator(*seed);
  return draw(generator);
}

VarianceScaling as_variance_scaling(const GlorotUniform& i) { return {1.0, "fan_avg", "uniform", i.seed}; }
VarianceScaling as_variance_scaling(const GlorotNormal& i) { return {1.0, "fan_avg", "truncated_normal", i.seed}; }
VarianceScaling as_variance_scaling(const HeUniform& i) { return {2.0, "fan_in", "uniform", i.seed}; }
VarianceScaling as_variance_scaling(const HeNormal& i) { return {2.0, "fan_in", "truncated_normal", i.seed}; }
VarianceScaling as_variance_scaling(const LecunUniform& i) { return {1.0, "fan_in", "uniform", i.seed}; }
VarianceScaling as_variance_scaling(const LecunNormal& i) { return {1.0, "fan_in", "truncated_normal", i.seed}; }

Tensor draw(const Zeros&, const Shape& shape, DType dtype) { return Tensor::zeros(shape, dtype); }
Tensor draw(const Ones&, const Shape& shape, DType dtype) { return Tensor::ones(shape, dtype); }
Tensor draw(const Constant& i, const Shape& shape, DType dtype) { return Tensor::full(shape, i.value, dtype); }

Tensor draw(const RandomNormal& i, const Shape& shape, DType dtype) {
  return with_generator(i.seed, [&](Generator& g) { return Tensor::normal(shape, i.mean, i.stddev, dtype, &g); });
}
Tensor draw(const RandomUniform& i, const Shape& shape, DType dtype) {
  return with_generator(i.seed, [&](Generator& g) { return Tensor::uniform(shape, i.minval, i.maxval, dtype, &g); });
}
Tensor draw(const TruncatedNormal& i, const Shape& shape, DType dtype) {
  return with_generator(i.seed,
                        [&](Generator& g) { return Tensor::truncated_normal(shape, i.mean, i.stddev, dtype, &g); });
}

Tensor draw(const VarianceScaling& i, const Shape& shape, DType dtype) {
  const auto [fan_in, fan_out] = compute_fans(shape);
  const double fan = i.mode == "fan_in" ? fan_in : i.mode == "fan_out" ? fan_out : (fan_in + fan_out) / 2.0;
  const double scale = i.scale / std::max(1.0, fan);
  std::string distribution = i.distribution;
  std::transform(distribution.begin(), distribution.end(), distribution.begin(), ::tolower);
  return with_generator(i.seed, [&](Generator& g) {
    if (distribution == "uniform") {
      const double limit = std::sqrt(3.0 * scale);
      return Tensor::uniform(shape, -limit, limit, dtype, &g);
    }
    if (distribution == "untruncated_normal") return Tensor::normal(shape, 0.0, std::sqrt(scale), dtype, &g);
    return Tensor::truncated_normal(shape, 0.0, std::sqrt(scale) / truncated_normal_stddev, dtype, &g);
  });
}

template <class Named>
  requires requires(const Named& i) { as_variance_scaling(i); }
Tensor draw(const Named& i, const Shape& shape, DType dtype) {
  return draw(as_variance_scaling(i), shape, dtype);
}

// Keras: QR of a normal (max(rows, cols), min(rows, cols)) draw, q times sign(diag(r)),
// transposed when rows < cols, times gain.
Tensor draw(const Orthogonal& i, const Shape& shape, DType dtype) {
  if (shape.size() < 2)
    throw InvalidArgument(fmt::format("Orthogonal: the initializer needs a shape of rank 2 or more, received {}",
                                      shape_to_string(shape)));
  const std::int64_t cols = shape.back(), rows = element_count(shape) / std::max<std::int64_t>(cols, 1);
  const Tensor normal = with_generator(i.seed, [&](Generator& g) {
    return Tensor::normal({std::max(rows, cols), std::min(rows, cols)}, 0.0, 1.0, DType::float64, &g);
  });
  auto [q, r] = xt::linalg::qr(to_xarray<double>(normal), xt::linalg::qrmode::reduced);
  const auto signs = xt::sign(xt::diagonal(r));
  xt::xarray<double> orthogonal = q * xt::view(signs, xt::newaxis(), xt::all());
  if (rows < cols) orthogonal = xt::transpose(orthogonal);
  return reshape(cast(from_xtensor(orthogonal * i.gain), dtype), shape);
}

Tensor draw(const Identity& i, const Shape& shape, DType dtype) {
  if (shape.size() != 2)
    throw InvalidArgument(fmt::format("Identity: the initializer can only be used for 2D matrices, received shape {} of rank {}",
                                      shape_to_string(shape), shape.size()));
  return Tensor::eye(shape[0], shape[1], dtype) * i.gain;
}

Tensor draw(const Function& f, const Shape& shape, DType dtype) {
  Tensor result = f(shape, dtype);
  if (!result.defined() || result.shape() != shape || result.dtype() != dtype)
    throw InvalidArgument(fmt::format("initializer: a custom initializer returned {} for shape {} {}",
                                      result.defined() ? shape_to_string(result.shape()) + " " +
                                                             std::string(dtype_name(result.dtype()))
                                                       : "an undefined tensor",
                                      shape_to_string(shape), dtype_name(dtype)));
  return result;
}

Tensor draw(const std::string& name, const Shape&, DType) {
  throw StateError(fmt::format("initializer \"{}\" was used before validated() resolved it", name));
}

}  // namespace

std::pair<double, double> compute_fans(const Shape& shape) {
  if (shape.empty()) return {1.0, 1.0};
  if (shape.size() == 1) return {double(shape[0]), double(shape[0])};
  if (shape.size() == 2) return {double(shape[0]), double(shape[1])};
  double receptive_field = 1.0;
  for (std::size_t axis = 0; axis + 2 < shape.size(); ++axis) receptive_field *= double(shape[axis]);
  return {double(shape[shape.size() - 2]) * receptive_field, double(shape.back()) * receptive_field};
}

Tensor Initializer::operator()(const Shape& shape, DType dtype) const {
  const Initializer resolved = std::holds_alternative<std::string>(spec_) ? validated("initializer", "identifier") : *this;
  Tensor result = std::visit([&](const auto& spec) { return draw(spec, shape, dtype); }, resolved.spec_);
  return result.dtype() == dtype ? result : cast(result, dtype);
}

}  // namespace minidl::initializers
