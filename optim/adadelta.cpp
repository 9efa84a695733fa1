#include <minidl/optim/optimizers.hpp>
#include <minidl/optim/shared_options.hpp>

#include <cmath>
#include <nlohmann/json.hpp>

namespace minidl::optim {

Adadelta::Adadelta(AdadeltaOptions options) : Optimizer("Adadelta", shared_options(options)), options_(std::move(options)) {
  require_finite(where(), {{"rho", options_.rho}, {"epsilon", options_.epsilon}});
}

std::vector<std::string> Adadelta::slot_names() const { return {"accumulated_grad", "accumulated_delta_var"}; }

void Adadelta::update(const Tensor& weight, const Tensor& gradient, std::vector<Tensor>& slots, double learning_rate,
                      std::int64_t) {
  dispatch(weight.dtype(), [&]<class T>() {
    const auto [w, g, n] = elements<T>(weight, gradient);
    T* accumulated_grad = slots[0].data<T>();
    T* accumulated_delta = slots[1].data<T>();
    const T rho = T(options_.rho), epsilon = T(options_.epsilon), lr = T(learning_rate);
    for (std::int64_t i = 0; i < n; ++i) {
      accumulated_grad[i] = rho * accumulated_grad[i] + (1 - rho) * (g[i] * g[i]);
      const T delta = -((std::sqrt(accumulated_delta[i] + epsilon) * g[i]) / std::sqrt(accumulated_grad[i] + epsilon));
      accumulated_delta[i] = rho * accumulated_delta[i] + (1 - rho) * (delta * delta);
      w[i] += lr * delta;
    }
  });
}

nlohmann::json Adadelta::get_config() const {
  auto config = Optimizer::get_config();
  config["rho"] = options_.rho;
  config["epsilon"] = options_.epsilon;
  return config;
}

}  // namespace minidl::optim
