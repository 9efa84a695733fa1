// Dense on the new steps: the rows of every stream and step are one ordered gemm, then the bias
// as its own add, as Dense's call computes matmul(inputs, kernel) + bias (in float64 the same
// ordered gemm, so the same bits).
#include <minidl/streaming/stages.hpp>

#include <minidl/core/kernels/ordered_gemm.hpp>
#include <minidl/layers/dense.hpp>

#include <algorithm>

namespace minidl::streaming {

namespace {

class DenseStage : public Stage {
 public:
  DenseStage(layers::Dense& layer, const Block& input, Block& output) : layer_(layer), input_(input), output_(output) {}

  void run(std::int64_t batch, std::int64_t steps) override {
    const Tensor kernel = layer_.kernel(), bias = layer_.bias();
    const std::int64_t rows = batch * steps, units = output_.features, depth = input_.features;
    dispatch(output_.dtype, [&]<class T>() {
      T* y = output_.data<T>();
      std::fill(y, y + rows * units, T(0));
      kernels::ordered_gemm(rows, units, depth, input_.data<T>(), depth, kernel.data<T>(), units, y, units);
      if (bias.defined()) {
        const T* b = bias.data<T>();
        for (std::int64_t row = 0; row < rows; ++row)
          for (std::int64_t unit = 0; unit < units; ++unit) y[row * units + unit] = y[row * units + unit] + b[unit];
      }
    });
    activate(layer_.options().activation, output_, batch, steps);
  }

 private:
  layers::Dense& layer_;
  const Block& input_;
  Block& output_;
};

}  // namespace

std::unique_ptr<Stage> dense_stage(layers::Layer& dense, const Block& input, Block& output) {
  return std::make_unique<DenseStage>(dynamic_cast<layers::Dense&>(dense), input, output);
}

}  // namespace minidl::streaming
