// Loss objects: names, reduction and Keras's config.
#include <minidl/losses/losses.hpp>

#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/autograd/ops/comparison.hpp>
#include <minidl/autograd/ops/reduction.hpp>
#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <array>
#include <map>
#include <nlohmann/json.hpp>

namespace minidl::losses {

namespace {

using Json = nlohmann::json;

const std::map<std::string, Loss::Spec, std::less<>>& by_name() {
  static const std::map<std::string, Loss::Spec, std::less<>> table = {
      {"mse", MeanSquaredError{}}, {"MSE", MeanSquaredError{}}, {"mean_squared_error", MeanSquaredError{}},
      {"MeanSquaredError", MeanSquaredError{}}, {"mae", MeanAbsoluteError{}}, {"MAE", MeanAbsoluteError{}},
      {"mean_absolute_error", MeanAbsoluteError{}}, {"MeanAbsoluteError", MeanAbsoluteError{}},
      {"mape", MeanAbsolutePercentageError{}}, {"MAPE", MeanAbsolutePercentageError{}},
      {"mean_absolute_percentage_error", MeanAbsolutePercentageError{}},
      {"MeanAbsolutePercentageError", MeanAbsolutePercentageError{}}, {"huber", Huber{}}, {"huber_loss", Huber{}},
      {"Huber", Huber{}}, {"log_cosh", LogCosh{}}, {"logcosh", LogCosh{}}, {"LogCosh", LogCosh{}},
      {"binary_crossentropy", BinaryCrossentropy{}}, {"bce", BinaryCrossentropy{}},
      {"BinaryCrossentropy", BinaryCrossentropy{}}, {"categorical_crossentropy", CategoricalCrossentropy{}},
      {"CategoricalCrossentropy", CategoricalCrossentropy{}},
      {"sparse_categorical_crossentropy", SparseCategoricalCrossentropy{}},
      {"SparseCategoricalCrossentropy", SparseCategoricalCrossentropy{}},
  };
  return table;
}

std::vector<std::string> names() {
  std::vector<std::string> result;
  for (const auto& [name, spec] : by_name()) result.push_back(name);
  return result;
}

Tensor values_of(const Loss::Spec& spec, const Tensor& y_true, const Tensor& y_pred) {
  return std::visit(
      [&](const auto& loss) -> Tensor {
        using T = std::decay_t<decltype(loss)>;
        if constexpr (std::is_same_v<T, MeanSquaredError>) return mean_squared_error(y_true, y_pred);
        else if constexpr (std::is_same_v<T, MeanAbsoluteError>) return mean_absolute_error(y_true, y_pred);
        else if constexpr (std::is_same_v<T, MeanAbsolutePercentageError>)
          return mean_absolute_percentage_error(y_true, y_pred);
        else if constexpr (std::is_same_v<T, Huber>) return huber(y_true, y_pred, loss.delta);
        else if constexpr (std::is_same_v<T, LogCosh>) return log_cosh(y_true, y_pred);
        else if constexpr (std::is_same_v<T, BinaryCrossentropy>)
          return binary_crossentropy(y_true, y_pred, loss.from_logits, loss.label_smoothing, loss.axis);
        else if constexpr (std::is_same_v<T, CategoricalCrossentropy>)
          return categorical_crossentropy(y_true, y_pred, loss.from_logits, loss.label_smoothing, loss.axis);
        else if constexpr (std::is_same_v<T, SparseCategoricalCrossentropy>)
          return sparse_categorical_crossentropy(y_true, y_pred, loss.from_logits, loss.ignore_class);
        else if constexpr (std::is_same_v<T, Function>) return loss(y_true, y_pred);
        else throw StateError(fmt::format("loss \"{}\" was used before validated() resolved it", loss));
      },
      spec);
}

std::string reduction_of(const Loss::Spec& spec) {
  return std::visit(
      [](const auto& loss) -> std::string {
        if constexpr (requires { loss.reduction; }) return loss.reduction;
        else return "sum_over_batch_size";
      },
      spec);
}

}  // namespace

bool Loss::averages_samples() const {
  const Loss resolved = validated();
  const std::string reduction = reduction_of(resolved.spec_);
  const auto* sparse = std::get_if<SparseCategoricalCrossentropy>(&resolved.spec_);
  // fit passes no sample weights, so mean_with_sample_weight is a plain mean there.
  return (reduction == "sum_over_batch_size" || reduction == "mean" || reduction == "mean_with_sample_weight") &&
         !(sparse && sparse->ignore_class);
}

Loss Loss::validated(std::string_view where, std::string_view argument) const {
  Loss resolved = *this;
  if (const auto* name = std::get_if<std::string>(&spec_)) {
    const auto found = by_name().find(*name);
    if (found == by_name().end())
      throw_invalid_argument(where, argument, fmt::format("expected a loss name, one of {}", fmt::join(names(), ", ")),
                             fmt::format("{}=\"{}\"", argument, *name));
    resolved.spec_ = found->second;
  }
  const std::string reduction = reduction_of(resolved.spec_);
  if (reduction != "sum_over_batch_size" && reduction != "mean" && reduction != "sum" &&
      reduction != "mean_with_sample_weight" && reduction != "none")
    throw_invalid_argument(where, "reduction",
                           "expected one of \"sum_over_batch_size\", \"mean\", \"sum\", \"mean_with_sample_weight\", \"none\"",
                           fmt::format("reduction=\"{}\"", reduction));
  auto check_smoothing = [&](double value) {
    if (!(value >= 0 && value <= 1))
      throw_invalid_argument(where, "label_smoothing", "expected a value in [0, 1]", fmt::format("label_smoothing={}", value));
  };
  if (const auto* l = std::get_if<BinaryCrossentropy>(&resolved.spec_)) check_smoothing(l->label_smoothing);
  if (const auto* l = std::get_if<CategoricalCrossentropy>(&resolved.spec_)) check_smoothing(l->label_smoothing);
  if (const auto* l = std::get_if<Huber>(&resolved.spec_); l && !(l->delta > 0))
    throw_invalid_argument(where, "delta", "expected a positive delta", fmt::format("delta={}", l->delta));
  return resolved;
}

namespace {

// 1 where the label is not the ignored class (Keras marks those values with a mask).
Tensor kept_classes(const SparseCategoricalCrossentropy& loss, const Tensor& y_true, const Tensor& values) {
  Tensor labels = y_true.detach();
  if (labels.ndim() == values.ndim() + 1 && labels.shape().back() == 1) labels = squeeze(labels, {-1});
  return cast(not_equal(labels, Tensor::scalar(double(*loss.ignore_class), labels.dtype())), values.dtype());
}

// Keras's apply_mask: a mask becomes sample weights; for the mean reductions the kept values are
// weighted total/kept (0 when none is kept), so that the mean runs over the kept values only.
Tensor masked_weight(const Tensor& weight, Tensor mask, const std::string& reduction) {
  if (reduction == "mean" || reduction == "sum_over_batch_size") {
    const double kept = sum(mask).item();
    mask = kept == 0 ? mask * 0.0 : mask * (double(mask.size()) / kept);
  }
  if (!weight.defined()) return mask;
  auto [aligned_mask, aligned_weight] = squeeze_or_expand_to_same_rank(mask, weight);
  return aligned_weight * aligned_mask;
}

}  // namespace

Tensor Loss::operator()(const Tensor& y_true, const Tensor& y_pred, const Tensor& sample_weight) const {
  const Loss resolved = std::holds_alternative<std::string>(spec_) ? validated() : *this;
  Tensor values = values_of(resolved.spec_, y_true, y_pred);
  Tensor weight = sample_weight.defined() ? cast(sample_weight, values.dtype()).detach() : Tensor();
  const std::string reduction = reduction_of(resolved.spec_);
  // Keras's masks: the prediction's (a Masking layer upstream), and the ignored class's.
  Tensor mask = y_pred.keras_mask().defined() ? cast(y_pred.keras_mask().detach(), values.dtype()) : Tensor();
  if (const auto* sparse = std::get_if<SparseCategoricalCrossentropy>(&resolved.spec_); sparse && sparse->ignore_class) {
    const Tensor kept = kept_classes(*sparse, y_true, values);
    mask = mask.defined() ? mask * kept : kept;
  }
  if (mask.defined()) {
    if (mask.shape() != values.shape())
      throw ShapeError(fmt::format("losses: the prediction's mask has shape {}, which does not match the per-sample losses' {}",
                                   shape_to_string(mask.shape()), shape_to_string(values.shape())));
    weight = masked_weight(weight, mask, reduction);
  }
  if (weight.defined()) {
    auto [aligned_values, aligned_weight] = squeeze_or_expand_to_same_rank(values, weight);
    values = aligned_values * aligned_weight;
    weight = aligned_weight;
  }
  if (reduction == "none") return values;
  const Tensor total = sum(values);
  if (reduction == "sum") return total;
  // The mean reductions divide by the count of values — or, for mean_with_sample_weight, by the
  // weights' sum — and give 0 rather than NaN for a zero divisor (Keras's divide_no_nan).
  const double divisor = reduction == "mean_with_sample_weight" && weight.defined() ? sum(weight).item() : double(values.size());
  return divisor == 0 ? total * 0.0 : total / divisor;
}

Json Loss::get_config() const {
  const Spec spec = std::holds_alternative<std::string>(spec_) ? validated().spec_ : spec_;
  return std::visit(
      [](const auto& loss) -> Json {
        using T = std::decay_t<decltype(loss)>;
        if constexpr (std::is_same_v<T, Function> || std::is_same_v<T, std::string>) return Json{{"name", "custom"}};
        else {
          Json config = {{"name", loss.name}, {"reduction", loss.reduction}};
          if constexpr (std::is_same_v<T, BinaryCrossentropy> || std::is_same_v<T, CategoricalCrossentropy>) {
            config["from_logits"] = loss.from_logits;
            config["label_smoothing"] = loss.label_smoothing;
            config["axis"] = loss.axis;
          }
          if constexpr (std::is_same_v<T, SparseCategoricalCrossentropy>) {
            config["from_logits"] = loss.from_logits;
            config["ignore_class"] = loss.ignore_class ? Json(*loss.ignore_class) : Json(nullptr);
          }
          return config;
        }
      },
      spec);
}

namespace {

// Keras's class name of each alternative of Loss::Spec, in its order ("" for a name or a function).
constexpr std::array<const char*, std::variant_size_v<Loss::Spec>> keras_class_names = {
    "", "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError", "Huber", "LogCosh",
    "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy", ""};

}  // namespace

Json Loss::serialize() const {
  const Spec spec = std::holds_alternative<std::string>(spec_) ? validated().spec_ : spec_;
  if (std::holds_alternative<Function>(spec)) return nullptr;
  const std::string class_name = keras_class_names[spec.index()];
  Json config = get_config();
  if (const auto* huber = std::get_if<Huber>(&spec)) config["delta"] = huber->delta;
  return {{"module", "keras.losses"}, {"class_name", class_name}, {"config", config}, {"registered_name", nullptr}};
}

std::optional<std::string> Loss::given_name() const {
  if (const auto* name = std::get_if<std::string>(&spec_)) return *name;
  return std::nullopt;
}

Loss Loss::deserialize(const Json& serialized) {
  if (serialized.is_string()) {
    Loss named(serialized.get<std::string>());
    named.validated("Loss.deserialize", "loss");
    return named;
  }
  if (!serialized.is_object() || !serialized.contains("class_name"))
    throw InvalidArgument(fmt::format("Loss.deserialize: expected a loss name or an object with a \"class_name\", received {:.200}",
                                      serialized.dump()));
  const auto class_name = serialized.at("class_name").get<std::string>();
  const auto known = std::find(keras_class_names.begin(), keras_class_names.end(), class_name);
  if (class_name.empty() || known == keras_class_names.end())
    throw_invalid_argument("Loss.deserialize", "class_name", "expected a Keras loss class", class_name);
  const auto found = by_name().find(class_name);
  const Json config = serialized.value("config", Json::object());
  Spec spec = found->second;
  std::visit(
      [&](auto& loss) {
        using T = std::decay_t<decltype(loss)>;
        if constexpr (!std::is_same_v<T, Function> && !std::is_same_v<T, std::string>) {
          loss.name = config.value("name", loss.name);
          loss.reduction = config.value("reduction", loss.reduction);
          if constexpr (requires { loss.from_logits; }) loss.from_logits = config.value("from_logits", false);
          if constexpr (requires { loss.label_smoothing; }) loss.label_smoothing = config.value("label_smoothing", loss.label_smoothing);
          if constexpr (requires { loss.axis; }) loss.axis = config.value("axis", loss.axis);
          if constexpr (requires { loss.delta; }) loss.delta = config.value("delta", loss.delta);
          if constexpr (requires { loss.ignore_class; })
            if (config.contains("ignore_class") && !config.at("ignore_class").is_null())
              loss.ignore_class = config.at("ignore_class").get<std::int64_t>();
        }
      },
      spec);
  Loss loss("mse");
  loss.spec_ = std::move(spec);
  return loss.validated("Loss.deserialize", "loss");
}

}  // namespace minidl::losses
