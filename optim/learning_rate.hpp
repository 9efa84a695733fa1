#pragma once
// Learning rates: a constant, one of Keras's schedules (keras/src/optimizers/schedules/), or a
// callable of the step. A schedule is evaluated at the optimizer's iteration count before the
// update, so the first update uses schedule(0), as in Keras.
#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <type_traits>
#include <variant>
#include <vector>

namespace minidl::optim {

// initial_learning_rate · decay_rate^(step / decay_steps); the exponent floored when staircase.
struct ExponentialDecay {
  double initial_learning_rate = 0.0;
  std::int64_t decay_steps = 0;
  double decay_rate = 0.0;
  bool staircase = false;
};
// initial_learning_rate / (1 + decay_rate · step / decay_steps); the ratio floored when staircase.
struct InverseTimeDecay {
  double initial_learning_rate = 0.0;
  std::int64_t decay_steps = 0;
  double decay_rate = 0.0;
  bool staircase = false;
};
// values[0] while step <= boundaries[0], values[i] while step <= boundaries[i], then values.back().
struct PiecewiseConstantDecay {
  std::vector<double> boundaries;
  std::vector<double> values;
};
// (initial − end) · (1 − step / decay_steps)^power + end; with cycle, decay_steps grows to the next
// multiple of itself past step.
struct PolynomialDecay {
  double initial_learning_rate = 0.0;
  std::int64_t decay_steps = 0;
  double end_learning_rate = 0.0001;
  double power = 1.0;
  bool cycle = false;
};
// Cosine from initial_learning_rate down to alpha · initial over decay_steps; with warmup_target,
// first a linear rise from initial_learning_rate to warmup_target over warmup_steps, then cosine
// from warmup_target.
struct CosineDecay {
  double initial_learning_rate = 0.0;
  std::int64_t decay_steps = 0;
  double alpha = 0.0;
  std::optional<double> warmup_target = std::nullopt;
  std::int64_t warmup_steps = 0;
};
// SGDR: cosine periods of first_decay_steps · t_mul^i, each restarting at m_mul^i · initial.
struct CosineDecayRestarts {
  double initial_learning_rate = 0.0;
  std::int64_t first_decay_steps = 0;
  double t_mul = 2.0;
  double m_mul = 1.0;
  double alpha = 0.0;
};

using ScheduleFunction = std::function<double(std::int64_t step)>;

class LearningRate {
 public:
  LearningRate(double value) : spec_(value) {}
  LearningRate(ExponentialDecay schedule) : spec_(schedule) {}
  LearningRate(InverseTimeDecay schedule) : spec_(schedule) {}
  LearningRate(PiecewiseConstantDecay schedule) : spec_(std::move(schedule)) {}
  LearningRate(PolynomialDecay schedule) : spec_(schedule) {}
  LearningRate(CosineDecay schedule) : spec_(schedule) {}
  LearningRate(CosineDecayRestarts schedule) : spec_(schedule) {}
  // Any callable of the step (a custom schedule).
  template <class Callable>
    requires std::is_invocable_r_v<double, const Callable&, std::int64_t>
  LearningRate(Callable function) : spec_(ScheduleFunction(std::move(function))) {}

  // Checks a schedule's arguments as Keras does; throws InvalidArgument naming where.
  void validate(std::string_view where) const;
  bool is_constant() const { return std::holds_alternative<double>(spec_); }
  // The learning rate for the update at iteration count `step`.
  double at(std::int64_t step) const;
  // A number for a constant; Keras's serialized schedule otherwise.
  nlohmann::json get_config() const;
  static LearningRate from_config(const nlohmann::json& config);

 private:
  std::variant<double, ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay, PolynomialDecay, CosineDecay,
               CosineDecayRestarts, ScheduleFunction>
      spec_;
};

}  // namespace minidl::optim
