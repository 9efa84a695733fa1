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

std::vector<std::vector<MetricSpec>> metrics_per_output(const OutputMetrics& metrics, const std::vector<std::string>& names,
                                                        const std::string& where, const char* argument) {
  if (const auto& list = metrics.by_position()) {
    if (list->size() != names.size())
      throw_invalid_argument(where, argument,
                             fmt::format("expected a list of {} metric lists (one per output: {})", names.size(),
                                         fmt::join(names, ", ")),
                             fmt::format("a list of {}", list->size()));
    return *list;
  }
  std::vector<std::vector<MetricSpec>> result(names.size());
  if (const auto& by_name = metrics.by_name()) {
    for (const auto& [key, list] : *by_name) {
      const auto found = std::find(names.begin(), names.end(), key);
      if (found == names.end())
        throw_invalid_argument(where, argument, fmt::format("expected output names among {}", quoted(names)),
                               fmt::format("a dict with the key '{}'", key));
      result[std::size_t(found - names.begin())] = list;
    }
    return result;
  }
  // With several outputs, Keras reads a flat list as one metric per output, and refuses any
  // other length.
  const auto& flat = metrics.every();
  if (names.size() > 1 && !flat.empty()) {
    if (flat.size() != names.size()) {
      std::vector<std::string> given;
      for (const auto& spec : flat) {
        const Json config = spec.config();
        given.push_back(config.is_string() ? config.get<std::string>() : config.dump());
      }
      throw_invalid_argument(where, argument,
                             fmt::format("expected one list of metrics per output for a model of {} outputs ({}), by name or "
                                         "position, or a flat list of one metric per output",
                                         names.size(), fmt::join(names, ", ")),
                             fmt::format("the flat list [{}]", fmt::join(given, ", ")));
    }
    for (std::size_t i = 0; i < names.size(); ++i) result[i] = {flat[i]};
    return result;
  }
  if (!names.empty()) result[0] = metrics.every();
  return result;
}

std::vector<MetricSpec> metric_list_from_config(const Json& list) {
  std::vector<MetricSpec> specs;
  for (const auto& item : list) specs.push_back(MetricSpec::from_config(item));
  return specs;
}

// compile_config()'s "metrics" or "weighted_metrics": a list, a list of lists, or a dict of lists.
OutputMetrics metrics_from_config(const Json& config) {
  if (config.is_object()) {
    std::map<std::string, std::vector<MetricSpec>> by_name;
    for (const auto& [name, list] : config.items()) by_name.emplace(name, metric_list_from_config(list));
    return by_name;
  }
  if (config.is_array() && !config.empty() && config.at(0).is_array()) {
    std::vector<std::vector<MetricSpec>> by_position;
    for (const auto& list : config) by_position.push_back(metric_list_from_config(list));
    return by_position;
  }
  if (config.is_array()) return metric_list_from_config(config);
  return {};
}

Json metric_list_config(const std::vector<MetricSpec>& list) {
  Json config = Json::array();
  for (const auto& spec : list) config.push_back(spec.config());
  return config;
}

// As compile() was given them: null for none.
Json metrics_config(const OutputMetrics& metrics) {
  if (const auto& lists = metrics.by_position()) {
    Json config = Json::array();
    for (const auto& list : *lists) config.push_back(metric_list_config(list));
    return config;
  }
  if (const auto& by_name = metrics.by_name()) {
    Json config = Json::object();
    for (const auto& [name, list] : *by_name) config[name] = metric_list_config(list);
    return config;
  }
  return metrics.every().empty() ? Json(nullptr) : metric_list_config(metrics.every());
}

// As Keras's compile_config: a loss given by name stays its name.
Json serialized_loss(const std::optional<losses::Loss>& loss) {
  if (!loss) return nullptr;
  if (const auto name = loss->given_name()) return *name;
  return loss->serialize();
}

}  // namespace

std::unique_ptr<metrics::Metric> MetricSpec::make() const { return object_ ? fresh_copy_() : metrics::get(name_); }

Json MetricSpec::config() const { return object_ ? object_->serialize() : Json(name_); }

MetricSpec MetricSpec::from_config(const Json& config) {
  if (config.is_string()) return MetricSpec(config.get<std::string>());
  MetricSpec spec;
  spec.object_ = metrics::deserialize(config);
  spec.fresh_copy_ = [config] { return metrics::deserialize(config); };
  return spec;
}

void Model::compile(std::unique_ptr<optim::Optimizer> optimizer, losses::Loss loss, std::vector<MetricSpec> metrics) {
  compile(std::move(optimizer), CompileOptions{.loss = std::optional<losses::Loss>(std::move(loss)), .metrics = std::move(metrics)});
}

void Model::compile(std::unique_ptr<optim::Optimizer> optimizer, CompileOptions options) {
  if (!optimizer) throw_invalid_argument(where(), "optimizer", "expected an optimizer", "a null pointer");
  if (!options.loss.given()) throw_invalid_argument(where(), "loss", "expected a loss", "none");
  const auto names = output_names();
  const auto losses = per_output(options.loss, names, std::optional<losses::Loss>(), where(), "loss");
  const auto weights = per_output(options.loss_weights, names, 1.0, where(), "loss_weights");
  const auto plain = metrics_per_output(options.metrics, names, where(), "metrics");
  const auto weighted = metrics_per_output(options.weighted_metrics, names, where(), "weighted_metrics");
  std::vector<CompiledOutput> outputs(names.size());
  bool any_loss = false;
  // Keras's log names: the metric's, after its output's where there are several; a repeated one
  // gets _1, _2, ..., and a weighted metric named as a plain one "weighted_" in front.
  std::map<std::string, int> used;
  const auto unique = [&](std::string log) {
    const int count = used[log]++;
    return count == 0 ? log : fmt::format("{}_{}", log, count);
  };
  const auto prefixed = [&](std::size_t output, const std::string& name) {
    return names.size() > 1 ? fmt::format("{}_{}", names[output], name) : name;
  };
  for (std::size_t i = 0; i < names.size(); ++i) {
    outputs[i].name = names[i];
    if (losses[i]) outputs[i].loss = losses[i]->validated(where(), "loss");
    any_loss = any_loss || losses[i].has_value();
    outputs[i].loss_weight = weights[i];
    for (const auto& spec : plain[i]) {
      auto& metric = outputs[i].metrics.emplace_back(CompiledMetric{.metric = spec.make(), .weighted = false, .log = {}});
      metric.log = unique(prefixed(i, metric.metric->name()));
    }
  }
  for (std::size_t i = 0; i < names.size(); ++i)
    for (const auto& spec : weighted[i]) {
      auto& metric = outputs[i].metrics.emplace_back(CompiledMetric{.metric = spec.make(), .weighted = true, .log = {}});
      const std::string log = prefixed(i, metric.metric->name());
      metric.log = used.count(log) ? unique(prefixed(i, "weighted_" + metric.metric->name())) : unique(log);
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
  Json config = {{"optimizer", {{"module", "keras.optimizers"},
                                {"class_name", optimizer_->class_name()},
                                {"config", optimizer_->get_config()},
                                {"registered_name", nullptr}}},
                 {"loss", losses},
                 {"loss_weights", nullptr},
                 {"metrics", metrics_config(compile_options_.metrics)},
                 {"weighted_metrics", metrics_config(compile_options_.weighted_metrics)},
                 // compile() arguments minidl does not take, at Keras's defaults.
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
  options.metrics = metrics_from_config(config.value("metrics", Json()));
  options.weighted_metrics = metrics_from_config(config.value("weighted_metrics", Json()));
  return options;
}

}  // namespace minidl::models
