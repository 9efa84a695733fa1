#pragma once
// keras.layers.Add and Concatenate: layers called on a list of tensors, for residual and skip
// connections.
//   layers::Add add;
//   Tensor y = add({x, block(x)});
#include <minidl/layers/layer.hpp>

#include <vector>

namespace minidl::layers {

struct AddOptions {
  std::string name = "";
  std::string dtype = "float32";
};

struct ConcatenateOptions {
  // The axis the inputs are joined along; the others must match.
  std::int64_t axis = -1;
  std::string name = "";
  std::string dtype = "float32";
};

// A layer of several inputs with the same batch size. Calling it on a single tensor (as
// Sequential would) is an error naming the layer.
class Merge : public Layer {
 public:
  using Layer::compute_mask;
  using Layer::operator();
  Tensor operator()(const std::vector<Tensor>& inputs, bool training = false);
  std::vector<Tensor> call_node(const std::vector<Tensor>& inputs, bool list_argument, bool training) override;
  virtual Shape compute_output_shape(const std::vector<Shape>& input_shapes) const = 0;
  Shape compute_output_shape(const Shape& input_shape) const override;
  bool supports_masking() const override { return true; }
  // The output's mask from the inputs' (Keras's Merge.compute_mask): none unless every input
  // carries one, then their union.
  virtual Tensor compute_mask(const std::vector<Tensor>& inputs) const;

 protected:
  using Layer::Layer;
  void check_input(const Shape& input_shape) const override;
  void build_weights(const Shape&) override {}
  Tensor call(const Tensor& inputs) override;
  std::vector<Shape> node_output_shapes(const std::vector<Shape>& input_shapes, bool list_argument) const override;
  virtual Tensor merge(const std::vector<Tensor>& inputs) const = 0;
  // Throws unless there is at least one shape, each of rank >= 1, with one batch size.
  void check_batch(const std::vector<Shape>& input_shapes) const;
};

// The element-wise sum. Shapes after the batch axis broadcast as numpy's; an input of lower rank
// gets extent-1 axes inserted after its batch axis first, as Keras does.
class Add : public Merge {
 public:
  using Options = AddOptions;
  explicit Add(AddOptions options = {});
  using Merge::compute_output_shape;
  Shape compute_output_shape(const std::vector<Shape>& input_shapes) const override;

 protected:
  Tensor merge(const std::vector<Tensor>& inputs) const override;
};

class Concatenate : public Merge {
 public:
  using Options = ConcatenateOptions;
  explicit Concatenate(ConcatenateOptions options = {});
  using Merge::compute_mask;
  using Merge::compute_output_shape;
  Shape compute_output_shape(const std::vector<Shape>& input_shapes) const override;
  // Keras's: each input's mask (all ones for an input without one) spread over its shape, joined
  // along the axis, then kept where any value of the last axis is; none when no input has a mask.
  Tensor compute_mask(const std::vector<Tensor>& inputs) const override;
  nlohmann::json get_config() const override;

 protected:
  Tensor merge(const std::vector<Tensor>& inputs) const override;

 private:
  std::int64_t axis_;
};

}  // namespace minidl::layers
