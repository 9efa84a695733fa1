// The stages of layers that work on each step on its own: merges, activations, and the layers run
// through their own call on the new steps (which gives the same values as on the whole sequence,
// since nothing in them mixes steps).
#include <minidl/streaming/stages.hpp>

#include <minidl/autograd/grad_mode.hpp>
#include <minidl/layers/layer.hpp>

#include <cstring>

namespace minidl::streaming {

namespace {

// Add: ((x0 + x1) + x2) + …, in the order Add's merge sums.
class AddStage : public Stage {
 public:
  AddStage(std::vector<const Block*> inputs, Block& output) : inputs_(std::move(inputs)), output_(output) {}

  void run(std::int64_t batch, std::int64_t steps) override {
    const std::int64_t count = batch * steps * output_.features;
    dispatch(output_.dtype, [&]<class T>() {
      T* sum = output_.data<T>();
      std::memcpy(sum, inputs_[0]->data<T>(), std::size_t(count) * sizeof(T));
      for (std::size_t i = 1; i < inputs_.size(); ++i) {
        const T* term = inputs_[i]->data<T>();
        for (std::int64_t k = 0; k < count; ++k) sum[k] = sum[k] + term[k];
      }
    });
  }

 private:
  std::vector<const Block*> inputs_;
  Block& output_;
};

// Concatenate along the features.
class ConcatenateStage : public Stage {
 public:
  ConcatenateStage(std::vector<const Block*> inputs, Block& output) : inputs_(std::move(inputs)), output_(output) {}

  void run(std::int64_t batch, std::int64_t steps) override {
    dispatch(output_.dtype, [&]<class T>() {
      T* out = output_.data<T>();
      for (std::int64_t row = 0; row < batch * steps; ++row) {
        T* target = out + row * output_.features;
        for (const Block* input : inputs_) {
          std::memcpy(target, input->data<T>() + row * input->features, std::size_t(input->features) * sizeof(T));
          target += input->features;
        }
      }
    });
  }

 private:
  std::vector<const Block*> inputs_;
  Block& output_;
};

class ActivationStage : public Stage {
 public:
  ActivationStage(layers::ActivationSpec activation, const Block& input, Block& output)
      : activation_(std::move(activation)), input_(input), output_(output) {}

  void run(std::int64_t batch, std::int64_t steps) override {
    dispatch(output_.dtype, [&]<class T>() {
      std::memcpy(output_.data<T>(), input_.data<T>(), std::size_t(batch * steps * output_.features) * sizeof(T));
    });
    activate(activation_, output_, batch, steps);
  }

 private:
  layers::ActivationSpec activation_;
  const Block& input_;
  Block& output_;
};

class StepwiseLayerStage : public Stage {
 public:
  StepwiseLayerStage(layers::Layer& layer, const Block& input, Block& output) : layer_(layer), input_(input), output_(output) {}

  void run(std::int64_t batch, std::int64_t steps) override {
    NoGradGuard no_grad;
    output_.fill(layer_(input_.view(batch, steps)));
  }

 private:
  layers::Layer& layer_;
  const Block& input_;
  Block& output_;
};

}  // namespace

std::unique_ptr<Stage> add_stage(std::vector<const Block*> inputs, Block& output) {
  return std::make_unique<AddStage>(std::move(inputs), output);
}

std::unique_ptr<Stage> concatenate_stage(std::vector<const Block*> inputs, Block& output) {
  return std::make_unique<ConcatenateStage>(std::move(inputs), output);
}

std::unique_ptr<Stage> activation_stage(layers::ActivationSpec activation, const Block& input, Block& output) {
  return std::make_unique<ActivationStage>(std::move(activation), input, output);
}

std::unique_ptr<Stage> stepwise_layer_stage(layers::Layer& layer, const Block& input, Block& output) {
  return std::make_unique<StepwiseLayerStage>(layer, input, output);
}

}  // namespace minidl::streaming
