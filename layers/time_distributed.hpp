#pragma once
// keras.layers.TimeDistributed: one layer applied to every step of a sequence, with the same
// weights at every step. Input (batch, steps, ...): the layer sees (batch, ...) per step and the
// outputs are stacked back along axis 1. A mask on the input is passed on.
//   layers::TimeDistributed per_step(std::make_unique<layers::Dense>(layers::DenseOptions{.units = 8}));
//   Tensor y = per_step(x);  // (batch, steps, 8)
#include <minidl/layers/layer.hpp>

#include <memory>

namespace minidl::layers {

struct TimeDistributedOptions {
  std::string name = "";
  bool trainable = true;
  // Empty: the wrapped layer's; otherwise it must be that.
  std::string dtype = "";
};

class TimeDistributed : public Layer {
 public:
  using Options = TimeDistributedOptions;
  // Keras wraps the very layer it is given: so does this, taking it over.
  explicit TimeDistributed(std::unique_ptr<Layer> layer, TimeDistributedOptions options = {});
  Shape compute_output_shape(const Shape& input_shape) const override;
  bool supports_masking() const override { return true; }
  nlohmann::json get_config() const override;
  static std::unique_ptr<TimeDistributed> from_config(const nlohmann::json& config);
  Layer& layer() { return *layer_; }
  const Layer& layer() const { return *layer_; }

 protected:
  void check_input(const Shape& input_shape) const override;
  void build_weights(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs) override;
  void set_path_prefix(const std::string& prefix) override;

 private:
  // (batch, ...): what the wrapped layer sees of one step.
  Shape step_shape(const Shape& input_shape) const;
  std::unique_ptr<Layer> layer_;
};

}  // namespace minidl::layers
