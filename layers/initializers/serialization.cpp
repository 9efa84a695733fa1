// Names, validation and Keras's serialized form of initializers
// (keras/src/initializers/__init__.py and each class's get_config).
#include <minidl/layers/initializers/initializers.hpp>

#include <minidl/core/errors.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>
#include <nlohmann/json.hpp>

namespace minidl::initializers {

namespace {

using Json = nlohmann::json;

// Every name Keras's initializers.get accepts that minidl implements (class names, snake_case
// forms and Keras's extra aliases), to its default configuration.
const std::map<std::string, Initializer::Spec, std::less<>>& by_name() {
  static const std::map<std::string, Initializer::Spec, std::less<>> table = {
      {"Zeros", Zeros{}}, {"zeros", Zeros{}}, {"zero", Zeros{}},
      {"Ones", Ones{}}, {"ones", Ones{}}, {"one", Ones{}},
      {"Constant", Constant{}}, {"constant", Constant{}},
      {"RandomNormal", RandomNormal{}}, {"random_normal", RandomNormal{}}, {"normal", RandomNormal{}},
      {"RandomUniform", RandomUniform{}}, {"random_uniform", RandomUniform{}}, {"uniform", RandomUniform{}},
      {"TruncatedNormal", TruncatedNormal{}}, {"truncated_normal", TruncatedNormal{}},
      {"VarianceScaling", VarianceScaling{}}, {"variance_scaling", VarianceScaling{}},
      {"GlorotUniform", GlorotUniform{}}, {"glorot_uniform", GlorotUniform{}},
      {"GlorotNormal", GlorotNormal{}}, {"glorot_normal", GlorotNormal{}},
      {"HeUniform", HeUniform{}}, {"he_uniform", HeUniform{}},
      {"HeNormal", HeNormal{}}, {"he_normal", HeNormal{}},
      {"LecunUniform", LecunUniform{}}, {"lecun_uniform", LecunUniform{}},
      {"LecunNormal", LecunNormal{}}, {"lecun_normal", LecunNormal{}},
      {"Orthogonal", Orthogonal{}}, {"orthogonal", Orthogonal{}}, {"OrthogonalInitializer", Orthogonal{}},
      {"Identity", Identity{}}, {"identity", Identity{}}, {"IdentityInitializer", Identity{}},
  };
  return table;
}

std::string class_name_of(const Initializer::Spec& spec) {
  return std::visit(
      [](const auto& value) -> std::string {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, Zeros>) return "Zeros";
        else if constexpr (std::is_same_v<T, Ones>) return "Ones";
        else if constexpr (std::is_same_v<T, Constant>) return "Constant";
        else if constexpr (std::is_same_v<T, RandomNormal>) return "RandomNormal";
        else if constexpr (std::is_same_v<T, RandomUniform>) return "RandomUniform";
        else if constexpr (std::is_same_v<T, TruncatedNormal>) return "TruncatedNormal";
        else if constexpr (std::is_same_v<T, VarianceScaling>) return "VarianceScaling";
        else if constexpr (std::is_same_v<T, GlorotUniform>) return "GlorotUniform";
        else if constexpr (std::is_same_v<T, GlorotNormal>) return "GlorotNormal";
        else if constexpr (std::is_same_v<T, HeUniform>) return "HeUniform";
        else if constexpr (std::is_same_v<T, HeNormal>) return "HeNormal";
        else if constexpr (std::is_same_v<T, LecunUniform>) return "LecunUniform";
        else if constexpr (std::is_same_v<T, LecunNormal>) return "LecunNormal";
        else if constexpr (std::is_same_v<T, Orthogonal>) return "Orthogonal";
        else if constexpr (std::is_same_v<T, Identity>) return "Identity";
        else if constexpr (std::is_same_v<T, Function>) return "Custom";
        else return value;
      },
      spec);
}

Json seed_json(const Seed& seed) { return seed ? Json(*seed) : Json(nullptr); }
Seed seed_from(const Json& config) {
  if (!config.contains("seed") || config.at("seed").is_null()) return std::nullopt;
  return config.at("seed").get<std::uint64_t>();
}

Json config_of(const Initializer::Spec& spec) {
  return std::visit(
      [](const auto& value) -> Json {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, Constant>) return {{"value", value.value}};
        else if constexpr (std::is_same_v<T, RandomNormal> || std::is_same_v<T, TruncatedNormal>)
          return {{"mean", value.mean}, {"stddev", value.stddev}, {"seed", seed_json(value.seed)}};
        else if constexpr (std::is_same_v<T, RandomUniform>)
          return {{"minval", value.minval}, {"maxval", value.maxval}, {"seed", seed_json(value.seed)}};
        else if constexpr (std::is_same_v<T, VarianceScaling>)
          return {{"scale", value.scale}, {"mode", value.mode}, {"distribution", value.distribution},
                  {"seed", seed_json(value.seed)}, {"input_axes", nullptr}, {"output_axes", nullptr}};
        else if constexpr (std::is_same_v<T, Orthogonal>) return {{"gain", value.gain}, {"seed", seed_json(value.seed)}};
        else if constexpr (std::is_same_v<T, Identity>) return {{"gain", value.gain}};
        else if constexpr (requires { value.seed; })
          return {{"seed", seed_json(value.seed)}, {"input_axes", nullptr}, {"output_axes", nullptr}};
        else return Json::object();
      },
      spec);
}

template <class T>
T with_seed(const Json& config) {
  return T{.seed = seed_from(config)};
}

Initializer::Spec spec_from(const std::string& class_name, const Json& config) {
  for (const char* axes : {"input_axes", "output_axes"})
    if (config.contains(axes) && !config.at(axes).is_null())
      throw InvalidArgument(fmt::format("initializers: `{}` is not supported (class {})", axes, class_name));
  if (class_name == "Zeros") return Zeros{};
  if (class_name == "Ones") return Ones{};
  if (class_name == "Constant") return Constant{config.value("value", 0.0)};
  if (class_name == "RandomNormal")
    return RandomNormal{config.value("mean", 0.0), config.value("stddev", 0.05), seed_from(config)};
  if (class_name == "TruncatedNormal")
    return TruncatedNormal{config.value("mean", 0.0), config.value("stddev", 0.05), seed_from(config)};
  if (class_name == "RandomUniform")
    return RandomUniform{config.value("minval", -0.05), config.value("maxval", 0.05), seed_from(config)};
  if (class_name == "VarianceScaling")
    return VarianceScaling{config.value("scale", 1.0), config.value("mode", std::string("fan_in")),
                           config.value("distribution", std::string("truncated_normal")), seed_from(config)};
  if (class_name == "GlorotUniform") return with_seed<GlorotUniform>(config);
  if (class_name == "GlorotNormal") return with_seed<GlorotNormal>(config);
  if (class_name == "HeUniform") return with_seed<HeUniform>(config);
  if (class_name == "HeNormal") return with_seed<HeNormal>(config);
  if (class_name == "LecunUniform") return with_seed<LecunUniform>(config);
  if (class_name == "LecunNormal") return with_seed<LecunNormal>(config);
  if (class_name == "Orthogonal") return Orthogonal{config.value("gain", 1.0), seed_from(config)};
  if (class_name == "Identity") return Identity{config.value("gain", 1.0)};
  return class_name;  // unknown: validated() reports it
}

}  // namespace

std::vector<std::string> names() {
  std::vector<std::string> result;
  for (const auto& [name, spec] : by_name()) result.push_back(name);
  return result;
}

Initializer Initializer::validated(std::string_view where, std::string_view argument) const {
  Initializer resolved = *this;
  if (const auto* name = std::get_if<std::string>(&spec_)) {
    const auto found = by_name().find(*name);
    if (found == by_name().end())
      throw_invalid_argument(where, argument, fmt::format("expected an initializer name, one of {}", fmt::join(names(), ", ")),
                             fmt::format("{}=\"{}\"", argument, *name));
    resolved.spec_ = found->second;
  }
  if (const auto* scaling = std::get_if<VarianceScaling>(&resolved.spec_)) {
    if (!(scaling->scale > 0))
      throw_invalid_argument(where, argument, "VarianceScaling needs a positive `scale`", fmt::format("scale={}", scaling->scale));
    if (scaling->mode != "fan_in" && scaling->mode != "fan_out" && scaling->mode != "fan_avg")
      throw_invalid_argument(where, argument, "VarianceScaling's `mode` must be one of fan_in, fan_out, fan_avg",
                             fmt::format("mode=\"{}\"", scaling->mode));
    std::string distribution = scaling->distribution;
    std::transform(distribution.begin(), distribution.end(), distribution.begin(), ::tolower);
    if (distribution == "normal") distribution = "truncated_normal";
    if (distribution != "uniform" && distribution != "truncated_normal" && distribution != "untruncated_normal")
      throw_invalid_argument(where, argument,
                             "VarianceScaling's `distribution` must be one of uniform, truncated_normal, untruncated_normal",
                             fmt::format("distribution=\"{}\"", scaling->distribution));
    std::get<VarianceScaling>(resolved.spec_).distribution = distribution;
  }
  if (const auto* uniform = std::get_if<RandomUniform>(&resolved.spec_); uniform && !(uniform->minval <= uniform->maxval))
    throw_invalid_argument(where, argument, "RandomUniform needs minval <= maxval",
                           fmt::format("minval={}, maxval={}", uniform->minval, uniform->maxval));
  auto check_stddev = [&](double stddev) {
    if (stddev < 0)
      throw_invalid_argument(where, argument, "a normal initializer needs a non-negative `stddev`", fmt::format("stddev={}", stddev));
  };
  if (const auto* normal = std::get_if<RandomNormal>(&resolved.spec_)) check_stddev(normal->stddev);
  if (const auto* truncated = std::get_if<TruncatedNormal>(&resolved.spec_)) check_stddev(truncated->stddev);
  return resolved;
}

Json Initializer::get_config() const {
  const Spec spec = std::holds_alternative<std::string>(spec_) ? validated("initializer", "identifier").spec_ : spec_;
  return {{"module", "keras.initializers"},
          {"class_name", class_name_of(spec)},
          {"config", config_of(spec)},
          {"registered_name", nullptr}};
}

Initializer Initializer::from_config(const Json& config) {
  if (config.is_string()) return Initializer(config.get<std::string>());
  if (!config.is_object() || !config.contains("class_name"))
    throw InvalidArgument(fmt::format("initializers: cannot read an initializer from {}", config.dump()));
  const Json settings = config.contains("config") && !config.at("config").is_null() ? config.at("config") : Json::object();
  Initializer initializer("");
  initializer.spec_ = spec_from(config.at("class_name").get<std::string>(), settings);
  return initializer;
}

}  // namespace minidl::initializers
