#include <minidl/layers/variable.hpp>

#include <minidl/core/errors.hpp>

#include <fmt/format.h>

namespace minidl::layers {

Variable::Variable(std::string path, Tensor value, bool trainable, regularizers::Regularizer regularizer,
                   constraints::Constraint constraint)
    : path_(std::move(path)),
      value_(std::move(value)),
      trainable_(trainable),
      created_trainable_(trainable),
      regularizer_(std::move(regularizer)),
      constraint_(std::move(constraint)) {
  value_.set_requires_grad(trainable_);
}

std::string Variable::name() const { return path_.substr(path_.rfind('/') + 1); }

void Variable::assign(const Tensor& source) {
  if (source.shape() != value_.shape())
    throw ShapeError(fmt::format("Variable '{}': cannot assign a value of shape {} to a weight of shape {}", path_,
                                 shape_to_string(source.shape()), shape_to_string(value_.shape())));
  if (source.dtype() != value_.dtype())
    throw InvalidArgument(fmt::format("Variable '{}': cannot assign a {} value to a {} weight", path_,
                                      dtype_name(source.dtype()), dtype_name(value_.dtype())));
  value_.assign(source);
}

void Variable::set_trainable(bool trainable) {
  trainable_ = trainable;
  value_.set_requires_grad(trainable);
}

void Variable::apply_constraint() {
  if (constraint_) value_.assign(constraint_.apply(value_));
}

}  // namespace minidl::layers
