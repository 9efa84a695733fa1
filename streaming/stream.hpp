#pragma once
// Streaming inference of a causal model: its outputs for each new step (or block of steps) as the
// input arrives, exactly those of the model run on the whole sequence so far, at a cost that does
// not grow with the sequence. Each causal convolution keeps its last dilation·(kernel_size − 1)
// inputs (the Fast WaveNet idea), so a step costs one step of every layer.
//   streaming::Stream stream(model);          // a built Sequential or Functional model
//   Tensor y = stream.step(x_t);               // x_t (batch, features) → (batch, units)
//   Tensor ys = stream.push(block);            // (batch, steps, features) → (batch, steps, units)
// In float64 the outputs equal model(whole sequence)'s bit for bit; in float32 to rounding (the
// whole-sequence pass sums in another order). See docs/streaming.md for the layers a stream takes.
#include <minidl/core/tensor.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace minidl::models {
class Model;
}

namespace minidl::streaming {

struct StreamOptions {
  // How many independent streams run side by side: the batch extent of every block pushed.
  std::int64_t batch_size = 1;
};

// What a stream remembers of the past: everything its next outputs depend on besides the input.
struct StreamState {
  // Steps pushed since the stream started or was reset.
  std::int64_t steps = 0;
  // Each causal convolution's last dilation·(kernel_size − 1) inputs, (batch, rows, channels), in
  // the order the model runs them.
  std::vector<Tensor> histories;
};

class Stream {
 public:
  // Plans the stream of a built model of one input (batch, steps, features) and one output
  // (batch, steps, units) whose every layer is causal in time; a layer that is not (padding
  // "same" or "valid" with kernel_size > 1, strides > 1, pooling or flattening across time, ...)
  // is refused with an InvalidArgument naming it and why. The stream reads the model's weights as
  // they are at each push (an optimizer's updates show); the model must outlive it.
  explicit Stream(models::Model& model, StreamOptions options = {});
  ~Stream();
  Stream(Stream&&) noexcept;
  Stream& operator=(Stream&&) noexcept;

  // The outputs of the next steps: block (batch, steps, features) → (batch, steps, units). A push
  // that throws from within a layer (a MemoryError, say) leaves the stream reset.
  Tensor push(const Tensor& block);
  // The same into `outputs` (batch, steps, units), contiguous: once a block of this many steps has
  // been pushed, no heap allocation (see docs/streaming.md for the layers that keep this promise).
  void push(const Tensor& block, Tensor& outputs);
  // One step: x (batch, features) → (batch, units).
  Tensor step(const Tensor& x);
  // One step into `outputs` (batch, units), as push into outputs.
  void step(const Tensor& x, Tensor& outputs);

  // Forgets the past: the next step is the first of a new sequence (zeros before it, as causal
  // padding).
  void reset();
  StreamState state() const;
  // Continues from a state taken from a stream of the same model and batch size (shapes checked).
  void restore(const StreamState& state);
  // The state in a file (written atomically) and back; load_state checks the file against this stream.
  void save_state(const std::string& path) const;
  void load_state(const std::string& path);

  std::int64_t steps() const;
  std::int64_t batch_size() const;
  std::int64_t input_features() const;
  std::int64_t output_features() const;
  // How many steps of the input one output sees, the current one included: 1 + the largest sum of
  // dilation·(kernel_size − 1) along a path through the model.
  std::int64_t receptive_field() const;

 private:
  struct Plan;
  std::unique_ptr<Plan> plan_;
};

}  // namespace minidl::streaming
