#include <minidl/optim/optimizers.hpp>
#include <minidl/optim/shared_options.hpp>

#include <cmath>
#include <nlohmann/json.hpp>

namespace minidl::optim {

RMSprop::RMSprop(RMSpropOptions options) : Optimizer("RMSprop", shared_options(options)), options_(std::move(options)) {
  require_finite(where(), {{"rho", options_.rho}, {"momentum", options_.momentum}, {"epsilon", options_.epsilon}});
}

std::vector<std::string> RMSprop::slot_names() const {
  std::vector<std::string> names = {"velocity"};
  if (options_.momentum > 0) names.push_back("momentum");
  if (options_.centered) names.push_back("average_gradient");
  return names;
}

// Keras creates each kind of slot for every weight before the next kind.
std::vector<std::vector<std::size_t>> RMSprop::keras_slot_groups() const {
  std::vector<std::vector<std::size_t>> groups;
  for (std::size_t s = 0; s < slot_names().size(); ++s) groups.push_back({s});
  return groups;
}

void RMSprop::update(const Tensor& weight, const Tensor& gradient, std::vector<Tensor>& slots, double learning_rate,
                     std::int64_t) {
  dispatch(weight.dtype(), [&]<class T>() {
    const auto [w, g, n] = elements<T>(weight, gradient);
    T* velocity = slots[0].data<T>();
    T* momentum = options_.momentum > 0 ? slots[1].data<T>() : nullptr;
    T* average = options_.centered ? slots.back().data<T>() : nullptr;
    const T rho = T(options_.rho), epsilon = T(options_.epsilon), lr = T(learning_rate), mu = T(options_.momentum);
    for (std::int64_t i = 0; i < n; ++i) {
      velocity[i] = rho * velocity[i] + (1 - rho) * (g[i] * g[i]);
      T denominator = velocity[i] + epsilon;
      if (average) {
        average[i] = rho * average[i] + (1 - rho) * g[i];
        denominator = velocity[i] - average[i] * average[i] + epsilon;
      }
      const T increment = (lr * g[i]) / std::sqrt(denominator);
      if (momentum) {
        momentum[i] = mu * momentum[i] + increment;
        w[i] -= momentum[i];
      } else {
        w[i] -= increment;
      }
    }
  });
}

nlohmann::json RMSprop::get_config() const {
  auto config = Optimizer::get_config();
  config["rho"] = options_.rho;
  config["momentum"] = options_.momentum;
  config["epsilon"] = options_.epsilon;
  config["centered"] = options_.centered;
  return config;
}

}  // namespace minidl::optim
