#include <minidl/optim/optimizers.hpp>
#include <minidl/optim/shared_options.hpp>

#include <cmath>
#include <nlohmann/json.hpp>

namespace minidl::optim {

Adagrad::Adagrad(AdagradOptions options) : Optimizer("Adagrad", shared_options(options)), options_(std::move(options)) {
  require_finite(where(), {{"initial_accumulator_value", options_.initial_accumulator_value}, {"epsilon", options_.epsilon}});
}

std::vector<std::string> Adagrad::slot_names() const { return {"accumulator"}; }

void Adagrad::update(const Tensor& weight, const Tensor& gradient, std::vector<Tensor>& slots, double learning_rate,
                     std::int64_t) {
  dispatch(weight.dtype(), [&]<class T>() {
    const auto [w, g, n] = elements<T>(weight, gradient);
    T* accumulator = slots[0].data<T>();
    const T lr = T(learning_rate), epsilon = T(options_.epsilon);
    for (std::int64_t i = 0; i < n; ++i) {
      accumulator[i] += g[i] * g[i];
      w[i] -= (lr * g[i]) / std::sqrt(accumulator[i] + epsilon);
    }
  });
}

nlohmann::json Adagrad::get_config() const {
  auto config = Optimizer::get_config();
  config["initial_accumulator_value"] = options_.initial_accumulator_value;
  config["epsilon"] = options_.epsilon;
  return config;
}

}  // namespace minidl::optim
