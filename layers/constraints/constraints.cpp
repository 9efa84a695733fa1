#include <minidl/layers/constraints/constraints.hpp>

#include <minidl/autograd/grad_mode.hpp>
#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/autograd/ops/math.hpp>
#include <minidl/autograd/ops/reduction.hpp>
#include <minidl/core/errors.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>
#include <nlohmann/json.hpp>

namespace minidl::constraints {

namespace {

using Json = nlohmann::json;

// Keras's backend.epsilon().
constexpr double epsilon = 1e-7;

const std::map<std::string, Constraint::Spec, std::less<>>& by_name() {
  static const std::map<std::string, Constraint::Spec, std::less<>> table = {
      {"MaxNorm", MaxNorm{}}, {"max_norm", MaxNorm{}}, {"MinMaxNorm", MinMaxNorm{}}, {"min_max_norm", MinMaxNorm{}},
      {"NonNeg", NonNeg{}},   {"non_neg", NonNeg{}},   {"UnitNorm", UnitNorm{}},     {"unit_norm", UnitNorm{}},
  };
  return table;
}

Tensor norm(const Tensor& w, const std::vector<std::int64_t>& axis) { return sqrt(sum(square(w), axis, true)); }

Tensor project(const std::monostate&, const Tensor& w) { return w; }
Tensor project(const MaxNorm& c, const Tensor& w) {
  const Tensor n = norm(w, c.axis);
  return w * (clip(n, 0.0, c.max_value) / (n + epsilon));
}
Tensor project(const MinMaxNorm& c, const Tensor& w) {
  const Tensor n = norm(w, c.axis);
  return w * ((clip(n, c.min_value, c.max_value) * c.rate + n * (1.0 - c.rate)) / (n + epsilon));
}
Tensor project(const NonNeg&, const Tensor& w) { return maximum(w, Tensor::scalar(0.0, w.dtype())); }
Tensor project(const UnitNorm& c, const Tensor& w) { return w / (norm(w, c.axis) + epsilon); }
Tensor project(const Function& f, const Tensor& w) { return f(w); }
Tensor project(const std::string& name, const Tensor&) {
  throw StateError(fmt::format("constraint \"{}\" was used before validated() resolved it", name));
}

Json axis_json(const std::vector<std::int64_t>& axis) { return axis.size() == 1 ? Json(axis[0]) : Json(axis); }
std::vector<std::int64_t> axis_from(const Json& settings) {
  if (!settings.contains("axis")) return {0};
  const Json& axis = settings.at("axis");
  return axis.is_array() ? axis.get<std::vector<std::int64_t>>() : std::vector<std::int64_t>{axis.get<std::int64_t>()};
}

}  // namespace

std::vector<std::string> names() {
  std::vector<std::string> result;
  for (const auto& [name, spec] : by_name()) result.push_back(name);
  return result;
}

Constraint Constraint::validated(std::string_view where, std::string_view argument) const {
  Constraint resolved = *this;
  if (const auto* name = std::get_if<std::string>(&spec_)) {
    const auto found = by_name().find(*name);
    if (found == by_name().end())
      throw_invalid_argument(where, argument, fmt::format("expected a constraint name, one of {}", fmt::join(names(), ", ")),
                             fmt::format("{}=\"{}\"", argument, *name));
    resolved.spec_ = found->second;
  }
  if (const auto* c = std::get_if<MaxNorm>(&resolved.spec_); c && !(c->max_value >= 0))
    throw_invalid_argument(where, argument, "MaxNorm's `max_value` must be non-negative", fmt::format("max_value={}", c->max_value));
  if (const auto* c = std::get_if<MinMaxNorm>(&resolved.spec_);
      c && !(c->min_value >= 0 && c->min_value <= c->max_value && c->rate >= 0 && c->rate <= 1))
    throw_invalid_argument(where, argument, "MinMaxNorm needs 0 <= min_value <= max_value and rate in [0, 1]",
                           fmt::format("min_value={}, max_value={}, rate={}", c->min_value, c->max_value, c->rate));
  return resolved;
}

Tensor Constraint::apply(const Tensor& w) const {
  NoGradGuard no_grad;
  const Constraint resolved = std::holds_alternative<std::string>(spec_) ? validated("constraint", "identifier") : *this;
  return std::visit([&](const auto& spec) { return project(spec, w); }, resolved.spec_);
}

Json Constraint::get_config() const {
  const Spec spec = std::holds_alternative<std::string>(spec_) ? validated("constraint", "identifier").spec_ : spec_;
  auto wrap = [](const char* class_name, Json config) {
    return Json{{"module", "keras.constraints"}, {"class_name", class_name}, {"config", std::move(config)},
                {"registered_name", nullptr}};
  };
  if (const auto* c = std::get_if<MaxNorm>(&spec))
    return wrap("MaxNorm", {{"max_value", c->max_value}, {"axis", axis_json(c->axis)}});
  if (const auto* c = std::get_if<MinMaxNorm>(&spec))
    return wrap("MinMaxNorm", {{"min_value", c->min_value}, {"max_value", c->max_value}, {"rate", c->rate},
                               {"axis", axis_json(c->axis)}});
  if (std::holds_alternative<NonNeg>(spec)) return wrap("NonNeg", Json::object());
  if (const auto* c = std::get_if<UnitNorm>(&spec)) return wrap("UnitNorm", {{"axis", axis_json(c->axis)}});
  if (std::holds_alternative<Function>(spec)) return Json{{"class_name", "Custom"}};
  return nullptr;
}

Constraint Constraint::from_config(const Json& config) {
  if (config.is_null()) return {};
  if (config.is_string()) return Constraint(config.get<std::string>());
  if (!config.is_object() || !config.contains("class_name"))
    throw InvalidArgument(fmt::format("constraints: cannot read a constraint from {}", config.dump()));
  const std::string class_name = config.at("class_name");
  const Json settings = config.value("config", Json::object());
  if (class_name == "MaxNorm") return MaxNorm{settings.value("max_value", 2.0), axis_from(settings)};
  if (class_name == "MinMaxNorm")
    return MinMaxNorm{settings.value("min_value", 0.0), settings.value("max_value", 1.0), settings.value("rate", 1.0),
                      axis_from(settings)};
  if (class_name == "NonNeg") return NonNeg{};
  if (class_name == "UnitNorm") return UnitNorm{axis_from(settings)};
  return Constraint(class_name);
}

}  // namespace minidl::constraints
