#pragma once
// The base of Keras's optimizers (keras/src/optimizers/base_optimizer.py). One step:
//   clip the gradients (clipnorm per weight, clipvalue, or global_clipnorm), decoupled weight decay
//   (w −= w · weight_decay · lr), the optimizer's own update, then every weight's constraint,
//   then iterations += 1.
// Optimizers see only weights (layers::Variable) and their gradients.
#include <minidl/core/tensor.hpp>
#include <minidl/layers/variable.hpp>
#include <minidl/optim/learning_rate.hpp>

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace minidl::optim {

// The arguments every Keras optimizer shares (each optimizer's options repeat them by name).
struct SharedOptions {
  LearningRate learning_rate;
  std::optional<double> weight_decay;
  std::optional<double> clipnorm;
  std::optional<double> clipvalue;
  std::optional<double> global_clipnorm;
  std::string name;
};

using Variables = std::vector<std::shared_ptr<layers::Variable>>;

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Keras's apply(grads, trainable_variables): one gradient per variable (an undefined gradient
  // skips its variable). The first call builds the optimizer's state for these variables; later
  // calls may pass any subset of them.
  void apply(const std::vector<Tensor>& gradients, const Variables& variables);
  // The same with each variable's accumulated .grad() (variables without one are skipped).
  void step(const Variables& variables);

  std::int64_t iterations() const { return iterations_; }
  // The learning rate the next step will use (the schedule at iterations()).
  double learning_rate() const { return options_.learning_rate.at(iterations_); }
  // Replaces a constant learning rate (what ReduceLROnPlateau and LearningRateScheduler do);
  // a schedule cannot be overwritten, as in Keras.
  void set_learning_rate(double value);
  const std::string& name() const { return options_.name; }
  // Keras's class name ("Adam").
  const std::string& class_name() const { return class_name_; }

  // The optimizer's state in Keras's order: "iteration", then each variable's slots, named
  // "<variable path with / as _>_<slot>" as Keras names them.
  std::vector<std::pair<std::string, Tensor>> variables() const;
  // Restores a state from variables() of an optimizer of the same kind built on the same
  // variables; checks count, shapes and dtypes, in order, before writing anything.
  void load_variables(const std::vector<std::pair<std::string, Tensor>>& state);
  // load_variables' checks alone, so that a loader can refuse a bad state before writing anything;
  // the iteration count must be a whole number in [0, 2^53].
  void check_variables(const std::vector<std::pair<std::string, Tensor>>& state) const;
  // The state as Keras 3 saves it in a .keras or .weights.h5 file (its optimizer.variables): the
  // iteration count, the learning rate while it is a constant, then — once built — every
  // variable's slots in Keras's creation order (keras_slot_groups) and the shared state, the
  // slots and shared state in the variables' dtype. Named as Keras names them.
  std::vector<std::pair<std::string, Tensor>> keras_variables() const;
  // Restores a state laid out as keras_variables() (build the optimizer first when the state holds
  // slots); a constant learning rate takes the stored value, as Keras's loading assigns its
  // learning_rate variable. Count and shapes are checked before anything is written.
  void load_keras_variables(const std::vector<Tensor>& state);
  // Whether the learning rate is a constant, which set_learning_rate may change.
  bool learning_rate_is_constant() const { return options_.learning_rate.is_constant(); }
  // Builds the state for `variables` without updating them.
  void build(const Variables& variables);
  bool built() const { return built_; }

  // Keras's get_config(): name, learning_rate, the shared options, then the optimizer's own.
  virtual nlohmann::json get_config() const;

 protected:
  Optimizer(std::string class_name, SharedOptions options);

  // Slot names in Keras's creation order, and their initial value.
  virtual std::vector<std::string> slot_names() const = 0;
  virtual double slot_initial_value() const { return 0.0; }
  // How Keras creates the slots (indices into slot_names()), for keras_variables(): group after
  // group, and within a group each variable's slots in turn, as one call of Keras's
  // add_optimizer_variables with a list of names. By default one group of every slot.
  virtual std::vector<std::vector<std::size_t>> keras_slot_groups() const;
  // Called once per step before the per-variable updates (Nadam's shared product).
  virtual void begin_step(std::int64_t /*step*/) {}
  // Updates `weight` in place from `gradient` (both contiguous, same dtype) and its slots.
  // `step` is iterations + 1, as Keras's update_step sees it.
  virtual void update(const Tensor& weight, const Tensor& gradient, std::vector<Tensor>& slots, double learning_rate,
                      std::int64_t step) = 0;
  // Extra state shared by all variables (Nadam's u_product), saved after the slots.
  virtual std::vector<std::pair<std::string, Tensor>> shared_state() const { return {}; }
  virtual void load_shared_state(const std::vector<std::pair<std::string, Tensor>>&) {}

  std::string where() const;

 private:
  struct Tracked {
    std::shared_ptr<layers::Variable> variable;
    std::vector<Tensor> slots;
  };
  Tracked& tracked(const layers::Variable& variable);
  std::vector<Tensor> clipped(std::vector<Tensor> gradients) const;

  std::string class_name_;
  SharedOptions options_;
  std::int64_t iterations_ = 0;
  std::vector<Tracked> tracked_;
  bool built_ = false;
};

}  // namespace minidl::optim
