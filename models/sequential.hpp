#pragma once
// keras.Sequential: a stack of layers, each feeding the next; it owns them. Its weights, losses
// and trainability are its layers', in order.
//   models::Sequential model;
//   model.add<layers::Conv1D>({.filters = 16, .kernel_size = 3, .padding = "causal"});
//   model.add<layers::GlobalAveragePooling1D>();
//   model.add<layers::Dense>({.units = 1});
#include <minidl/models/model.hpp>

#include <memory>
#include <vector>

namespace minidl::models {

struct SequentialOptions {
  std::string name = "";
  bool trainable = true;
  std::string dtype = "float32";
};

class Sequential : public Model {
 public:
  using Options = SequentialOptions;
  explicit Sequential(SequentialOptions options = {});

  // Appends a layer built from its options; returns it.
  template <class SomeLayer, class Options = typename SomeLayer::Options>
  SomeLayer& add(Options options = {}) {
    return static_cast<SomeLayer&>(add(std::make_unique<SomeLayer>(std::move(options))));
  }
  layers::Layer& add(std::unique_ptr<layers::Layer> layer);

  const std::vector<std::unique_ptr<layers::Layer>>& layers() const { return layers_; }
  Shape compute_output_shape(const Shape& input_shape) const override;
  nlohmann::json get_config() const override;
  // Reads Keras's Sequential config (ours or Keras's own); built when it names an input shape.
  static std::unique_ptr<Sequential> from_config(const nlohmann::json& config);
  nlohmann::json serialized() const override;
  // Keras's: the last layer's name (what y may be keyed by, and what a .keras file records).
  std::vector<std::string> output_names() const override;

 protected:
  void check_input(const Shape& input_shape) const override;
  void build_weights(const Shape& input_shape) override;
  Tensor call(const Tensor& inputs) override;
  std::vector<SummaryRow> summary_rows() const override;

 private:
  static std::unique_ptr<Sequential> read_config(const nlohmann::json& config);

  std::vector<std::unique_ptr<layers::Layer>> layers_;
  // Its config's InputLayer's name: Keras's automatic one unless a config named it.
  std::string input_name_ = "input_layer";
};

}  // namespace minidl::models
