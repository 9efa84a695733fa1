#pragma once
// The pieces a stream is made of (internal to streaming/): a Block holds the new steps of one
// tensor of the model, and a Stage computes one layer's block from its inputs' blocks.
#include <minidl/core/tensor.hpp>
#include <minidl/layers/activation.hpp>

#include <memory>
#include <vector>

namespace minidl::layers {
class Layer;
}

namespace minidl::streaming {

// The new steps of one tensor of the model: batch · steps rows of `features` values, packed.
struct Block {
  std::int64_t features = 0;
  DType dtype = DType::float32;
  // Grown, never shrunk, so that pushes of blocks no longer than before allocate nothing.
  Tensor storage;

  void reserve(std::int64_t rows);
  template <class T>
  T* data() const {
    return storage.data<T>();
  }
  // Rows [0, rows) as a (batch, steps, features) tensor: a view, for the layers computed by op.
  Tensor view(std::int64_t batch, std::int64_t steps) const;
  // Overwrites rows [0, batch · steps) with `values` (batch, steps, features).
  void fill(const Tensor& values);
};

class Stage {
 public:
  virtual ~Stage() = default;
  // Computes this layer's output rows for `steps` new steps of each of `batch` streams.
  virtual void run(std::int64_t batch, std::int64_t steps) = 0;
  // What a causal convolution remembers, (batch, rows, channels); nothing elsewhere.
  virtual Tensor history() const { return Tensor(); }
  virtual void restore_history(const Tensor&) {}
  virtual void reset() {}
  // dilation·(kernel_size − 1): how far into the past this layer reaches beyond the current step.
  virtual std::int64_t reach() const { return 0; }
};

// Applies a layer's activation to rows [0, batch · steps) of `block` in place: relu and linear
// directly, others through their op (which allocates).
void activate(const layers::ActivationSpec& activation, Block& block, std::int64_t batch, std::int64_t steps);

// One stage per kind of layer; `inputs` and `output` outlive the stage.
std::unique_ptr<Stage> causal_convolution_stage(layers::Layer& conv1d, const Block& input, Block& output, std::int64_t batch);
std::unique_ptr<Stage> dense_stage(layers::Layer& dense, const Block& input, Block& output);
std::unique_ptr<Stage> add_stage(std::vector<const Block*> inputs, Block& output);
std::unique_ptr<Stage> concatenate_stage(std::vector<const Block*> inputs, Block& output);
std::unique_ptr<Stage> activation_stage(layers::ActivationSpec activation, const Block& input, Block& output);
// A layer that works on each step on its own (normalization over features, say), run by its call.
std::unique_ptr<Stage> stepwise_layer_stage(layers::Layer& layer, const Block& input, Block& output);

}  // namespace minidl::streaming
