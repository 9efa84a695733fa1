#pragma once
// Keras 3's losses (keras/src/losses/losses.py). Each loss function returns per-sample values
// (reduced over the last axis); a Loss object reduces them, by default "sum_over_batch_size"
// (their mean). Probabilities are clipped to [ε, 1 − ε], ε = 1e-7, as Keras does.
//   losses::Loss loss = losses::BinaryCrossentropy{.from_logits = true};
//   Tensor value = loss(y_true, y_pred);
#include <minidl/core/tensor.hpp>

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace minidl::losses {

// Keras's squeeze_or_expand_to_same_rank: when the ranks differ by one and the longer ends in an
// axis of 1, that axis is squeezed — or, when the shorter is rank 1 and expand_rank_1 is set, the
// shorter is expanded instead.
std::pair<Tensor, Tensor> squeeze_or_expand_to_same_rank(Tensor a, Tensor b, bool expand_rank_1 = true);

// Per-sample loss functions (the last axis reduced).
Tensor mean_squared_error(const Tensor& y_true, const Tensor& y_pred);
Tensor mean_absolute_error(const Tensor& y_true, const Tensor& y_pred);
// 100 · mean(|y − ŷ| / max(|y|, ε)).
Tensor mean_absolute_percentage_error(const Tensor& y_true, const Tensor& y_pred);
// 0.5·e² where |e| <= delta, else delta·|e| − 0.5·delta², e = ŷ − y.
Tensor huber(const Tensor& y_true, const Tensor& y_pred, double delta = 1.0);
// log(cosh(ŷ − y)), computed as e + softplus(−2e) − log 2 so that large errors do not overflow.
Tensor log_cosh(const Tensor& y_true, const Tensor& y_pred);
Tensor binary_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits = false,
                           double label_smoothing = 0.0, std::int64_t axis = -1);
Tensor categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits = false,
                                double label_smoothing = 0.0, std::int64_t axis = -1);
// y_true holds class ids (whole numbers in [0, classes)), with or without a trailing axis of 1.
Tensor sparse_categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, bool from_logits = false,
                                       std::optional<std::int64_t> ignore_class = std::nullopt, std::int64_t axis = -1);

// The classes, with Keras's arguments and defaults. reduction: "sum_over_batch_size" (the mean
// of the per-sample values), "mean" (the same), "sum", "mean_with_sample_weight", "none".
struct MeanSquaredError {
  std::string reduction = "sum_over_batch_size";
  std::string name = "mean_squared_error";
};
struct MeanAbsoluteError {
  std::string reduction = "sum_over_batch_size";
  std::string name = "mean_absolute_error";
};
struct MeanAbsolutePercentageError {
  std::string reduction = "sum_over_batch_size";
  std::string name = "mean_absolute_percentage_error";
};
struct Huber {
  double delta = 1.0;
  std::string reduction = "sum_over_batch_size";
  std::string name = "huber_loss";
};
struct LogCosh {
  std::string reduction = "sum_over_batch_size";
  std::string name = "log_cosh";
};
struct BinaryCrossentropy {
  bool from_logits = false;
  double label_smoothing = 0.0;
  std::int64_t axis = -1;
  std::string reduction = "sum_over_batch_size";
  std::string name = "binary_crossentropy";
};
struct CategoricalCrossentropy {
  bool from_logits = false;
  double label_smoothing = 0.0;
  std::int64_t axis = -1;
  std::string reduction = "sum_over_batch_size";
  std::string name = "categorical_crossentropy";
};
struct SparseCategoricalCrossentropy {
  bool from_logits = false;
  std::optional<std::int64_t> ignore_class = std::nullopt;
  std::string reduction = "sum_over_batch_size";
  std::string name = "sparse_categorical_crossentropy";
};

// A per-sample loss function of (y_true, y_pred).
using Function = std::function<Tensor(const Tensor& y_true, const Tensor& y_pred)>;

class Loss {
 public:
  // A Keras name: "mse", "mean_squared_error", "MeanSquaredError", "mae", "mape", "huber",
  // "log_cosh", "binary_crossentropy", "bce", "categorical_crossentropy", ... (validated()).
  Loss(const char* name) : spec_(std::string(name)) {}
  Loss(std::string name) : spec_(std::move(name)) {}
  Loss(MeanSquaredError value) : spec_(std::move(value)) {}
  Loss(MeanAbsoluteError value) : spec_(std::move(value)) {}
  Loss(MeanAbsolutePercentageError value) : spec_(std::move(value)) {}
  Loss(Huber value) : spec_(std::move(value)) {}
  Loss(LogCosh value) : spec_(std::move(value)) {}
  Loss(BinaryCrossentropy value) : spec_(std::move(value)) {}
  Loss(CategoricalCrossentropy value) : spec_(std::move(value)) {}
  Loss(SparseCategoricalCrossentropy value) : spec_(std::move(value)) {}
  // A per-sample function, reduced with "sum_over_batch_size".
  template <class Callable>
    requires std::is_invocable_r_v<Tensor, const Callable&, const Tensor&, const Tensor&>
  Loss(Callable function) : spec_(Function(std::move(function))) {}

  // Resolves a name and checks the arguments; throws InvalidArgument naming where/argument.
  Loss validated(std::string_view where = "losses", std::string_view argument = "loss") const;
  // The reduced loss; sample_weight (optional) broadcasts against the per-sample values.
  Tensor operator()(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight = Tensor()) const;
  // Keras's get_config() of the loss object (Keras leaves Huber's delta out of it; so does this).
  nlohmann::json get_config() const;
  // {"module", "class_name", "config", "registered_name"} as Keras serializes a loss object (with
  // Huber's delta kept); null for a function, which cannot be saved.
  nlohmann::json serialize() const;
  // Reads serialize()'s output, or a loss name (kept as the name).
  static Loss deserialize(const nlohmann::json& serialized);
  // The Keras name the loss was given by ("mse"), which Keras's compile_config keeps as it was
  // given; unset for a loss object or a function.
  std::optional<std::string> given_name() const;
  // Whether the reduced loss is the plain mean of its per-sample values (reduction
  // "sum_over_batch_size" or "mean", and no ignore_class): then the loss of a batch is the
  // sample-weighted mean of the losses of its parts, which data-parallel fit relies on.
  bool averages_samples() const;

  using Spec = std::variant<std::string, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, Huber, LogCosh,
                            BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, Function>;

 private:
  Spec spec_;
};

}  // namespace minidl::losses
