// Keras's get_config() of SimpleRNN, LSTM and GRU, and reading it back. use_cudnn (an
// implementation choice) is accepted and not kept; a SimpleRNN's config has no seed, as Keras's.
#include <minidl/layers/recurrent.hpp>

#include <minidl/layers/config_fields.hpp>
#include <minidl/layers/kernel_bias_options.hpp>

#include <nlohmann/json.hpp>

namespace minidl::layers {

namespace {

using Json = nlohmann::json;

template <class Options>
void write_common(const Options& options, const regularizers::Regularizer& activity_regularizer, Json& config) {
  config["return_sequences"] = options.return_sequences;
  config["return_state"] = options.return_state;
  config["go_backwards"] = options.go_backwards;
  config["stateful"] = options.stateful;
  config["unroll"] = options.unroll;
  config["zero_output_for_mask"] = options.zero_output_for_mask;
  config["units"] = options.units;
  write_kernel_and_bias(options, activity_regularizer, config);
  if constexpr (requires { options.recurrent_activation; }) config["recurrent_activation"] = options.recurrent_activation.name();
  config["recurrent_initializer"] = options.recurrent_initializer.get_config();
  config["recurrent_regularizer"] = options.recurrent_regularizer.get_config();
  config["recurrent_constraint"] = options.recurrent_constraint.get_config();
  config["dropout"] = options.dropout;
  config["recurrent_dropout"] = options.recurrent_dropout;
}

template <class Options>
Options read_common(const Json& config, const char* where, std::initializer_list<std::string_view> own_arguments) {
  std::vector<std::string_view> arguments = {"return_sequences", "return_state", "go_backwards", "stateful", "unroll", "zero_output_for_mask",
                                             "units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
                                             "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                                             "activity_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint",
                                             "dropout", "recurrent_dropout", "seed"};
  arguments.insert(arguments.end(), own_arguments.begin(), own_arguments.end());
  for (const auto& [key, value] : config.items())
    if (key != "name" && key != "trainable" && key != "dtype" && std::find(arguments.begin(), arguments.end(), key) == arguments.end())
      throw InvalidArgument(fmt::format("{}: unrecognized argument `{}` (received {}={}); Keras's layer does not take it", where, key, key,
                                        value.dump()));
  if (config.contains("use_cudnn") && config.at("use_cudnn") != "auto" && !config.at("use_cudnn").is_boolean())
    throw_invalid_argument(where, "use_cudnn", "expected \"auto\", true or false", config.at("use_cudnn").dump());
  Options options;
  options.units = config.at("units").get<std::int64_t>();
  if (config.contains("activation") && !config.at("activation").is_null()) options.activation = config.at("activation").get<std::string>();
  else if (config.contains("activation")) options.activation = "linear";
  // Keras reads an activation of None as linear.
  if constexpr (requires { options.recurrent_activation; })
    if (config.contains("recurrent_activation"))
      options.recurrent_activation =
          config.at("recurrent_activation").is_null() ? std::string("linear") : config.at("recurrent_activation").get<std::string>();
  options.use_bias = config.value("use_bias", true);
  if (config.contains("kernel_initializer")) options.kernel_initializer = initializers::Initializer::from_config(config.at("kernel_initializer"));
  if (config.contains("recurrent_initializer"))
    options.recurrent_initializer = initializers::Initializer::from_config(config.at("recurrent_initializer"));
  if (config.contains("bias_initializer")) options.bias_initializer = initializers::Initializer::from_config(config.at("bias_initializer"));
  options.kernel_regularizer = regularizers::Regularizer::from_config(config.value("kernel_regularizer", Json()));
  options.recurrent_regularizer = regularizers::Regularizer::from_config(config.value("recurrent_regularizer", Json()));
  options.bias_regularizer = regularizers::Regularizer::from_config(config.value("bias_regularizer", Json()));
  options.activity_regularizer = regularizers::Regularizer::from_config(config.value("activity_regularizer", Json()));
  options.kernel_constraint = constraints::Constraint::from_config(config.value("kernel_constraint", Json()));
  options.recurrent_constraint = constraints::Constraint::from_config(config.value("recurrent_constraint", Json()));
  options.bias_constraint = constraints::Constraint::from_config(config.value("bias_constraint", Json()));
  options.return_sequences = config.value("return_sequences", false);
  options.return_state = config.value("return_state", false);
  options.go_backwards = config.value("go_backwards", false);
  options.stateful = config.value("stateful", false);
  options.unroll = config.value("unroll", false);
  options.zero_output_for_mask = config.value("zero_output_for_mask", false);
  options.dropout = config.value("dropout", 0.0);
  options.recurrent_dropout = config.value("recurrent_dropout", 0.0);
  if (config.contains("seed") && !config.at("seed").is_null()) options.seed = config.at("seed").get<std::uint64_t>();
  read_common_fields(config, options);
  return options;
}

}  // namespace

Json SimpleRNN::get_config() const {
  auto config = Layer::get_config();
  write_common(options_, activity_regularizer(), config);
  return config;
}

std::unique_ptr<SimpleRNN> SimpleRNN::from_config(const Json& config) {
  return std::make_unique<SimpleRNN>(read_common<SimpleRNNOptions>(config, "SimpleRNN.from_config", {}));
}

Json LSTM::get_config() const {
  auto config = Layer::get_config();
  write_common(options_, activity_regularizer(), config);
  config["unit_forget_bias"] = options_.unit_forget_bias;
  config["seed"] = options_.seed ? Json(*options_.seed) : Json(nullptr);
  return config;
}

std::unique_ptr<LSTM> LSTM::from_config(const Json& config) {
  auto options = read_common<LSTMOptions>(config, "LSTM.from_config", {"recurrent_activation", "unit_forget_bias", "use_cudnn"});
  options.unit_forget_bias = config.value("unit_forget_bias", true);
  return std::make_unique<LSTM>(std::move(options));
}

Json GRU::get_config() const {
  auto config = Layer::get_config();
  write_common(options_, activity_regularizer(), config);
  config["reset_after"] = options_.reset_after;
  config["seed"] = options_.seed ? Json(*options_.seed) : Json(nullptr);
  return config;
}

std::unique_ptr<GRU> GRU::from_config(const Json& config) {
  auto options = read_common<GRUOptions>(config, "GRU.from_config", {"recurrent_activation", "reset_after", "use_cudnn"});
  options.reset_after = config.value("reset_after", true);
  return std::make_unique<GRU>(std::move(options));
}

}  // namespace minidl::layers
