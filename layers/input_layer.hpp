#pragma once
// keras.Input and keras.layers.InputLayer: the start of a functional model, a symbolic tensor of
// a given shape and dtype.
//   SymbolicTensor series = Input({.shape = {128, 1}, .name = "series"});
#include <minidl/layers/layer.hpp>

#include <optional>
#include <string>

namespace minidl::layers {

struct InputOptions {
  // The shape of one sample, without the batch axis; every extent known (>= 0).
  Shape shape = {};
  // A fixed batch size; unset: any (Keras's None).
  std::optional<std::int64_t> batch_size = std::nullopt;
  std::string dtype = "float32";
  // The shape with the batch axis first (unknown_batch for any); instead of shape and batch_size.
  std::optional<Shape> batch_shape = std::nullopt;
  // Empty: Keras's automatic name ("input_layer", "input_layer_1", ...).
  std::string name = "";
};

// A layer without weights or inputs: its one node, a symbolic call on no tensors, makes the
// symbolic tensor that Input() returns.
class InputLayer : public Layer {
 public:
  using Options = InputOptions;
  explicit InputLayer(InputOptions options);
  // Batch axis first, unknown_batch where Input() left it open.
  const Shape& batch_shape() const { return batch_shape_; }
  Shape compute_output_shape(const Shape& input_shape) const override { return input_shape; }
  // Keras's keys: batch_shape, dtype, sparse, ragged, name, optional.
  nlohmann::json get_config() const override;
  static std::unique_ptr<InputLayer> from_config(const nlohmann::json& config);

 protected:
  void check_input(const Shape&) const override {}
  void build_weights(const Shape&) override {}
  Tensor call(const Tensor& inputs) override { return inputs; }
  std::vector<Shape> node_output_shapes(const std::vector<Shape>& input_shapes, bool list_argument) const override;

 private:
  Shape batch_shape_;
};

// A new InputLayer's symbolic tensor: keras.Input.
SymbolicTensor Input(InputOptions options);

}  // namespace minidl::layers

namespace minidl {
using layers::Input;
using layers::SymbolicTensor;
}  // namespace minidl
