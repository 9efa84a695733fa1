#include <minidl/metrics/metrics.hpp>

#include <minidl/core/errors.hpp>

#include <fmt/format.h>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

namespace minidl::metrics {

namespace {

using Json = nlohmann::json;

std::vector<double> numbers(const Json& config, const char* key) {
  if (!config.contains(key) || config.at(key).is_null()) return {};
  const Json& value = config.at(key);
  return value.is_array() ? value.get<std::vector<double>>() : std::vector<double>{value.get<double>()};
}

template <class T>
std::optional<T> optional_value(const Json& config, const char* key) {
  return config.contains(key) && !config.at(key).is_null() ? std::optional(config.at(key).get<T>()) : std::nullopt;
}

std::string name_in(const Json& config, std::string fallback) { return config.value("name", std::move(fallback)); }

using Factory = std::function<std::unique_ptr<Metric>(const Json& config)>;

// Each class by its Keras class name, from its get_config().
const std::map<std::string, Factory, std::less<>>& classes() {
  static const std::map<std::string, Factory, std::less<>> factories = {
      {"MeanSquaredError", [](const Json& c) { return std::make_unique<MeanSquaredError>(name_in(c, "mean_squared_error")); }},
      {"MeanAbsoluteError", [](const Json& c) { return std::make_unique<MeanAbsoluteError>(name_in(c, "mean_absolute_error")); }},
      {"RootMeanSquaredError",
       [](const Json& c) { return std::make_unique<RootMeanSquaredError>(name_in(c, "root_mean_squared_error")); }},
      {"Accuracy", [](const Json& c) { return std::make_unique<Accuracy>(name_in(c, "accuracy")); }},
      {"BinaryAccuracy",
       [](const Json& c) { return std::make_unique<BinaryAccuracy>(c.value("threshold", 0.5), name_in(c, "binary_accuracy")); }},
      {"CategoricalAccuracy", [](const Json& c) { return std::make_unique<CategoricalAccuracy>(name_in(c, "categorical_accuracy")); }},
      {"SparseCategoricalAccuracy",
       [](const Json& c) { return std::make_unique<SparseCategoricalAccuracy>(name_in(c, "sparse_categorical_accuracy")); }},
      {"CompileAccuracy", [](const Json& c) { return std::make_unique<CompileAccuracy>(name_in(c, "accuracy")); }},
      {"Precision",
       [](const Json& c) {
         return std::make_unique<Precision>(PrecisionOptions{.thresholds = numbers(c, "thresholds"),
                                                             .top_k = optional_value<std::int64_t>(c, "top_k"),
                                                             .class_id = optional_value<std::int64_t>(c, "class_id"),
                                                             .name = name_in(c, "precision")});
       }},
      {"Recall",
       [](const Json& c) {
         return std::make_unique<Recall>(RecallOptions{.thresholds = numbers(c, "thresholds"),
                                                       .top_k = optional_value<std::int64_t>(c, "top_k"),
                                                       .class_id = optional_value<std::int64_t>(c, "class_id"),
                                                       .name = name_in(c, "recall")});
       }},
      {"AUC",
       [](const Json& c) {
         return std::make_unique<AUC>(AUCOptions{.num_thresholds = c.value("num_thresholds", std::int64_t{200}),
                                                 .curve = c.value("curve", std::string("ROC")),
                                                 .summation_method = c.value("summation_method", std::string("interpolation")),
                                                 .name = name_in(c, "auc"),
                                                 .thresholds = numbers(c, "thresholds"),
                                                 .multi_label = c.value("multi_label", false),
                                                 .num_labels = optional_value<std::int64_t>(c, "num_labels"),
                                                 .label_weights = numbers(c, "label_weights"),
                                                 .from_logits = c.value("from_logits", false)});
       }},
      {"FBetaScore",
       [](const Json& c) {
         return std::make_unique<FBetaScore>(FBetaScoreOptions{
             .average = optional_value<std::string>(c, "average"),
             .beta = c.value("beta", 1.0),
             .threshold = optional_value<double>(c, "threshold"),
             .name = name_in(c, "fbeta_score")});
       }},
      {"F1Score",
       [](const Json& c) {
         return std::make_unique<F1Score>(F1ScoreOptions{
             .average = optional_value<std::string>(c, "average"),
             .threshold = optional_value<double>(c, "threshold"),
             .name = name_in(c, "f1_score")});
       }},
  };
  return factories;
}

}  // namespace

std::unique_ptr<Metric> get(std::string_view name) {
  // Named as asked for ("mae" logs as "mae"), as Keras's compile does.
  const std::string given(name);
  if (name == "mse" || name == "mean_squared_error") return std::make_unique<MeanSquaredError>(given);
  if (name == "mae" || name == "mean_absolute_error") return std::make_unique<MeanAbsoluteError>(given);
  if (name == "rmse" || name == "root_mean_squared_error") return std::make_unique<RootMeanSquaredError>(given);
  if (name == "accuracy" || name == "acc") return std::make_unique<CompileAccuracy>(given);
  if (name == "binary_accuracy") return std::make_unique<BinaryAccuracy>(0.5, given);
  if (name == "categorical_accuracy") return std::make_unique<CategoricalAccuracy>(given);
  if (name == "sparse_categorical_accuracy") return std::make_unique<SparseCategoricalAccuracy>(given);
  if (name == "precision") return std::make_unique<Precision>(PrecisionOptions{.name = given});
  if (name == "recall") return std::make_unique<Recall>(RecallOptions{.name = given});
  if (name == "auc") return std::make_unique<AUC>(AUCOptions{.name = given});
  if (name == "f1_score") return std::make_unique<F1Score>(F1ScoreOptions{.name = given});
  if (name == "f_beta_score") return std::make_unique<FBetaScore>(FBetaScoreOptions{.name = given});
  throw_invalid_argument("metrics::get", "metric",
                         "expected one of mse, mae, rmse, accuracy, binary_accuracy, categorical_accuracy, "
                         "sparse_categorical_accuracy, precision, recall, auc, f1_score, f_beta_score",
                         fmt::format("metric=\"{}\"", name));
}

std::unique_ptr<Metric> deserialize(const Json& serialized) {
  if (serialized.is_string()) return get(serialized.get<std::string>());
  if (!serialized.is_object() || !serialized.contains("class_name") || !serialized.at("class_name").is_string())
    throw_invalid_argument("metrics::deserialize", "serialized", "expected a metric name or {\"class_name\", \"config\"}",
                           serialized.dump());
  const auto class_name = serialized.at("class_name").get<std::string>();
  const auto found = classes().find(class_name);
  if (found == classes().end())
    throw_invalid_argument("metrics::deserialize", "class_name", "expected a metric class minidl has", fmt::format("\"{}\"", class_name));
  const Json config = serialized.value("config", Json::object());
  try {
    return found->second(config);
  } catch (const Json::exception& error) {
    throw InvalidArgument(fmt::format("metrics::deserialize: {}: a config value has the wrong type: {}", class_name, error.what()));
  }
}

}  // namespace minidl::metrics
