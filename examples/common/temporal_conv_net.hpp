#pragma once
// A TCN forecaster written as a model class: a 1×1 Conv1D lifts the input to `filters` channels,
// residual blocks h + relu(causal Conv1D(h, dilation d)) for each dilation see ever further into
// the past, and a Dense layer turns each step into `horizon` outputs, of which the model gives the
// last step's. Kernels carry an L2 penalty and a MaxNorm constraint. Everything but the last-step
// selection is a functional model, per_step(), which a streaming::Stream runs a month at a time.
// Registered for load_model under "TemporalConvNet".
#include <minidl/minidl.hpp>

#include <memory>
#include <vector>

namespace examples {

struct TemporalConvNetOptions {
  // Steps of each input window (of one feature).
  std::int64_t window = 128;
  std::int64_t filters = 24;
  std::int64_t kernel_size = 3;
  std::vector<std::int64_t> dilations = {1, 2, 4, 8, 16, 32};
  std::int64_t horizon = 12;
  double l2 = 1e-5;
  double max_norm = 3.0;
  std::string name = "tcn";
};

class TemporalConvNet : public minidl::models::Model {
 public:
  using Options = TemporalConvNetOptions;
  explicit TemporalConvNet(TemporalConvNetOptions options = {});
  // Steps of the past one output sees: 1 + (kernel_size − 1) · Σ dilations.
  std::int64_t receptive_field() const;
  // The network with a forecast at every step: (batch, window, 1) → (batch, window, horizon).
  minidl::models::Functional& per_step() { return *per_step_; }
  minidl::Shape compute_output_shape(const minidl::Shape& input_shape) const override;
  nlohmann::json get_config() const override;
  static std::unique_ptr<TemporalConvNet> from_config(const nlohmann::json& config);
  // Makes models::load_model able to rebuild this class.
  static void register_class();

 protected:
  void check_input(const minidl::Shape& input_shape) const override;
  void build_weights(const minidl::Shape&) override {}
  minidl::Tensor call(const minidl::Tensor& inputs) override;

 private:
  TemporalConvNetOptions options_;
  std::unique_ptr<minidl::models::Functional> per_step_;
};

}  // namespace examples
