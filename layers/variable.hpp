#pragma once
// A layer's weight, as Keras's add_weight makes it: a named leaf tensor that carries its own
// regularizer and constraint, so that losses() and every optimizer find them on the weight.
#include <minidl/core/tensor.hpp>
#include <minidl/layers/constraints/constraints.hpp>
#include <minidl/layers/regularizers/regularizers.hpp>

#include <string>

namespace minidl::layers {

class Variable {
 public:
  Variable(std::string path, Tensor value, bool trainable, regularizers::Regularizer regularizer,
           constraints::Constraint constraint);

  // "kernel", "bias".
  std::string name() const;
  // "<layer name>/<weight name>", as Keras's variable path; inside a wrapper and in a recurrent
  // layer's cell, Keras's longer one ("both_ways/forward_lstm/lstm_cell/kernel").
  const std::string& path() const { return path_; }
  void set_path(std::string path) { path_ = std::move(path); }
  // The leaf tensor (requires grad while trainable); gradients land on value().grad().
  const Tensor& value() const { return value_; }
  const Shape& shape() const { return value_.shape(); }
  // Overwrites the values in place (shape and dtype checked); the tensor keeps its identity.
  void assign(const Tensor& source);
  bool trainable() const { return trainable_; }
  void set_trainable(bool trainable);
  // Whether it was made trainable (a BatchNormalization's moving statistics never are): only such
  // weights follow their layer's trainable flag, as Keras's layer.trainable setter.
  bool created_trainable() const { return created_trainable_; }
  const regularizers::Regularizer& regularizer() const { return regularizer_; }
  const constraints::Constraint& constraint() const { return constraint_; }
  // Replaces the value by constraint(value); what an optimizer does right after updating it.
  void apply_constraint();
  // Exchanges the value tensor with `other` (Layer::stateless_call uses it for the duration of a call).
  void swap_value(Tensor& other) { std::swap(value_, other); }

 private:
  std::string path_;
  Tensor value_;
  bool trainable_;
  bool created_trainable_;
  regularizers::Regularizer regularizer_;
  constraints::Constraint constraint_;
};

}  // namespace minidl::layers
