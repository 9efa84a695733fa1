#include <minidl/optim/optimizer.hpp>

#include <minidl/autograd/grad_mode.hpp>
#include <minidl/autograd/ops/arithmetic.hpp>
#include <minidl/autograd/ops/math.hpp>
#include <minidl/autograd/ops/reduction.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/core/naming.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::optim {

namespace {

using Json = nlohmann::json;

Json optional_json(const std::optional<double>& value) { return value ? Json(*value) : Json(nullptr); }

std::string slot_prefix(const layers::Variable& variable) {
  std::string prefix = variable.path();
  std::replace(prefix.begin(), prefix.end(), '/', '_');
  return prefix;
}

}  // namespace

Optimizer::Optimizer(std::string class_name, SharedOptions options)
    : class_name_(std::move(class_name)), options_(std::move(options)) {
  if (options_.name.empty()) options_.name = automatic_name(class_name_);
  options_.learning_rate.validate(where());
  const int clips = options_.clipnorm.has_value() + options_.clipvalue.has_value() + options_.global_clipnorm.has_value();
  if (clips > 1)
    throw_invalid_argument(where(), "clipnorm", "only one of clipnorm, clipvalue and global_clipnorm can be set",
                           fmt::format("clipnorm={}, clipvalue={}, global_clipnorm={}", optional_json(options_.clipnorm).dump(),
                                       optional_json(options_.clipvalue).dump(), optional_json(options_.global_clipnorm).dump()));
  for (auto [argument, value] : {std::pair{"clipnorm", options_.clipnorm}, std::pair{"clipvalue", options_.clipvalue},
                                 std::pair{"global_clipnorm", options_.global_clipnorm}, std::pair{"weight_decay", options_.weight_decay}})
    if (value && !(std::isfinite(*value) && *value >= 0))
      throw_invalid_argument(where(), argument, "expected a non-negative finite float", fmt::format("{}={}", argument, *value));
}

void Optimizer::set_learning_rate(double value) {
  if (!options_.learning_rate.is_constant())
    throw StateError(fmt::format("{}: the learning rate is a schedule and cannot be set", where()));
  if (!(std::isfinite(value) && value >= 0))
    throw_invalid_argument(where(), "learning_rate", "expected a non-negative finite float", fmt::format("learning_rate={}", value));
  options_.learning_rate = value;
}

std::string Optimizer::where() const { return fmt::format("{} '{}'", class_name_, options_.name); }

void Optimizer::build(const Variables& variables) {
  if (built_) return;
  for (const auto& variable : variables) {
    if (!variable) throw_invalid_argument(where(), "variables", "expected weights", "a null variable");
    Tracked entry{variable, {}};
    for (std::size_t i = 0; i < slot_names().size(); ++i)
      entry.slots.push_back(Tensor::full(variable->shape(), slot_initial_value(), variable->value().dtype()));
    tracked_.push_back(std::move(entry));
  }
  built_ = true;
}

Optimizer::Tracked& Optimizer::tracked(const layers::Variable& variable) {
  for (auto& entry : tracked_)
    if (entry.variable.get() == &variable) return entry;
  throw StateError(fmt::format("{}: unknown variable '{}': an optimizer updates only the variables it was first built "
                               "with; create a new optimizer for new variables",
                               where(), variable.path()));
}

std::vector<Tensor> Optimizer::clipped(std::vector<Tensor> gradients) const {
  if (options_.clipnorm && *options_.clipnorm > 0) {
    const double limit = *options_.clipnorm;
    for (auto& g : gradients) {
      const double norm = std::sqrt(sum(square(g)).item());
      g = g * (limit / std::max(norm, limit));
    }
  } else if (options_.clipvalue && *options_.clipvalue > 0) {
    for (auto& g : gradients) g = clip(g, -*options_.clipvalue, *options_.clipvalue);
  } else if (options_.global_clipnorm && *options_.global_clipnorm > 0) {
    double squares = 0.0;
    for (const auto& g : gradients) squares += sum(square(g)).item();
    const double norm = std::sqrt(squares), limit = *options_.global_clipnorm;
    const double scale = std::isfinite(norm) ? limit * std::min(1.0 / norm, 1.0 / limit) : NAN;
    for (auto& g : gradients) g = g * scale;
  }
  return gradients;
}

void Optimizer::apply(const std::vector<Tensor>& gradients, const Variables& variables) {
  if (gradients.size() != variables.size())
    throw_invalid_argument(where(), "gradients", fmt::format("expected one gradient per variable ({})", variables.size()),
                           fmt::format("{} gradients", gradients.size()));
  // As Keras: nothing to apply leaves the optimizer unbuilt.
  if (variables.empty()) return;
  NoGradGuard no_grad;
  build(variables);
  std::vector<Tensor> kept;
  Variables updated;
  for (std::size_t i = 0; i < variables.size(); ++i) {
    if (!gradients[i].defined()) continue;
    tracked(*variables[i]);
    if (gradients[i].shape() != variables[i]->shape() || gradients[i].dtype() != variables[i]->value().dtype())
      throw ShapeError(fmt::format("{}: the gradient for '{}' has shape {} {}, the variable {} {}", where(),
                                   variables[i]->path(), shape_to_string(gradients[i].shape()),
                                   dtype_name(gradients[i].dtype()), shape_to_string(variables[i]->shape()),
                                   dtype_name(variables[i]->value().dtype())));
    kept.push_back(gradients[i].contiguous());
    updated.push_back(variables[i]);
  }
  if (kept.empty()) return;
  kept = clipped(std::move(kept));
  const double learning_rate = options_.learning_rate.at(iterations_);
  if (options_.weight_decay && *options_.weight_decay > 0)
    for (const auto& variable : updated)
      variable->assign(variable->value() - variable->value() * (*options_.weight_decay * learning_rate));
  begin_step(iterations_ + 1);
  for (std::size_t i = 0; i < updated.size(); ++i)
    update(updated[i]->value(), kept[i].contiguous(), tracked(*updated[i]).slots, learning_rate, iterations_ + 1);
  for (const auto& variable : updated) variable->apply_constraint();
  ++iterations_;
}

void Optimizer::step(const Variables& variables) {
  std::vector<Tensor> gradients;
  for (const auto& variable : variables)
    gradients.push_back(variable->value().has_grad() ? variable->value().grad() : Tensor());
  apply(gradients, variables);
}

std::vector<std::pair<std::string, Tensor>> Optimizer::variables() const {
  std::vector<std::pair<std::string, Tensor>> state = {
      {"iteration", Tensor(std::vector<double>{double(iterations_)}, {})}};
  const auto names = slot_names();
  for (std::size_t s = 0; s < names.size(); ++s)
    for (const auto& entry : tracked_)
      state.emplace_back(slot_prefix(*entry.variable) + "_" + names[s], entry.slots[s].clone());
  for (auto& shared : shared_state()) state.push_back(std::move(shared));
  return state;
}

void Optimizer::load_variables(const std::vector<std::pair<std::string, Tensor>>& state) {
  check_variables(state);
  iterations_ = static_cast<std::int64_t>(state[0].second.item());
  std::size_t next = 1;
  for (std::size_t s = 0; s < slot_names().size(); ++s)
    for (auto& entry : tracked_) entry.slots[s].assign(state[next++].second);
  load_shared_state({state.begin() + static_cast<std::ptrdiff_t>(next), state.end()});
}

void Optimizer::check_variables(const std::vector<std::pair<std::string, Tensor>>& state) const {
  const auto expected = variables();
  if (state.size() != expected.size())
    throw_invalid_argument(where(), "state", fmt::format("expected {} variables (as variables() lists them)", expected.size()),
                           fmt::format("{} variables", state.size()));
  // Entries are matched by position, shape and dtype, not by name: the names carry layer names,
  // which a model class rebuilt in another process numbers anew.
  for (std::size_t i = 0; i < state.size(); ++i)
    if (state[i].second.shape() != expected[i].second.shape() || state[i].second.dtype() != expected[i].second.dtype())
      throw ShapeError(fmt::format("{}: state entry {} is '{}' {} {}, expected '{}' {} {}", where(), i, state[i].first,
                                   shape_to_string(state[i].second.shape()), dtype_name(state[i].second.dtype()),
                                   expected[i].first, shape_to_string(expected[i].second.shape()),
                                   dtype_name(expected[i].second.dtype())));
  // Read from files: a NaN or a huge count would be undefined behaviour to convert.
  const double iteration = state[0].second.item();
  if (!(iteration >= 0 && iteration <= 9007199254740992.0 && iteration == std::floor(iteration)))
    throw_invalid_argument(where(), "iteration", "expected a whole number of steps in [0, 2^53]",
                           fmt::format("iteration={}", iteration));
}

std::vector<std::vector<std::size_t>> Optimizer::keras_slot_groups() const {
  std::vector<std::size_t> every_slot(slot_names().size());
  for (std::size_t s = 0; s < every_slot.size(); ++s) every_slot[s] = s;
  return {every_slot};
}

std::vector<std::pair<std::string, Tensor>> Optimizer::keras_variables() const {
  std::vector<std::pair<std::string, Tensor>> state = {
      {"iteration", Tensor::scalar(double(iterations_), DType::float64)}};
  if (learning_rate_is_constant()) state.emplace_back("learning_rate", Tensor::scalar(learning_rate(), DType::float32));
  if (!built_) return state;
  const auto names = slot_names();
  for (const auto& group : keras_slot_groups())
    for (const auto& entry : tracked_)
      for (const std::size_t s : group)
        state.emplace_back(slot_prefix(*entry.variable) + "_" + names[s], entry.slots[s].clone());
  const DType dtype = tracked_.empty() ? DType::float32 : tracked_.front().variable->value().dtype();
  for (const auto& [name, value] : shared_state()) state.emplace_back(name, Tensor::scalar(value.item(), dtype));
  return state;
}

void Optimizer::load_keras_variables(const std::vector<Tensor>& state) {
  const auto expected = keras_variables();
  if (state.size() != expected.size())
    throw_invalid_argument(where(), "state",
                           fmt::format("expected {} variables (the iteration{}{})", expected.size(),
                                       learning_rate_is_constant() ? ", the learning rate" : "",
                                       built_ ? ", the slots of each weight" : "; build the optimizer for the slots"),
                           fmt::format("{} variables", state.size()));
  for (std::size_t i = 0; i < state.size(); ++i)
    if (state[i].shape() != expected[i].second.shape())
      throw ShapeError(fmt::format("{}: variable {} ('{}') must have shape {}, received {}", where(), i, expected[i].first,
                                   shape_to_string(expected[i].second.shape()), shape_to_string(state[i].shape())));
  const double iteration = state[0].item();
  if (!(iteration >= 0 && iteration <= 9007199254740992.0 && iteration == std::floor(iteration)))
    throw_invalid_argument(where(), "iteration", "expected a whole number of steps in [0, 2^53]",
                           fmt::format("iteration={}", iteration));
  std::size_t next = 1;
  if (learning_rate_is_constant()) set_learning_rate(state[next++].item());
  iterations_ = static_cast<std::int64_t>(iteration);
  if (!built_) return;
  for (const auto& group : keras_slot_groups())
    for (auto& entry : tracked_)
      for (const std::size_t s : group) entry.slots[s].assign(state[next++]);
  std::vector<std::pair<std::string, Tensor>> shared;
  for (; next < state.size(); ++next) shared.emplace_back(expected[next].first, state[next]);
  load_shared_state(shared);
}

Json Optimizer::get_config() const {
  return {{"name", options_.name},
          {"learning_rate", options_.learning_rate.get_config()},
          {"weight_decay", optional_json(options_.weight_decay)},
          {"clipnorm", optional_json(options_.clipnorm)},
          {"global_clipnorm", optional_json(options_.global_clipnorm)},
          {"clipvalue", optional_json(options_.clipvalue)},
          {"use_ema", false},
          {"ema_momentum", 0.99},
          {"ema_overwrite_frequency", nullptr},
          {"loss_scale_factor", nullptr},
          {"gradient_accumulation_steps", nullptr}};
}

}  // namespace minidl::optim
