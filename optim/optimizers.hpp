#pragma once
// Keras 3's optimizers with their update rules and defaults (keras/src/optimizers/*.py). Each takes
// an options struct with Keras's argument names, its own first, then the shared ones:
//   optim::Adam adam({.learning_rate = 1e-3, .beta_1 = 0.9, .clipnorm = 1.0});
// g is the (clipped) gradient, t = iterations + 1, lr the learning rate at iterations.
#include <minidl/optim/optimizer.hpp>

namespace minidl::optim {

// v = momentum·v − lr·g; w += v (nesterov: w += momentum·v − lr·g); momentum 0: w −= lr·g.
struct SGDOptions {
  LearningRate learning_rate = 0.01;
  double momentum = 0.0;  // in [0, 1]
  bool nesterov = false;
  std::optional<double> weight_decay = std::nullopt;
  std::optional<double> clipnorm = std::nullopt;
  std::optional<double> clipvalue = std::nullopt;
  std::optional<double> global_clipnorm = std::nullopt;
  std::string name = "";
};

// m += (g − m)(1 − β1); v += (g² − v)(1 − β2); w −= lr·√(1 − β2ᵗ)/(1 − β1ᵗ) · m / (√v + ε)
// (ε on the uncorrected √v: Keras's "epsilon hat"); amsgrad uses max over time of v.
struct AdamOptions {
  LearningRate learning_rate = 0.001;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  bool amsgrad = false;
  std::optional<double> weight_decay = std::nullopt;
  std::optional<double> clipnorm = std::nullopt;
  std::optional<double> clipvalue = std::nullopt;
  std::optional<double> global_clipnorm = std::nullopt;
  std::string name = "";
};

// Adam with decoupled weight decay on by default.
struct AdamWOptions {
  LearningRate learning_rate = 0.001;
  double weight_decay = 0.004;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  bool amsgrad = false;
  std::optional<double> clipnorm = std::nullopt;
  std::optional<double> clipvalue = std::nullopt;
  std::optional<double> global_clipnorm = std::nullopt;
  std::string name = "";
};

// v = ρv + (1 − ρ)g²; centered: a = ρa + (1 − ρ)g, denominator v − a²; inc = lr·g / √(denominator + ε);
// momentum: m = μm + inc, w −= m; else w −= inc.
struct RMSpropOptions {
  LearningRate learning_rate = 0.001;
  double rho = 0.9;
  double momentum = 0.0;
  double epsilon = 1e-7;
  bool centered = false;
  std::optional<double> weight_decay = std::nullopt;
  std::optional<double> clipnorm = std::nullopt;
  std::optional<double> clipvalue = std::nullopt;
  std::optional<double> global_clipnorm = std::nullopt;
  std::string name = "";
};

// acc += g² (starting at initial_accumulator_value); w −= lr·g / √(acc + ε).
struct AdagradOptions {
  LearningRate learning_rate = 0.001;
  double initial_accumulator_value = 0.1;
  double epsilon = 1e-7;
  std::optional<double> weight_decay = std::nullopt;
  std::optional<double> clipnorm = std::nullopt;
  std::optional<double> clipvalue = std::nullopt;
  std::optional<double> global_clipnorm = std::nullopt;
  std::string name = "";
};

// Eg = ρEg + (1 − ρ)g²; Δ = −√(Edx + ε)·g / √(Eg + ε); Edx = ρEdx + (1 − ρ)Δ²; w += lr·Δ.
struct AdadeltaOptions {
  LearningRate learning_rate = 0.001;
  double rho = 0.95;
  double epsilon = 1e-7;
  std::optional<double> weight_decay = std::nullopt;
  std::optional<double> clipnorm = std::nullopt;
  std::optional<double> clipvalue = std::nullopt;
  std::optional<double> global_clipnorm = std::nullopt;
  std::string name = "";
};

// m += (g − m)(1 − β1); u = max(β2·u, |g|); w −= lr·m / ((1 − β1ᵗ)(u + ε)).
struct AdamaxOptions {
  LearningRate learning_rate = 0.001;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  std::optional<double> weight_decay = std::nullopt;
  std::optional<double> clipnorm = std::nullopt;
  std::optional<double> clipvalue = std::nullopt;
  std::optional<double> global_clipnorm = std::nullopt;
  std::string name = "";
};

// Adam with Nesterov momentum and the momentum schedule μ_t = β1(1 − 0.5·0.96ᵗ).
struct NadamOptions {
  LearningRate learning_rate = 0.001;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  std::optional<double> weight_decay = std::nullopt;
  std::optional<double> clipnorm = std::nullopt;
  std::optional<double> clipvalue = std::nullopt;
  std::optional<double> global_clipnorm = std::nullopt;
  std::string name = "";
};

class SGD : public Optimizer {
 public:
  explicit SGD(SGDOptions options = {});
  nlohmann::json get_config() const override;

 protected:
  std::vector<std::string> slot_names() const override;
  void update(const Tensor& weight, const Tensor& gradient, std::vector<Tensor>& slots, double learning_rate,
              std::int64_t step) override;

 private:
  SGDOptions options_;
};

class Adam : public Optimizer {
 public:
  explicit Adam(AdamOptions options = {});
  nlohmann::json get_config() const override;

 protected:
  Adam(std::string class_name, SharedOptions shared, AdamOptions options);
  std::vector<std::string> slot_names() const override;
  std::vector<std::vector<std::size_t>> keras_slot_groups() const override;
  void update(const Tensor& weight, const Tensor& gradient, std::vector<Tensor>& slots, double learning_rate,
              std::int64_t step) override;

 private:
  AdamOptions options_;
};

class AdamW : public Adam {
 public:
  explicit AdamW(AdamWOptions options = {});
};

class RMSprop : public Optimizer {
 public:
  explicit RMSprop(RMSpropOptions options = {});
  nlohmann::json get_config() const override;

 protected:
  std::vector<std::string> slot_names() const override;
  std::vector<std::vector<std::size_t>> keras_slot_groups() const override;
  void update(const Tensor& weight, const Tensor& gradient, std::vector<Tensor>& slots, double learning_rate,
              std::int64_t step) override;

 private:
  RMSpropOptions options_;
};

class Adagrad : public Optimizer {
 public:
  explicit Adagrad(AdagradOptions options = {});
  nlohmann::json get_config() const override;

 protected:
  std::vector<std::string> slot_names() const override;
  double slot_initial_value() const override { return options_.initial_accumulator_value; }
  void update(const Tensor& weight, const Tensor& gradient, std::vector<Tensor>& slots, double learning_rate,
              std::int64_t step) override;

 private:
  AdagradOptions options_;
};

class Adadelta : public Optimizer {
 public:
  explicit Adadelta(AdadeltaOptions options = {});
  nlohmann::json get_config() const override;

 protected:
  std::vector<std::string> slot_names() const override;
  void update(const Tensor& weight, const Tensor& gradient, std::vector<Tensor>& slots, double learning_rate,
              std::int64_t step) override;

 private:
  AdadeltaOptions options_;
};

class Adamax : public Optimizer {
 public:
  explicit Adamax(AdamaxOptions options = {});
  nlohmann::json get_config() const override;

 protected:
  std::vector<std::string> slot_names() const override;
  void update(const Tensor& weight, const Tensor& gradient, std::vector<Tensor>& slots, double learning_rate,
              std::int64_t step) override;

 private:
  AdamaxOptions options_;
};

class Nadam : public Optimizer {
 public:
  explicit Nadam(NadamOptions options = {});
  nlohmann::json get_config() const override;

 protected:
  std::vector<std::string> slot_names() const override;
  void begin_step(std::int64_t step) override;
  void update(const Tensor& weight, const Tensor& gradient, std::vector<Tensor>& slots, double learning_rate,
              std::int64_t step) override;
  std::vector<std::pair<std::string, Tensor>> shared_state() const override;
  void load_shared_state(const std::vector<std::pair<std::string, Tensor>>& state) override;

 private:
  NadamOptions options_;
  double u_product_ = 1.0;  // Π β1(1 − 0.5·0.96^i) over the steps so far
};

}  // namespace minidl::optim
