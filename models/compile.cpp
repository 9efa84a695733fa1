// Model::compile: the optimizer, and each output's loss, loss weight and metrics resolved against
// the model's output names; compile_config() and back.
#include <minidl/models/model.hpp>

#include <minidl/core/errors.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <set>

namespace minidl::models {

namespace {

using Json = nlohmann::json;

std::string quoted(const std::vector<std::string>& names) {
  std::vector<std::string> items;
  for (const auto& name : names) items.push_back(fmt::format("'{}'", name));
  return fmt::format("[{}]", fmt::join(items, ", "));
}

template <class T>
std::vector<std::string> keys_of(const std::map<std::string, T>& by_name) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : by_name) keys.push_back(key);
  return keys;
}

// One value per output from `setting`, or `fallback` for every output when it is not given.
template <class T>
std::vector<T> per_output(const PerOutput<T>& setting, const std::vector<std::string>& names, const T& fallback,
                          const std::string& where, const char* argument) {
  if (setting.every()) return std::vector<T>(names.size(), *setting.every());
  if (const auto& list = setting.by_position()) {
    if (list->size() != names.size())
      throw_invalid_argument(where, argument,
                             fmt::format("expected a list of {} (one per output: {})", names.size(), fmt::join(names, ", ")),
                             fmt::format("a list of {}", list->size()));
    return *list;
  }
  if (const auto& by_name = setting.by_name()) {
    const auto keys = keys_of(*by_name);
    if (std::set<std::string>(names.begin(), names.end()) != std::set<std::string>(keys.begin(), keys.end()))
      throw InvalidArgument(fmt::format("{}: invalid argument `{}`: Expected keys {} in {} dict, but found {}.keys()={}", where,
                                        argument, quoted(names), argument, argument, quoted(keys)));
    std::vector<T> values;
    for (const auto& name : names) values.push_back(by_name->at(name));
    return values;
  }
  return std::vector<T>(names.size(), fallback);
}

std::vector<std::vector<std::string>> metrics_per_output(const OutputMetrics& metrics, const std::vector<std::string>& names,
                                                         const std::string& where) {
  if (const auto& list = metrics.by_position()) {
    if (list->size() != names.size())
      throw_invalid_argument(where, "metrics",
                             fmt::format("expected a list of {} metric lists (one per output: {})", names.size(),
                                         fmt::join(names, ", ")),
                             fmt::format("a list of {}", list->size()));
    return *list;
  }
  std::vector<std::vector<std::string>> result(names.size());
  if (const auto& by_name = metrics.by_name()) {
    for (const auto& [key, list] : *by_name) {
      const auto found = std::find(names.begin(), names.end(), key);
      if (found == names.end())
        throw_invalid_argument(where, "metrics", fmt::format("expected output names among {}", quoted(names)),
                               fmt::format("a dict with the key '{}'", key));
      result[std::size_t(found - names.begin())] = list;
    }
    return result;
  }
  // With several outputs, Keras reads a flat list as one metric per output, and refuses any
  // other length.
  const auto& flat = metrics.every();
  if (names.size() > 1 && !flat.empty()) {
    if (flat.size() != names.size())
      throw_invalid_argument(where, "metrics",
                             fmt::format("expected one list of metrics per output for a model of {} outputs ({}), by name or "
                                         "position, or a flat list of one metric per output",
                                         names.size(), fmt::join(names, ", ")),
                             fmt::format("the flat list [{}]", fmt::join(flat, ", ")));
    for (std::size_t i = 0; i < names.size(); ++i) result[i] = {flat[i]};
    return result;
  }
  if (!names.empty()) result[0] = metrics.every();
  return result;
}

// As Keras's compile_config: a loss given by name stays its name.
Json serialized_loss(const std::optional<losses::Loss>& loss) {
  if (!loss) return nullptr;
  if (const auto name = loss->given_name()) return *name;
  return loss->serialize();
}

}  // namespace

void Model::compile(std::unique_ptr<optim::Optimizer> optimizer, losses::Loss loss, std::vector<std::string> metrics) {
  compile(std::move(optimizer), CompileOptions{.loss = std::optional<losses::Loss>(std::move(loss)), .metrics = std::move(metrics)});
}

void Model::compile(std::unique_ptr<optim::Optimizer> optimizer, CompileOptions options) {
  if (!optimizer) throw_invalid_argument(where(), "optimizer", "expected an optimizer", "a null pointer");
  if (!options.loss.given()) throw_invalid_argument(where(), "loss", "expected a loss", "none");
  const auto names = output_names();
  const auto losses = per_output(options.loss, names, std::optional<losses::Loss>(), where(), "loss");
  const auto weights = per_output(options.loss_weights, names, 1.0, where(), "loss_weights");
  const auto metric_names = metrics_per_output(options.metrics, names, where());
  std::vector<CompiledOutput> outputs(names.size());
  bool any_loss = false;
  for (std::size_t i = 0; i < names.size(); ++i) {
    outputs[i].name = names[i];
    if (losses[i]) outputs[i].loss = losses[i]->validated(where(), "loss");
    any_loss = any_loss || losses[i].has_value();
    outputs[i].loss_weight = weights[i];
    for (const auto& metric : metric_names[i]) {
      outputs[i].metrics.push_back(metrics::get(metric));
      outputs[i].metric_logs.push_back(names.size() > 1 ? fmt::format("{}_{}", names[i], metric) : metric);
    }
  }
  if (!any_loss) throw_invalid_argument(where(), "loss", "expected a loss for at least one output", "none for every output");
  optimizer_ = std::move(optimizer);
  compiled_outputs_ = std::move(outputs);
  compile_options_ = std::move(options);
}

Json Model::compile_config() const {
  if (!compiled()) return nullptr;
  const auto& loss = compile_options_.loss;
  Json losses;
  if (loss.every()) losses = serialized_loss(*loss.every());
  else if (loss.by_position()) {
    losses = Json::array();
    for (const auto& item : *loss.by_position()) losses.push_back(serialized_loss(item));
  } else {
    losses = Json::object();
    for (const auto& [name, item] : *loss.by_name()) losses[name] = serialized_loss(item);
  }
  const auto& metrics = compile_options_.metrics;
  Json metric_config = metrics.by_position() ? Json(*metrics.by_position())
                       : metrics.by_name()   ? Json(*metrics.by_name())
                       : metrics.every().empty() ? Json(nullptr)
                                                 : Json(metrics.every());
  Json config = {{"optimizer", {{"module", "keras.optimizers"},
                                {"class_name", optimizer_->class_name()},
                                {"config", optimizer_->get_config()},
                                {"registered_name", nullptr}}},
                 {"loss", losses},
                 {"loss_weights", nullptr},
                 {"metrics", metric_config},
                 // compile() arguments minidl does not take, at Keras's defaults.
                 {"weighted_metrics", nullptr},
                 {"run_eagerly", false},
                 {"steps_per_execution", 1},
                 {"jit_compile", false}};
  const auto& weights = compile_options_.loss_weights;
  if (weights.every()) config["loss_weights"] = *weights.every();
  else if (weights.by_position()) config["loss_weights"] = *weights.by_position();
  else if (weights.by_name()) config["loss_weights"] = *weights.by_name();
  return config;
}

Json Model::serialized() const {
  Json entry = Layer::serialized();
  entry["compile_config"] = compiled() ? compile_config() : Json::object();
  return entry;
}

CompileOptions Model::compile_options_from_config(const Json& config) {
  const auto loss_from = [](const Json& item) {
    return item.is_null() ? std::optional<losses::Loss>() : std::optional<losses::Loss>(losses::Loss::deserialize(item));
  };
  CompileOptions options;
  const Json& loss = config.at("loss");
  if (loss.is_array()) {
    std::vector<std::optional<losses::Loss>> list;
    for (const auto& item : loss) list.push_back(loss_from(item));
    options.loss = std::move(list);
  } else if (loss.is_object() && !loss.contains("class_name")) {
    std::map<std::string, std::optional<losses::Loss>> by_name;
    for (const auto& [name, item] : loss.items()) by_name.emplace(name, loss_from(item));
    options.loss = std::move(by_name);
  } else {
    options.loss = loss_from(loss);
  }
  const Json weights = config.value("loss_weights", Json());
  if (weights.is_number()) options.loss_weights = weights.get<double>();
  else if (weights.is_array()) options.loss_weights = weights.get<std::vector<double>>();
  else if (weights.is_object()) options.loss_weights = weights.get<std::map<std::string, double>>();
  const Json metrics = config.value("metrics", Json());
  if (metrics.is_object()) options.metrics = metrics.get<std::map<std::string, std::vector<std::string>>>();
  else if (metrics.is_array() && !metrics.empty() && metrics.at(0).is_array())
    options.metrics = metrics.get<std::vector<std::vector<std::string>>>();
  else if (metrics.is_array()) options.metrics = metrics.get<std::vector<std::string>>();
  return options;
}

}  // namespace minidl::models
