// activations::get: Keras's names to functions, with Keras's defaults fixed.
#include <minidl/autograd/activations/activations.hpp>

#include <minidl/core/errors.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>

namespace minidl::activations {

namespace {

const std::map<std::string, Activation, std::less<>>& registry() {
  static const std::map<std::string, Activation, std::less<>> by_name = {
      {"celu", [](const Tensor& x) { return celu(x); }},
      {"elu", [](const Tensor& x) { return elu(x); }},
      {"exponential", exponential},
      {"gelu", [](const Tensor& x) { return gelu(x); }},
      {"glu", [](const Tensor& x) { return glu(x); }},
      {"hard_shrink", [](const Tensor& x) { return hard_shrink(x); }},
      {"hard_sigmoid", hard_sigmoid},
      {"hard_silu", hard_silu},
      {"hard_swish", hard_silu},
      {"hard_tanh", hard_tanh},
      {"leaky_relu", [](const Tensor& x) { return leaky_relu(x); }},
      {"linear", linear},
      {"log_sigmoid", log_sigmoid},
      {"log_softmax", [](const Tensor& x) { return log_softmax(x); }},
      {"mish", mish},
      {"relu", [](const Tensor& x) { return relu(x); }},
      {"relu6", relu6},
      {"selu", selu},
      {"sigmoid", sigmoid},
      {"silu", silu},
      {"soft_shrink", [](const Tensor& x) { return soft_shrink(x); }},
      {"softmax", [](const Tensor& x) { return softmax(x); }},
      {"softplus", softplus},
      {"softsign", softsign},
      {"sparse_plus", sparse_plus},
      {"sparse_sigmoid", sparse_sigmoid},
      {"sparsemax", [](const Tensor& x) { return sparsemax(x); }},
      {"squareplus", [](const Tensor& x) { return squareplus(x); }},
      {"swish", silu},
      {"tanh", tanh},
      {"tanh_shrink", tanh_shrink},
  };
  return by_name;
}

}  // namespace

Activation get(std::string_view name) {
  const auto& by_name = registry();
  if (auto found = by_name.find(name); found != by_name.end()) return found->second;
  throw_invalid_argument("activations::get", "activation", fmt::format("expected one of {}", fmt::join(names(), ", ")),
                         fmt::format("activation=\"{}\"", name));
}

std::vector<std::string> names() {
  std::vector<std::string> result;
  for (const auto& [name, function] : registry()) result.push_back(name);
  return result;
}

}  // namespace minidl::activations
