#include <minidl/optim/optimizers.hpp>
#include <minidl/optim/shared_options.hpp>

#include <cmath>
#include <nlohmann/json.hpp>

namespace minidl::optim {

Adam::Adam(AdamOptions options) : Adam("Adam", shared_options(options), options) {}

Adam::Adam(std::string class_name, SharedOptions shared, AdamOptions options)
    : Optimizer(std::move(class_name), std::move(shared)), options_(std::move(options)) {
  require_finite(where(), {{"beta_1", options_.beta_1}, {"beta_2", options_.beta_2}, {"epsilon", options_.epsilon}});
}

std::vector<std::string> Adam::slot_names() const {
  if (options_.amsgrad) return {"momentum", "velocity", "velocity_hat"};
  return {"momentum", "velocity"};
}

// Keras creates momentum and velocity together per weight, then amsgrad's velocity_hat apart.
std::vector<std::vector<std::size_t>> Adam::keras_slot_groups() const {
  if (options_.amsgrad) return {{0, 1}, {2}};
  return {{0, 1}};
}

void Adam::update(const Tensor& weight, const Tensor& gradient, std::vector<Tensor>& slots, double learning_rate,
                  std::int64_t step) {
  dispatch(weight.dtype(), [&]<class T>() {
    const auto [w, g, n] = elements<T>(weight, gradient);
    T* m = slots[0].data<T>();
    T* v = slots[1].data<T>();
    T* v_hat = options_.amsgrad ? slots[2].data<T>() : nullptr;
    const T beta_1 = T(options_.beta_1), beta_2 = T(options_.beta_2), epsilon = T(options_.epsilon);
    const T beta_1_power = std::pow(beta_1, T(step)), beta_2_power = std::pow(beta_2, T(step));
    const T alpha = T(learning_rate) * std::sqrt(1 - beta_2_power) / (1 - beta_1_power);
    for (std::int64_t i = 0; i < n; ++i) {
      m[i] += (g[i] - m[i]) * (1 - beta_1);
      v[i] += (g[i] * g[i] - v[i]) * (1 - beta_2);
      T velocity = v[i];
      if (v_hat) velocity = v_hat[i] = std::max(v_hat[i], v[i]);
      w[i] -= (m[i] * alpha) / (std::sqrt(velocity) + epsilon);
    }
  });
}

nlohmann::json Adam::get_config() const {
  auto config = Optimizer::get_config();
  config["beta_1"] = options_.beta_1;
  config["beta_2"] = options_.beta_2;
  config["epsilon"] = options_.epsilon;
  config["amsgrad"] = options_.amsgrad;
  return config;
}

AdamW::AdamW(AdamWOptions options)
    : Adam("AdamW",
           {options.learning_rate, options.weight_decay, options.clipnorm, options.clipvalue, options.global_clipnorm,
            options.name},
           {.learning_rate = options.learning_rate, .beta_1 = options.beta_1, .beta_2 = options.beta_2,
            .epsilon = options.epsilon, .amsgrad = options.amsgrad}) {}

}  // namespace minidl::optim
