#pragma once
// What both bad-input test files use: NaN and infinity, and the one-Dense model they feed bad fit,
// evaluate and predict arguments to.
#include <minidl/minidl.hpp>
#include <minidl/models/sequential.hpp>

#include <limits>
#include <memory>

namespace minidl::testing {

inline const double nan_value = std::numeric_limits<double>::quiet_NaN();
inline const double inf_value = std::numeric_limits<double>::infinity();

inline std::unique_ptr<models::Sequential> dense_model() {
  auto model = std::make_unique<models::Sequential>(models::SequentialOptions{.name = "m", .dtype = "float64"});
  model->add<layers::Dense>({.units = 1, .kernel_initializer = "ones", .dtype = "float64"});
  model->compile(std::make_unique<optim::SGD>(optim::SGDOptions{.learning_rate = 0.01}), "mse");
  return model;
}

}  // namespace minidl::testing
