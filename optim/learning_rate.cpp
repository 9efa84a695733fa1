// Keras's schedule formulas (keras/src/optimizers/schedules/learning_rate_schedule.py).
#include <minidl/optim/learning_rate.hpp>

#include <minidl/core/errors.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <numbers>

namespace minidl::optim {

namespace {

using Json = nlohmann::json;

double rate_at(double value, double) { return value; }

double rate_at(const ExponentialDecay& s, double step) {
  double exponent = step / double(s.decay_steps);
  if (s.staircase) exponent = std::floor(exponent);
  return s.initial_learning_rate * std::pow(s.decay_rate, exponent);
}

double rate_at(const InverseTimeDecay& s, double step) {
  double ratio = step / double(s.decay_steps);
  if (s.staircase) ratio = std::floor(ratio);
  return s.initial_learning_rate / (1.0 + s.decay_rate * ratio);
}

double rate_at(const PiecewiseConstantDecay& s, double step) {
  for (std::size_t i = 0; i < s.boundaries.size(); ++i)
    if (step <= s.boundaries[i]) return s.values[i];
  return s.values.back();
}

double rate_at(const PolynomialDecay& s, double step) {
  double decay_steps = double(s.decay_steps);
  if (s.cycle) decay_steps *= step == 0 ? 1.0 : std::ceil(step / decay_steps);
  else step = std::min(step, decay_steps);
  const double progress = step / decay_steps;
  return (s.initial_learning_rate - s.end_learning_rate) * std::pow(1.0 - progress, s.power) + s.end_learning_rate;
}

double cosine(double initial, double alpha, double step, double decay_steps) {
  const double fraction = std::min(step, decay_steps) / decay_steps;
  return initial * ((1.0 - alpha) * 0.5 * (1.0 + std::cos(std::numbers::pi * fraction)) + alpha);
}

double rate_at(const CosineDecay& s, double step) {
  if (!s.warmup_target) return cosine(s.initial_learning_rate, s.alpha, step, double(s.decay_steps));
  const double warmup = double(s.warmup_steps);
  step = std::min(step, double(s.decay_steps) + warmup);
  if (step < warmup)
    return s.initial_learning_rate + (*s.warmup_target - s.initial_learning_rate) * step / warmup;
  return cosine(*s.warmup_target, s.alpha, step - warmup, double(s.decay_steps));
}

double rate_at(const CosineDecayRestarts& s, double step) {
  double completed = step / double(s.first_decay_steps);
  double restarts = 0.0;
  if (s.t_mul == 1.0) {
    restarts = std::floor(completed);
    completed -= restarts;
  } else {
    restarts = std::floor(std::log(1.0 - completed * (1.0 - s.t_mul)) / std::log(s.t_mul));
    const double sum_r = (1.0 - std::pow(s.t_mul, restarts)) / (1.0 - s.t_mul);
    completed = (completed - sum_r) / std::pow(s.t_mul, restarts);
  }
  const double m_fac = std::pow(s.m_mul, restarts);
  const double cosine_decayed = 0.5 * m_fac * (1.0 + std::cos(std::numbers::pi * completed));
  return s.initial_learning_rate * ((1.0 - s.alpha) * cosine_decayed + s.alpha);
}

double rate_at(const ScheduleFunction& f, double step) { return f(static_cast<std::int64_t>(step)); }

void require_positive_steps(std::int64_t steps, const char* name, std::string_view where) {
  if (steps <= 0) throw_invalid_argument(where, name, "expected a positive number of steps", fmt::format("{}={}", name, steps));
}

Json wrap(const char* class_name, Json config) {
  return {{"module", "keras.optimizers.schedules"}, {"class_name", class_name}, {"config", std::move(config)},
          {"registered_name", nullptr}};
}

}  // namespace

void LearningRate::validate(std::string_view where) const {
  // As set_learning_rate: a NaN, infinite or negative rate would silently wreck every weight.
  if (const auto* value = std::get_if<double>(&spec_); value && !(std::isfinite(*value) && *value >= 0))
    throw_invalid_argument(where, "learning_rate", "expected a non-negative finite float", fmt::format("learning_rate={}", *value));
  if (const auto* s = std::get_if<ExponentialDecay>(&spec_)) require_positive_steps(s->decay_steps, "decay_steps", where);
  if (const auto* s = std::get_if<InverseTimeDecay>(&spec_)) require_positive_steps(s->decay_steps, "decay_steps", where);
  if (const auto* s = std::get_if<PolynomialDecay>(&spec_)) require_positive_steps(s->decay_steps, "decay_steps", where);
  if (const auto* s = std::get_if<CosineDecay>(&spec_)) {
    require_positive_steps(s->decay_steps, "decay_steps", where);
    if (s->warmup_target && s->warmup_steps <= 0)
      throw_invalid_argument(where, "warmup_steps", "expected a positive number of steps with warmup_target",
                             fmt::format("warmup_steps={}", s->warmup_steps));
  }
  if (const auto* s = std::get_if<CosineDecayRestarts>(&spec_))
    require_positive_steps(s->first_decay_steps, "first_decay_steps", where);
  if (const auto* s = std::get_if<PiecewiseConstantDecay>(&spec_)) {
    if (s->values.size() != s->boundaries.size() + 1)
      throw_invalid_argument(where, "values", "PiecewiseConstantDecay needs one more value than boundaries",
                             fmt::format("{} boundaries and {} values", s->boundaries.size(), s->values.size()));
  }
}

double LearningRate::at(std::int64_t step) const {
  return std::visit([step](const auto& spec) { return rate_at(spec, double(step)); }, spec_);
}

Json LearningRate::get_config() const {
  if (const auto* value = std::get_if<double>(&spec_)) return *value;
  if (const auto* s = std::get_if<ExponentialDecay>(&spec_))
    return wrap("ExponentialDecay", {{"initial_learning_rate", s->initial_learning_rate}, {"decay_steps", s->decay_steps},
                                     {"decay_rate", s->decay_rate}, {"staircase", s->staircase}, {"name", "ExponentialDecay"}});
  if (const auto* s = std::get_if<InverseTimeDecay>(&spec_))
    return wrap("InverseTimeDecay", {{"initial_learning_rate", s->initial_learning_rate}, {"decay_steps", s->decay_steps},
                                     {"decay_rate", s->decay_rate}, {"staircase", s->staircase}, {"name", "InverseTimeDecay"}});
  if (const auto* s = std::get_if<PiecewiseConstantDecay>(&spec_))
    return wrap("PiecewiseConstantDecay", {{"boundaries", s->boundaries}, {"values", s->values}, {"name", "PiecewiseConstant"}});
  if (const auto* s = std::get_if<PolynomialDecay>(&spec_))
    return wrap("PolynomialDecay", {{"initial_learning_rate", s->initial_learning_rate}, {"decay_steps", s->decay_steps},
                                    {"end_learning_rate", s->end_learning_rate}, {"power", s->power}, {"cycle", s->cycle},
                                    {"name", "PolynomialDecay"}});
  if (const auto* s = std::get_if<CosineDecay>(&spec_))
    return wrap("CosineDecay", {{"initial_learning_rate", s->initial_learning_rate}, {"decay_steps", s->decay_steps},
                                {"alpha", s->alpha}, {"name", "CosineDecay"},
                                {"warmup_target", s->warmup_target ? Json(*s->warmup_target) : Json(nullptr)},
                                {"warmup_steps", s->warmup_steps}});
  if (const auto* s = std::get_if<CosineDecayRestarts>(&spec_))
    return wrap("CosineDecayRestarts", {{"initial_learning_rate", s->initial_learning_rate},
                                        {"first_decay_steps", s->first_decay_steps}, {"t_mul", s->t_mul},
                                        {"m_mul", s->m_mul}, {"alpha", s->alpha}, {"name", "SGDRDecay"}});
  return Json{{"class_name", "Custom"}};
}

LearningRate LearningRate::from_config(const Json& config) {
  if (config.is_number()) return config.get<double>();
  const std::string class_name = config.value("class_name", std::string());
  const Json c = config.value("config", Json::object());
  if (class_name == "ExponentialDecay")
    return ExponentialDecay{c.at("initial_learning_rate"), c.at("decay_steps"), c.at("decay_rate"), c.value("staircase", false)};
  if (class_name == "InverseTimeDecay")
    return InverseTimeDecay{c.at("initial_learning_rate"), c.at("decay_steps"), c.at("decay_rate"), c.value("staircase", false)};
  if (class_name == "PiecewiseConstantDecay")
    return PiecewiseConstantDecay{c.at("boundaries").get<std::vector<double>>(), c.at("values").get<std::vector<double>>()};
  if (class_name == "PolynomialDecay")
    return PolynomialDecay{c.at("initial_learning_rate"), c.at("decay_steps"), c.value("end_learning_rate", 0.0001),
                           c.value("power", 1.0), c.value("cycle", false)};
  if (class_name == "CosineDecay")
    return CosineDecay{c.at("initial_learning_rate"), c.at("decay_steps"), c.value("alpha", 0.0),
                       c.contains("warmup_target") && !c.at("warmup_target").is_null()
                           ? std::optional<double>(c.at("warmup_target").get<double>())
                           : std::nullopt,
                       c.value("warmup_steps", std::int64_t{0})};
  if (class_name == "CosineDecayRestarts")
    return CosineDecayRestarts{c.at("initial_learning_rate"), c.at("first_decay_steps"), c.value("t_mul", 2.0),
                               c.value("m_mul", 1.0), c.value("alpha", 0.0)};
  throw InvalidArgument(fmt::format("LearningRate.from_config: cannot read a learning rate from {}", config.dump()));
}

}  // namespace minidl::optim
