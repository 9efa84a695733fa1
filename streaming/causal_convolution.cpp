// A causal Conv1D (or one of kernel_size 1), a step at a time. Each stream keeps a window of its
// inputs: the last dilation·(kernel_size − 1) of them (zeros at first: the causal padding), then
// room for new ones. Tap j of a new step reads the row dilation·j steps after its window's start,
// so the rows a tap reads for a block of steps are consecutive, and each tap is one ordered gemm
// per group on the window where it lies. When the room is used up, the history moves back to the
// front: with room for at least as many rows as the history, that copy costs at most one row per
// step on average.
//
// The sums are those of conv1d's float64 forward pass (bias, then every tap's products in order,
// through the same ordered gemm), so float64 outputs are the same bit for bit.
#include <minidl/streaming/stages.hpp>

#include <minidl/core/kernels/ordered_gemm.hpp>
#include <minidl/layers/conv1d.hpp>

#include <algorithm>
#include <cstring>

namespace minidl::streaming {

namespace {

class CausalConvolution : public Stage {
 public:
  CausalConvolution(layers::Conv1D& layer, const Block& input, Block& output, std::int64_t batch)
      : layer_(layer), input_(input), output_(output), batch_(batch) {
    const auto& options = layer.options();
    taps_ = options.kernel_size;
    dilation_ = options.dilation_rate;
    groups_ = options.groups;
    history_rows_ = dilation_ * (taps_ - 1);
    channels_ = input.features;
    filters_ = options.filters;
    ensure_room(1);
  }

  void run(std::int64_t batch, std::int64_t steps) override {
    ensure_room(steps);
    const Tensor kernel = layer_.kernel(), bias = layer_.bias();
    const std::int64_t group_channels = channels_ / groups_, group_filters = filters_ / groups_;
    dispatch(output_.dtype, [&]<class T>() {
      const T* w = kernel.data<T>();
      const T* b = bias.defined() ? bias.data<T>() : nullptr;
      if (used_ + steps > window_rows_) {
        for (std::int64_t s = 0; s < batch; ++s) {
          T* window = window_of<T>(s);
          std::memmove(window, window + (used_ - history_rows_) * channels_, std::size_t(history_rows_ * channels_) * sizeof(T));
        }
        used_ = history_rows_;
      }
      for (std::int64_t s = 0; s < batch; ++s) {
        T* window = window_of<T>(s);
        std::memcpy(window + used_ * channels_, input_.data<T>() + s * steps * channels_, std::size_t(steps * channels_) * sizeof(T));
        T* y = output_.data<T>() + s * steps * filters_;
        for (std::int64_t t = 0; t < steps; ++t) {
          if (b) std::memcpy(y + t * filters_, b, std::size_t(filters_) * sizeof(T));
          else std::fill(y + t * filters_, y + (t + 1) * filters_, T(0));
        }
        const T* first_row = window + (used_ - history_rows_) * channels_;
        for (std::int64_t j = 0; j < taps_; ++j)
          for (std::int64_t group = 0; group < groups_; ++group)
            kernels::ordered_gemm(steps, group_filters, group_channels, first_row + j * dilation_ * channels_ + group * group_channels,
                                  channels_, w + j * group_channels * filters_ + group * group_filters, filters_,
                                  y + group * group_filters, filters_);
      }
      used_ += steps;
    });
    activate(layer_.options().activation, output_, batch, steps);
  }

  Tensor history() const override {
    Tensor rows = Tensor::empty({batch_, history_rows_, channels_}, output_.dtype);
    dispatch(output_.dtype, [&]<class T>() {
      for (std::int64_t s = 0; s < batch_; ++s)
        std::memcpy(rows.data<T>() + s * history_rows_ * channels_, window_of<T>(s) + (used_ - history_rows_) * channels_,
                    std::size_t(history_rows_ * channels_) * sizeof(T));
    });
    return rows;
  }

  void restore_history(const Tensor& rows) override {
    const Tensor packed = rows.contiguous();
    dispatch(output_.dtype, [&]<class T>() {
      for (std::int64_t s = 0; s < batch_; ++s)
        std::memcpy(window_of<T>(s), packed.data<T>() + s * history_rows_ * channels_, std::size_t(history_rows_ * channels_) * sizeof(T));
    });
    used_ = history_rows_;
  }

  void reset() override {
    window_ = Tensor::zeros(window_.shape(), output_.dtype);
    used_ = history_rows_;
  }

  std::int64_t reach() const override { return history_rows_; }

 private:
  template <class T>
  T* window_of(std::int64_t stream) const {
    return window_.data<T>() + stream * window_rows_ * channels_;
  }

  // Makes room for `steps` new rows after the history, keeping what the windows hold.
  void ensure_room(std::int64_t steps) {
    const std::int64_t room = std::max({steps, history_rows_, std::int64_t{64}});
    if (window_.defined() && window_rows_ - history_rows_ >= steps) return;
    const Tensor previous = window_.defined() ? history() : Tensor();
    window_rows_ = history_rows_ + room;
    window_ = Tensor::zeros({batch_, window_rows_, channels_}, output_.dtype);
    used_ = history_rows_;
    if (previous.defined()) restore_history(previous);
  }

  layers::Conv1D& layer_;
  const Block& input_;
  Block& output_;
  std::int64_t batch_;
  std::int64_t taps_ = 1, dilation_ = 1, groups_ = 1, history_rows_ = 0, channels_ = 0, filters_ = 0;
  // (batch, window_rows_, channels): per stream, its history then room for new rows; rows
  // [used_ − history_rows_, used_) are the latest inputs.
  Tensor window_;
  std::int64_t window_rows_ = 0;
  std::int64_t used_ = 0;
};

}  // namespace

std::unique_ptr<Stage> causal_convolution_stage(layers::Layer& conv1d, const Block& input, Block& output, std::int64_t batch) {
  return std::make_unique<CausalConvolution>(dynamic_cast<layers::Conv1D&>(conv1d), input, output, batch);
}

}  // namespace minidl::streaming
