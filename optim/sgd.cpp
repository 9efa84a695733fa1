#include <minidl/optim/optimizers.hpp>
#include <minidl/optim/shared_options.hpp>

#include <minidl/core/errors.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace minidl::optim {

SGD::SGD(SGDOptions options) : Optimizer("SGD", shared_options(options)), options_(std::move(options)) {
  if (!(options_.momentum >= 0 && options_.momentum <= 1))
    throw_invalid_argument(where(), "momentum", "expected a float in [0, 1]", fmt::format("momentum={}", options_.momentum));
}

std::vector<std::string> SGD::slot_names() const {
  if (options_.momentum == 0) return {};
  return {"momentum"};
}

void SGD::update(const Tensor& weight, const Tensor& gradient, std::vector<Tensor>& slots, double learning_rate,
                 std::int64_t) {
  dispatch(weight.dtype(), [&]<class T>() {
    const auto [w, g, n] = elements<T>(weight, gradient);
    const T lr = T(learning_rate);
    if (slots.empty()) {
      for (std::int64_t i = 0; i < n; ++i) w[i] -= g[i] * lr;
      return;
    }
    T* m = slots[0].data<T>();
    const T momentum = T(options_.momentum);
    for (std::int64_t i = 0; i < n; ++i) {
      m[i] = m[i] * momentum - g[i] * lr;
      w[i] += options_.nesterov ? m[i] * momentum - g[i] * lr : m[i];
    }
  });
}

nlohmann::json SGD::get_config() const {
  auto config = Optimizer::get_config();
  config["momentum"] = options_.momentum;
  config["nesterov"] = options_.nesterov;
  return config;
}

}  // namespace minidl::optim
