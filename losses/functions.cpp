// The per-sample loss functions, with Keras 3's formulas.
#include <minidl/losses/losses.hpp>

#include <minidl/autograd/activations/activations.hpp>
#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/autograd/ops/comparison.hpp>
#include <minidl/autograd/ops/math.hpp>
#include <minidl/autograd/ops/reduction.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>

#include <cmath>
#include <fmt/format.h>

namespace minidl::losses {

namespace {

// Keras's backend.epsilon().
constexpr double epsilon = 1e-7;

// Both tensors of one dtype, ranks aligned as Keras aligns them, shapes broadcastable.
std::pair<Tensor, Tensor> aligned(const Tensor& y_true, const Tensor& y_pred, std::string_view where) {
  if (y_true.dtype() != y_pred.dtype())
    throw InvalidArgument(fmt::format("{}: y_true is {} but y_pred is {}; cast one", where, dtype_name(y_true.dtype()),
                                      dtype_name(y_pred.dtype())));
  auto pair = squeeze_or_expand_to_same_rank(y_true, y_pred);
  broadcast_shapes(pair.first.shape(), pair.second.shape(), where);
  return pair;
}

}  // namespace

std::pair<Tensor, Tensor> squeeze_or_expand_to_same_rank(Tensor a, Tensor b, bool expand_rank_1) {
  if (a.ndim() == b.ndim() + 1 && a.shape().back() == 1) {
    if (b.ndim() == 1 && expand_rank_1) b = unsqueeze(b, -1);
    else a = squeeze(a, {-1});
  } else if (b.ndim() == a.ndim() + 1 && b.shape().back() == 1) {
    if (a.ndim() == 1 && expand_rank_1) a = unsqueeze(a, -1);
    else b = squeeze(b, {-1});
  }
  return {a, b};
}

Tensor mean_squared_error(const Tensor& y_true, const Tensor& y_pred) {
  const auto [y, p] = aligned(y_true, y_pred, "mean_squared_error");
  return mean(square(p - y), {-1});
}

Tensor mean_absolute_error(const Tensor& y_true, const Tensor& y_pred) {
  const auto [y, p] = aligned(y_true, y_pred, "mean_absolute_error");
  return mean(abs(p - y), {-1});
}

Tensor mean_absolute_percentage_error(const Tensor& y_true, const Tensor& y_pred) {
  const auto [y, p] = aligned(y_true, y_pred, "mean_absolute_percentage_error");
  const Tensor diff = abs((y - p) / maximum(abs(y), Tensor::scalar(epsilon, y.dtype())));
  return mean(diff, {-1}) * 100.0;
}

Tensor huber(const Tensor& y_true, const Tensor& y_pred, double delta) {
  const auto [y, p] = aligned(y_true, y_pred, "huber");
  const Tensor error = p - y;
  const Tensor absolute = abs(error);
  const Tensor quadratic = square(error) * 0.5;
  const Tensor linear = absolute * delta - 0.5 * delta * delta;
  return mean(where(less_equal(absolute, Tensor::scalar(delta, error.dtype())), quadratic, linear), {-1});
}

Tensor log_cosh(const Tensor& y_true, const Tensor& y_pred) {
  const auto [y, p] = aligned(y_true, y_pred, "log_cosh");
  const Tensor error = p - y;
  return mean(error + activations::softplus(error * -2.0) - std::log(2.0), {-1});
}

Tensor binary_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits, double label_smoothing,
                           std::int64_t axis) {
  auto [y, prediction] = aligned(y_true, y_pred, "binary_crossentropy");
  if (label_smoothing != 0) y = y * (1.0 - label_smoothing) + 0.5 * label_smoothing;
  Tensor per_element;
  if (from_logits) {
    // max(x, 0) − x·y + log(1 + e^−|x|): the stable sigmoid cross-entropy.
    per_element = activations::relu(prediction) - prediction * y + activations::softplus(-abs(prediction));
  } else {
    const Tensor p = clip(prediction, epsilon, 1.0 - epsilon);
    per_element = -(y * log(p) + (1.0 - y) * log(1.0 - p));
  }
  return mean(per_element, {axis});
}

Tensor categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits, double label_smoothing,
                                std::int64_t axis) {
  Tensor y = aligned(y_true, y_pred, "categorical_crossentropy").first;
  if (y.shape() != y_pred.shape())
    throw ShapeError(fmt::format("categorical_crossentropy: y_true {} and y_pred {} must have the same shape",
                                 shape_to_string(y.shape()), shape_to_string(y_pred.shape())));
  if (label_smoothing != 0) {
    const double classes = double(y_pred.dim(axis));
    y = y * (1.0 - label_smoothing) + label_smoothing / classes;
  }
  if (from_logits) return -sum(y * activations::log_softmax(y_pred, axis), {axis});
  const Tensor p = clip(y_pred / sum(y_pred, {axis}, true), epsilon, 1.0 - epsilon);
  return -sum(y * log(p), {axis});
}

Tensor sparse_categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits,
                                       std::optional<std::int64_t> ignore_class, std::int64_t axis) {
  Tensor labels = y_true.detach();
  if (labels.ndim() == y_pred.ndim() && labels.shape().back() == 1) labels = squeeze(labels, {-1});
  const int class_axis = normalize_axis(axis, y_pred.ndim(), "sparse_categorical_crossentropy");
  Shape expected = y_pred.shape();
  expected.erase(expected.begin() + class_axis);
  if (labels.shape() != expected)
    throw ShapeError(fmt::format("sparse_categorical_crossentropy: y_true has shape {}, expected {} (y_pred {} without its "
                                 "class axis)",
                                 shape_to_string(y_true.shape()), shape_to_string(expected), shape_to_string(y_pred.shape())));
  const std::int64_t classes = y_pred.shape()[class_axis];
  // One-hot labels along the class axis; ignored positions get an all-zero row.
  const auto ids = labels.to_vector();
  std::vector<double> one_hot(static_cast<std::size_t>(labels.size() * classes), 0.0);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ignore_class && ids[i] == double(*ignore_class)) continue;
    if (ids[i] != std::floor(ids[i]) || ids[i] < 0 || ids[i] >= double(classes))
      throw_invalid_argument("sparse_categorical_crossentropy", "y_true",
                             fmt::format("expected class ids in [0, {})", classes), fmt::format("{} at index {}", ids[i], i));
    one_hot[i * classes + static_cast<std::size_t>(ids[i])] = 1.0;
  }
  Shape one_hot_shape = labels.shape();
  one_hot_shape.push_back(classes);
  Tensor target = cast(Tensor(one_hot, one_hot_shape), y_pred.dtype());
  const int last = y_pred.ndim() - 1;
  if (class_axis != last) {
    std::vector<std::int64_t> order;
    for (int a = 0; a < last; ++a) order.push_back(a < class_axis ? a : a + 1);
    order.insert(order.begin() + class_axis, last);
    target = permute(target, order);
  }
  return categorical_crossentropy(target, y_pred, from_logits, 0.0, class_axis);
  // Ignored positions have an all-zero target row, hence a zero loss; Loss also masks them out of
  // the mean (Keras's apply_mask).
}

}  // namespace minidl::losses
