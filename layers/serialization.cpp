#include <minidl/layers/serialization.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/layers/basic.hpp>
#include <minidl/layers/bidirectional.hpp>
#include <minidl/layers/config_fields.hpp>
#include <minidl/layers/conv1d.hpp>
#include <minidl/layers/conv1d_transpose.hpp>
#include <minidl/layers/depthwise_conv1d.hpp>
#include <minidl/layers/separable_conv1d.hpp>
#include <minidl/layers/dense.hpp>
#include <minidl/layers/input_layer.hpp>
#include <minidl/layers/masking.hpp>
#include <minidl/layers/merging.hpp>
#include <minidl/layers/normalization.hpp>
#include <minidl/layers/pooling1d.hpp>
#include <minidl/layers/recurrent.hpp>
#include <minidl/layers/reshaping.hpp>
#include <minidl/layers/temporal.hpp>
#include <minidl/layers/time_distributed.hpp>

#include <algorithm>
#include <climits>
#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>
#include <mutex>
#include <set>
#include <nlohmann/json.hpp>

namespace minidl::layers {

namespace {

using Json = nlohmann::json;

std::optional<std::string> optional_string(const Json& config, const char* key) {
  if (!config.contains(key) || config.at(key).is_null()) return std::nullopt;
  return config.at(key).get<std::string>();
}

std::pair<std::int64_t, std::int64_t> integer_pair(const Json& value) {
  if (value.is_array()) return {value.at(0).get<std::int64_t>(), value.at(1).get<std::int64_t>()};
  const auto both = value.get<std::int64_t>();
  return {both, both};
}

template <class SomeLayer>
std::unique_ptr<Layer> from_options(typename SomeLayer::Options options, const Json& config) {
  read_common_fields(config, options);
  return std::make_unique<SomeLayer>(std::move(options));
}

Pooling1DOptions pooling_options(const Json& config) {
  Pooling1DOptions options;
  if (config.contains("pool_size")) options.pool_size = single_integer(config.at("pool_size"), "Pooling1D.from_config", "pool_size");
  if (config.contains("strides") && !config.at("strides").is_null())
    options.strides = single_integer(config.at("strides"), "Pooling1D.from_config", "strides");
  options.padding = config.value("padding", std::string("valid"));
  options.data_format = optional_string(config, "data_format");
  return options;
}

GlobalPooling1DOptions global_pooling_options(const Json& config) {
  return {.data_format = optional_string(config, "data_format"), .keepdims = config.value("keepdims", false)};
}

// The weight rules the two normalization layers share.
template <class Options>
void read_normalization(const Json& config, Options& options) {
  options.epsilon = config.value("epsilon", options.epsilon);
  options.center = config.value("center", true);
  options.scale = config.value("scale", true);
  if (config.contains("beta_initializer"))
    options.beta_initializer = initializers::Initializer::from_config(config.at("beta_initializer"));
  if (config.contains("gamma_initializer"))
    options.gamma_initializer = initializers::Initializer::from_config(config.at("gamma_initializer"));
  options.beta_regularizer = regularizers::Regularizer::from_config(config.value("beta_regularizer", Json()));
  options.gamma_regularizer = regularizers::Regularizer::from_config(config.value("gamma_regularizer", Json()));
  options.beta_constraint = constraints::Constraint::from_config(config.value("beta_constraint", Json()));
  options.gamma_constraint = constraints::Constraint::from_config(config.value("gamma_constraint", Json()));
}

std::map<std::string, LayerFactory> built_in_layers() {
  std::map<std::string, LayerFactory> factories;
  factories["Conv1D"] = [](const Json& config) -> std::unique_ptr<Layer> { return Conv1D::from_config(config); };
  factories["Conv1DTranspose"] = [](const Json& config) -> std::unique_ptr<Layer> {
    return Conv1DTranspose::from_config(config);
  };
  factories["DepthwiseConv1D"] = [](const Json& config) -> std::unique_ptr<Layer> {
    return DepthwiseConv1D::from_config(config);
  };
  factories["SeparableConv1D"] = [](const Json& config) -> std::unique_ptr<Layer> {
    return SeparableConv1D::from_config(config);
  };
  factories["Dense"] = [](const Json& config) -> std::unique_ptr<Layer> { return Dense::from_config(config); };
  factories["SimpleRNN"] = [](const Json& config) -> std::unique_ptr<Layer> { return SimpleRNN::from_config(config); };
  factories["LSTM"] = [](const Json& config) -> std::unique_ptr<Layer> { return LSTM::from_config(config); };
  factories["GRU"] = [](const Json& config) -> std::unique_ptr<Layer> { return GRU::from_config(config); };
  factories["Bidirectional"] = [](const Json& config) -> std::unique_ptr<Layer> { return Bidirectional::from_config(config); };
  factories["TimeDistributed"] = [](const Json& config) -> std::unique_ptr<Layer> { return TimeDistributed::from_config(config); };
  factories["Flatten"] = [](const Json& config) {
    return from_options<Flatten>({.data_format = optional_string(config, "data_format")}, config);
  };
  factories["Reshape"] = [](const Json& config) {
    return from_options<Reshape>({.target_shape = config.at("target_shape").get<Shape>()}, config);
  };
  factories["Masking"] = [](const Json& config) {
    check_known_arguments(config, "Masking.from_config", {"mask_value"});
    return from_options<Masking>({.mask_value = config.value("mask_value", 0.0)}, config);
  };
  factories["Activation"] = [](const Json& config) {
    return from_options<Activation>({.activation = config.at("activation").get<std::string>()}, config);
  };
  factories["Dropout"] = [](const Json& config) {
    DropoutOptions options{.rate = config.at("rate").get<double>()};
    if (config.contains("seed") && !config.at("seed").is_null()) options.seed = config.at("seed").get<std::uint64_t>();
    return from_options<Dropout>(options, config);
  };
  factories["SpatialDropout1D"] = [](const Json& config) {
    check_known_arguments(config, "SpatialDropout1D.from_config", {"rate", "seed"});
    SpatialDropout1DOptions options{.rate = config.at("rate").get<double>()};
    if (config.contains("seed") && !config.at("seed").is_null()) options.seed = config.at("seed").get<std::uint64_t>();
    return from_options<SpatialDropout1D>(options, config);
  };
  factories["GlobalAveragePooling1D"] = [](const Json& config) {
    return from_options<GlobalAveragePooling1D>(global_pooling_options(config), config);
  };
  factories["GlobalMaxPooling1D"] = [](const Json& config) {
    return from_options<GlobalMaxPooling1D>(global_pooling_options(config), config);
  };
  factories["MaxPooling1D"] = [](const Json& config) { return from_options<MaxPooling1D>(pooling_options(config), config); };
  factories["AveragePooling1D"] = [](const Json& config) { return from_options<AveragePooling1D>(pooling_options(config), config); };
  factories["ZeroPadding1D"] = [](const Json& config) {
    return from_options<ZeroPadding1D>({.padding = integer_pair(config.value("padding", Json(1))),
                                .data_format = optional_string(config, "data_format")},
                               config);
  };
  factories["Cropping1D"] = [](const Json& config) {
    return from_options<Cropping1D>({.cropping = integer_pair(config.value("cropping", Json(1)))}, config);
  };
  factories["UpSampling1D"] = [](const Json& config) {
    return from_options<UpSampling1D>({.size = config.value("size", std::int64_t{2})}, config);
  };
  factories["LayerNormalization"] = [](const Json& config) {
    LayerNormalizationOptions options;
    const Json axis = config.value("axis", Json(-1));
    options.axis = axis.is_array() ? AxisList(axis.get<std::vector<std::int64_t>>()) : AxisList(axis.get<std::int64_t>());
    if (config.value("rms_scaling", false))
      throw_invalid_argument("LayerNormalization.from_config", "rms_scaling", "not supported; expected false", "true");
    read_normalization(config, options);
    return from_options<LayerNormalization>(std::move(options), config);
  };
  factories["BatchNormalization"] = [](const Json& config) {
    BatchNormalizationOptions options;
    options.axis = config.value("axis", std::int64_t{-1});
    options.momentum = config.value("momentum", options.momentum);
    if (config.value("renorm", false))
      throw_invalid_argument("BatchNormalization.from_config", "renorm", "batch renormalization is not supported; expected false",
                             "true");
    read_normalization(config, options);
    if (config.contains("moving_mean_initializer"))
      options.moving_mean_initializer = initializers::Initializer::from_config(config.at("moving_mean_initializer"));
    if (config.contains("moving_variance_initializer"))
      options.moving_variance_initializer = initializers::Initializer::from_config(config.at("moving_variance_initializer"));
    return from_options<BatchNormalization>(std::move(options), config);
  };
  factories["InputLayer"] = [](const Json& config) -> std::unique_ptr<Layer> { return InputLayer::from_config(config); };
  factories["Add"] = [](const Json& config) { return from_options<Add>({}, config); };
  factories["Concatenate"] = [](const Json& config) {
    return from_options<Concatenate>({.axis = config.value("axis", std::int64_t{-1})}, config);
  };
  return factories;
}

struct Registry {
  std::mutex mutex;
  std::map<std::string, LayerFactory> factories = built_in_layers();
  // The classes whose get_config() writes every argument their factory reads: minidl's own, until
  // register_layer replaces one.
  std::set<std::string> complete_configs = [this] {
    std::set<std::string> names;
    for (const auto& entry : factories) names.insert(entry.first);
    return names;
  }();
};

Registry& registry() {
  static Registry instance;
  return instance;
}

// Python's json writes an int without a decimal point: a float where the layer keeps an integer
// ("filters": 2.7, or 4.0) is not Keras's config, and Keras's constructors refuse it rather than
// truncate (its BatchNormalization alone takes int(axis), and so does minidl's).
void check_integers_kept(const Json& given, const Json& kept, const std::string& where, const std::string& argument) {
  // Keras writes a 1D layer's sizes as lists ("pool_size": [2]) and reads a bare number too.
  const bool kept_integers = kept.is_number_integer() || (kept.is_array() && !kept.empty() &&
                                                          std::all_of(kept.begin(), kept.end(), [](const Json& item) { return item.is_number_integer(); }));
  if (given.is_number_float() && kept_integers)
    throw_invalid_argument(where, argument, "expected an integer", fmt::format("{}={}", argument, given.dump()));
  if (given.is_array() && kept.is_array() && given.size() == kept.size())
    for (std::size_t i = 0; i < given.size(); ++i) check_integers_kept(given.at(i), kept.at(i), where, argument);
  if (given.is_object() && kept.is_object())
    for (const auto& [key, value] : given.items())
      if (kept.contains(key)) check_integers_kept(value, kept.at(key), where, argument);
}

// Keras's from_config passes the config to the constructor as keywords: a key the layer does not
// take ("activaton") is an error there, and here, since the layer's own config names every
// argument it takes. Nested layers are checked when they are deserialized themselves.
void check_config_read_whole(const Json& given, const Json& kept, const std::string& class_name) {
  const std::string where = class_name + ".from_config";
  for (const auto& [key, value] : given.items()) {
    // Keras 2's spelling, which InputLayer still reads (and writes as batch_shape).
    if (class_name == "InputLayer" && key == "batch_input_shape") continue;
    if (!kept.contains(key))
      throw InvalidArgument(fmt::format("{}: unrecognized argument `{}` (received {}={}); Keras's {} does not take it", where, key,
                                        key, value.dump(), class_name));
    const bool nested_layer = key == "layer" || key == "backward_layer";
    const bool truncated_as_keras_does = class_name == "BatchNormalization" && key == "axis";
    if (!nested_layer && !truncated_as_keras_does) check_integers_kept(value, kept.at(key), where, key);
  }
}

}  // namespace

void register_layer(const std::string& class_name, LayerFactory factory) {
  auto& known = registry();
  std::lock_guard lock(known.mutex);
  known.factories[class_name] = std::move(factory);
  known.complete_configs.erase(class_name);
}

Json shape_to_json(const Shape& shape) {
  Json result = Json::array();
  for (std::size_t axis = 0; axis < shape.size(); ++axis) result.push_back(axis == 0 ? Json(nullptr) : Json(shape[axis]));
  return result;
}

Shape shape_from_json(const Json& shape, std::int64_t batch) {
  if (!shape.is_array()) throw InvalidArgument(fmt::format("expected a shape (a list of integers), received {}", shape.dump()));
  Shape result;
  for (const auto& extent : shape) {
    const auto value = extent.is_null() ? batch : extent.get<std::int64_t>();
    if (value < 0 || value > largest_element_count)
      throw InvalidArgument(fmt::format("expected a shape of extents within [0, 2^40], received {}", shape.dump()));
    result.push_back(value);
  }
  return result;
}

Json Layer::serialized() const {
  Json entry = {{"module", "keras.layers"}, {"class_name", class_name()}, {"config", get_config()}, {"registered_name", nullptr}};
  // Keras records a build_config for the layers with a build step of their own: those with
  // weights, and these built-in classes that define build() without weights.
  static const std::set<std::string> built_by_shape = {"Add", "Concatenate", "Cropping1D", "Flatten", "UpSampling1D",
                                                       "ZeroPadding1D"};
  if (weights().empty() && !built_by_shape.count(class_name())) return entry;
  if (!build_input_shapes().empty()) {
    Json shapes = Json::array();
    for (const auto& shape : build_input_shapes()) shapes.push_back(shape_to_json(shape));
    entry["build_config"] = {{"input_shape", shapes}};
  } else if (build_input_shape()) {
    entry["build_config"] = {{"input_shape", shape_to_json(*build_input_shape())}};
  }
  return entry;
}

Json serialize(const Layer& layer) { return layer.serialized(); }

const Json* find_unreadable_number(const Json& config) {
  constexpr double largest_float = 9007199254740992.0;  // 2^53
  if ((config.is_number_float() && !(std::abs(config.get<double>()) <= largest_float)) ||
      (config.is_number_unsigned() && config.get<std::uint64_t>() > std::uint64_t(INT64_MAX)))
    return &config;
  if (config.is_structured())
    for (const auto& item : config)
      if (const Json* found = find_unreadable_number(item)) return found;
  return nullptr;
}

std::unique_ptr<Layer> deserialize(const Json& serialized) {
  if (!serialized.is_object() || !serialized.contains("class_name") || !serialized.at("class_name").is_string())
    throw InvalidArgument(fmt::format("layers::deserialize: expected an object with a \"class_name\", received {:.200}",
                                      serialized.dump()));
  const auto class_name = serialized.at("class_name").get<std::string>();
  if (const Json* number = find_unreadable_number(serialized))
    throw InvalidArgument(fmt::format("layers::deserialize: the config of {} holds the number {}, beyond what any argument takes",
                                      class_name, number->dump()));
  LayerFactory factory;
  bool complete_config = false;
  {
    auto& known = registry();
    std::lock_guard lock(known.mutex);
    const auto found = known.factories.find(class_name);
    if (found == known.factories.end()) {
      std::vector<std::string> names;
      for (const auto& entry : known.factories) names.push_back(entry.first);
      throw InvalidArgument(fmt::format("layers::deserialize: unknown layer class '{}' (minidl has {}); a class of your "
                                        "own needs layers::register_layer",
                                        class_name, fmt::join(names, ", ")));
    }
    factory = found->second;
    complete_config = known.complete_configs.count(class_name) > 0;
  }
  const Json config = serialized.value("config", Json::object());
  try {
    auto layer = factory(config);
    if (!layer) throw InvalidArgument(fmt::format("layers::deserialize: the factory registered for '{}' returned no layer", class_name));
    if (complete_config) check_config_read_whole(config, layer->get_config(), class_name);
    layer->set_trainable(config.value("trainable", true));
    // A merge layer's build_config holds a list of shapes, and nothing to build.
    const Json build_shape = serialized.contains("build_config") ? serialized.at("build_config").value("input_shape", Json()) : Json();
    if (build_shape.is_array() && !(build_shape.size() > 0 && build_shape.at(0).is_array()))
      layer->build(shape_from_json(build_shape));
    return layer;
  } catch (const nlohmann::json::exception& error) {
    throw InvalidArgument(fmt::format("layers::deserialize: the config of {} is malformed: {}", class_name, error.what()));
  } catch (const InvalidArgument& error) {
    throw InvalidArgument(fmt::format("layers::deserialize: {}: {}", class_name, error.what()));
  } catch (const StateError& error) {  // a config that leaves the layer unusable, such as a model without layers
    throw InvalidArgument(fmt::format("layers::deserialize: {}: {}", class_name, error.what()));
  }
}

}  // namespace minidl::layers
