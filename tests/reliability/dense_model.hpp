#pragma once
// The one-Dense model the reliability tests feed bad fit, evaluate and predict arguments to.
#include <minidl/minidl.hpp>
#include <minidl/models/sequential.hpp>

#include <memory>

namespace minidl::testing {

inline std::unique_ptr<models::Sequential> dense_model() {
  auto model = std::make_unique<models::Sequential>(models::SequentialOptions{.name = "m", .dtype = "float64"});
  model->add<layers::Dense>({.units = 1, .kernel_initializer = "ones", .dtype = "float64"});
  model->compile(std::make_unique<optim::SGD>(optim::SGDOptions{.learning_rate = 0.01}), "mse");
  return model;
}

}  // namespace minidl::testing
