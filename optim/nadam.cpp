#include <minidl/optim/optimizers.hpp>
#include <minidl/optim/shared_options.hpp>

#include <cmath>
#include <nlohmann/json.hpp>

namespace minidl::optim {

namespace {
// Nadam's momentum schedule μ_t = β1(1 − 0.5·0.96ᵗ) (Dozat, 2016).
double momentum_at(double beta_1, std::int64_t step) { return beta_1 * (1.0 - 0.5 * std::pow(0.96, double(step))); }
}  // namespace

Nadam::Nadam(NadamOptions options) : Optimizer("Nadam", shared_options(options)), options_(std::move(options)) {
  require_finite(where(), {{"beta_1", options_.beta_1}, {"beta_2", options_.beta_2}, {"epsilon", options_.epsilon}});
}

std::vector<std::string> Nadam::slot_names() const { return {"momentum", "velocity"}; }

void Nadam::begin_step(std::int64_t step) { u_product_ *= momentum_at(options_.beta_1, step); }

void Nadam::update(const Tensor& weight, const Tensor& gradient, std::vector<Tensor>& slots, double learning_rate,
                   std::int64_t step) {
  dispatch(weight.dtype(), [&]<class T>() {
    const auto [w, g, n] = elements<T>(weight, gradient);
    T* m = slots[0].data<T>();
    T* v = slots[1].data<T>();
    const T beta_1 = T(options_.beta_1), beta_2 = T(options_.beta_2), epsilon = T(options_.epsilon), lr = T(learning_rate);
    const T u_t = T(momentum_at(options_.beta_1, step)), u_next = T(momentum_at(options_.beta_1, step + 1));
    const T u_product = T(u_product_), u_product_next = u_product * u_next;
    const T beta_2_power = std::pow(beta_2, T(step));
    for (std::int64_t i = 0; i < n; ++i) {
      m[i] += (g[i] - m[i]) * (1 - beta_1);
      v[i] += (g[i] * g[i] - v[i]) * (1 - beta_2);
      const T m_hat = (u_next * m[i]) / (1 - u_product_next) + ((1 - u_t) * g[i]) / (1 - u_product);
      const T v_hat = v[i] / (1 - beta_2_power);
      w[i] -= (m_hat * lr) / (std::sqrt(v_hat) + epsilon);
    }
  });
}

std::vector<std::pair<std::string, Tensor>> Nadam::shared_state() const {
  return {{"u_product", Tensor(std::vector<double>{u_product_}, {})}};
}

void Nadam::load_shared_state(const std::vector<std::pair<std::string, Tensor>>& state) {
  u_product_ = state.at(0).second.item();
}

nlohmann::json Nadam::get_config() const {
  auto config = Optimizer::get_config();
  config["beta_1"] = options_.beta_1;
  config["beta_2"] = options_.beta_2;
  config["epsilon"] = options_.epsilon;
  return config;
}

}  // namespace minidl::optim
