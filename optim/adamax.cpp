#include <minidl/optim/optimizers.hpp>
#include <minidl/optim/shared_options.hpp>

#include <cmath>
#include <nlohmann/json.hpp>

namespace minidl::optim {

Adamax::Adamax(AdamaxOptions options) : Optimizer("Adamax", shared_options(options)), options_(std::move(options)) {
  require_finite(where(), {{"beta_1", options_.beta_1}, {"beta_2", options_.beta_2}, {"epsilon", options_.epsilon}});
}

std::vector<std::string> Adamax::slot_names() const { return {"momentum", "norm"}; }

void Adamax::update(const Tensor& weight, const Tensor& gradient, std::vector<Tensor>& slots, double learning_rate,
                    std::int64_t step) {
  dispatch(weight.dtype(), [&]<class T>() {
    const auto [w, g, n] = elements<T>(weight, gradient);
    T* m = slots[0].data<T>();
    T* u = slots[1].data<T>();
    const T beta_1 = T(options_.beta_1), beta_2 = T(options_.beta_2), epsilon = T(options_.epsilon);
    const T lr = T(learning_rate), beta_1_power = std::pow(beta_1, T(step));
    for (std::int64_t i = 0; i < n; ++i) {
      m[i] += (g[i] - m[i]) * (1 - beta_1);
      u[i] = std::max(beta_2 * u[i], std::abs(g[i]));
      w[i] -= (lr * m[i]) / ((1 - beta_1_power) * (u[i] + epsilon));
    }
  });
}

nlohmann::json Adamax::get_config() const {
  auto config = Optimizer::get_config();
  config["beta_1"] = options_.beta_1;
  config["beta_2"] = options_.beta_2;
  config["epsilon"] = options_.epsilon;
  return config;
}

}  // namespace minidl::optim
