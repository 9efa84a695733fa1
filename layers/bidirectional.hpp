#pragma once
// keras.layers.Bidirectional: a recurrent layer run over the sequence twice, forward and backward,
// with the two outputs merged. As Keras's, it makes its own two layers from the given one's config
// (the weights start afresh): "forward_<name>", and "backward_<name>" with go_backwards flipped;
// with return_sequences both give zeros at masked steps (Keras forces zero_output_for_mask), and
// the backward sequence is flipped back to time order before merging.
//   layers::Bidirectional bidirectional(layers::LSTM({.units = 32, .return_sequences = true}));
//   Tensor y = bidirectional(x);  // (batch, steps, 64)
#include <minidl/layers/recurrent.hpp>

#include <optional>

namespace minidl::layers {

struct BidirectionalOptions {
  // "concat" (the default), "sum", "mul", "ave", or none (Keras's None): both outputs, apart.
  std::optional<std::string> merge_mode = "concat";
  std::string name = "";
  bool trainable = true;
  // Empty: the wrapped layer's; otherwise it must be that.
  std::string dtype = "";
};

class Bidirectional : public Layer {
 public:
  using Options = BidirectionalOptions;
  explicit Bidirectional(const Recurrent& layer, BidirectionalOptions options = {});
  // Keras's backward_layer: this one's config (and weights, once built) for the backward pass; its
  // go_backwards must differ from layer's, and return_sequences, return_state and stateful match.
  Bidirectional(const Recurrent& layer, const Recurrent& backward_layer, BidirectionalOptions options = {});

  Shape compute_output_shape(const Shape& input_shape) const override;
  // Every output: the merged one (two with merge_mode none), then the forward layer's final
  // states and the backward one's, whatever return_state says. initial_state: none, or the
  // forward states then the backward ones.
  std::vector<Tensor> call_with_state(const Tensor& inputs, const std::vector<Tensor>& initial_state = {}, bool training = false);
  std::vector<Tensor> call_node(const std::vector<Tensor>& inputs, bool list_argument, bool training) override;
  bool supports_masking() const override { return true; }
  Tensor compute_mask(const Tensor& inputs, const Tensor& mask) const override;
  nlohmann::json get_config() const override;
  static std::unique_ptr<Bidirectional> from_config(const nlohmann::json& config);

  Recurrent& forward_layer() { return *forward_; }
  Recurrent& backward_layer() { return *backward_; }
  const Recurrent& forward_layer() const { return *forward_; }
  const Recurrent& backward_layer() const { return *backward_; }
  const std::optional<std::string>& merge_mode() const { return merge_mode_; }
  bool return_sequences() const { return forward_->return_sequences(); }
  bool return_state() const { return forward_->return_state(); }

 protected:
  void check_input(const Shape& input_shape) const override;
  void build_weights(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs) override;
  std::vector<Shape> node_output_shapes(const std::vector<Shape>& input_shapes, bool list_argument) const override;
  void set_path_prefix(const std::string& prefix) override;

 private:
  Bidirectional(std::unique_ptr<Recurrent> forward, std::unique_ptr<Recurrent> backward, BidirectionalOptions options);
  std::size_t output_count() const { return merge_mode_ ? 1 : 2; }

  std::unique_ptr<Recurrent> forward_, backward_;
  std::optional<std::string> merge_mode_;
  // For a call_with_state in progress: its initial states, and the outputs after the first.
  std::vector<Tensor> initial_state_;
  bool keep_all_outputs_ = false;
  std::vector<Tensor> more_outputs_;
  // Calls on several threads take turns over the members above.
  std::recursive_mutex call_state_mutex_;
};

}  // namespace minidl::layers
