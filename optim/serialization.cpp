#include <minidl/optim/serialization.hpp>

#include <minidl/core/errors.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::optim {

namespace {

using Json = nlohmann::json;

std::optional<double> optional_number(const Json& config, const char* key) {
  if (!config.contains(key) || config.at(key).is_null()) return std::nullopt;
  return config.at(key).get<double>();
}

// Fills the shared arguments of any options struct from a Keras config.
template <class Options>
Options with_shared(Options options, const Json& config) {
  if (config.contains("learning_rate")) options.learning_rate = LearningRate::from_config(config.at("learning_rate"));
  if constexpr (std::is_same_v<decltype(options.weight_decay), std::optional<double>>)
    options.weight_decay = optional_number(config, "weight_decay");
  else if (config.contains("weight_decay") && !config.at("weight_decay").is_null())
    options.weight_decay = config.at("weight_decay").get<double>();
  options.clipnorm = optional_number(config, "clipnorm");
  options.clipvalue = optional_number(config, "clipvalue");
  options.global_clipnorm = optional_number(config, "global_clipnorm");
  options.name = config.value("name", std::string());
  return options;
}

}  // namespace

std::unique_ptr<Optimizer> from_config(const Json& serialized) {
  const std::string class_name = serialized.at("class_name");
  const Json config = serialized.value("config", Json::object());
  if (class_name == "SGD") {
    auto options = with_shared(SGDOptions{}, config);
    options.momentum = config.value("momentum", 0.0);
    options.nesterov = config.value("nesterov", false);
    return std::make_unique<SGD>(std::move(options));
  }
  if (class_name == "Adam" || class_name == "AdamW") {
    auto read = [&](auto options) {
      options.beta_1 = config.value("beta_1", 0.9);
      options.beta_2 = config.value("beta_2", 0.999);
      options.epsilon = config.value("epsilon", 1e-7);
      options.amsgrad = config.value("amsgrad", false);
      return options;
    };
    if (class_name == "Adam") return std::make_unique<Adam>(read(with_shared(AdamOptions{}, config)));
    return std::make_unique<AdamW>(read(with_shared(AdamWOptions{}, config)));
  }
  if (class_name == "RMSprop") {
    auto options = with_shared(RMSpropOptions{}, config);
    options.rho = config.value("rho", 0.9);
    options.momentum = config.value("momentum", 0.0);
    options.epsilon = config.value("epsilon", 1e-7);
    options.centered = config.value("centered", false);
    return std::make_unique<RMSprop>(std::move(options));
  }
  if (class_name == "Adagrad") {
    auto options = with_shared(AdagradOptions{}, config);
    options.initial_accumulator_value = config.value("initial_accumulator_value", 0.1);
    options.epsilon = config.value("epsilon", 1e-7);
    return std::make_unique<Adagrad>(std::move(options));
  }
  if (class_name == "Adadelta") {
    auto options = with_shared(AdadeltaOptions{}, config);
    options.rho = config.value("rho", 0.95);
    options.epsilon = config.value("epsilon", 1e-7);
    return std::make_unique<Adadelta>(std::move(options));
  }
  if (class_name == "Adamax" || class_name == "Nadam") {
    auto read = [&](auto options) {
      options.beta_1 = config.value("beta_1", 0.9);
      options.beta_2 = config.value("beta_2", 0.999);
      options.epsilon = config.value("epsilon", 1e-7);
      return options;
    };
    if (class_name == "Adamax") return std::make_unique<Adamax>(read(with_shared(AdamaxOptions{}, config)));
    return std::make_unique<Nadam>(read(with_shared(NadamOptions{}, config)));
  }
  throw_invalid_argument("optim::from_config", "class_name",
                         "expected one of SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam",
                         fmt::format("class_name=\"{}\"", class_name));
}

std::unique_ptr<Optimizer> get(std::string_view name) {
  std::string lowered(name);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lowered == "sgd") return std::make_unique<SGD>();
  if (lowered == "adam") return std::make_unique<Adam>();
  if (lowered == "adamw") return std::make_unique<AdamW>();
  if (lowered == "rmsprop") return std::make_unique<RMSprop>();
  if (lowered == "adagrad") return std::make_unique<Adagrad>();
  if (lowered == "adadelta") return std::make_unique<Adadelta>();
  if (lowered == "adamax") return std::make_unique<Adamax>();
  if (lowered == "nadam") return std::make_unique<Nadam>();
  throw_invalid_argument("optim::get", "optimizer", "expected one of sgd, adam, adamw, rmsprop, adagrad, adadelta, adamax, nadam",
                         fmt::format("optimizer=\"{}\"", name));
}

}  // namespace minidl::optim
