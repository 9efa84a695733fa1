// What a stream refuses and why, its state (reset, state/restore, files), Sequential models, and
// the errors of bad pushes.
#include "../support/temporary.hpp"

#include <doctest/doctest.h>
#include <minidl/minidl.hpp>

#include <fstream>

using namespace minidl;

namespace {

using layers::make;
using layers::SymbolicTensor;

// A causal TCN in float64 as a Sequential: Conv1D(4, 3, causal, d=1, relu), Conv1D(4, 2, causal, d=4), Dense(2).
std::unique_ptr<models::Sequential> causal_sequential() {
  auto model = std::make_unique<models::Sequential>(models::SequentialOptions{.dtype = "float64"});
  model->add<layers::Conv1D>({.filters = 4, .kernel_size = 3, .padding = "causal", .activation = "relu", .dtype = "float64"});
  model->add<layers::Conv1D>({.filters = 4, .kernel_size = 2, .padding = "causal", .dilation_rate = 4, .dtype = "float64"});
  model->add<layers::Dense>({.units = 2, .dtype = "float64"});
  (*model)(Tensor::zeros({1, 16, 3}, DType::float64));
  return model;
}

std::string refusal_of(const std::shared_ptr<layers::Layer>& layer, Shape input_shape = {32, 4}) {
  SymbolicTensor x = layers::Input({.shape = input_shape});
  models::Functional model(x, (*layer)(x));
  try {
    streaming::Stream stream(model);
  } catch (const InvalidArgument& error) {
    return error.what();
  }
  return "accepted";
}

// A model class: its call is code, not a graph a stream could plan.
class Passthrough : public models::Model {
 public:
  Passthrough() : Model("Passthrough", "passthrough", true, DType::float32, {}) {}
  Shape compute_output_shape(const Shape& input_shape) const override { return input_shape; }

 protected:
  void check_input(const Shape&) const override {}
  void build_weights(const Shape&) override {}
  Tensor call(const Tensor& inputs) override { return inputs; }
};

}  // namespace

TEST_CASE("a stream refuses each layer that is not causal in time, naming it and why") {
  CHECK(refusal_of(make<layers::Conv1D>({.filters = 2, .kernel_size = 3, .padding = "same", .name = "ahead"})) ==
        "Stream: layer 'ahead' (Conv1D) cannot run a step at a time: padding=\"same\" with kernel_size=3 reads 1 step(s) ahead of "
        "the output step");
  CHECK(refusal_of(make<layers::Conv1D>({.filters = 2, .kernel_size = 3, .padding = "valid", .dilation_rate = 2, .name = "shifted"})) ==
        "Stream: layer 'shifted' (Conv1D) cannot run a step at a time: padding=\"valid\" with kernel_size=3 drops the first 4 steps, so "
        "output step t is input step t + 4; use padding=\"causal\"");
  CHECK(refusal_of(make<layers::Conv1D>({.filters = 2, .kernel_size = 3, .strides = 2, .padding = "causal", .name = "strided"})) ==
        "Stream: layer 'strided' (Conv1D) cannot run a step at a time: strides=2 makes one output step of every 2 input steps");
  CHECK(refusal_of(make<layers::Conv1D>({.filters = 2, .kernel_size = 1, .data_format = "channels_first", .name = "first"})) ==
        "Stream: layer 'first' (Conv1D) cannot run a step at a time: data_format=\"channels_first\" puts the channels on axis 1; a "
        "stream takes its steps along axis 1");
  CHECK(refusal_of(make<layers::MaxPooling1D>({.pool_size = 2, .name = "pool"})) ==
        "Stream: layer 'pool' (MaxPooling1D) cannot run a step at a time: it pools over windows of steps");
  CHECK(refusal_of(make<layers::LayerNormalization>({.axis = layers::AxisList({1, 2}), .name = "across"})) ==
        "Stream: layer 'across' (LayerNormalization) cannot run a step at a time: axis=[1,2] normalizes across time");
  SymbolicTensor x = layers::Input({.shape = {32, 4}});
  models::Functional joined(x, make<layers::Concatenate>(layers::ConcatenateOptions{.axis = 1, .name = "joined"})({x, x}));
  CHECK_THROWS_WITH_AS(streaming::Stream{joined},
                       "Stream: layer 'joined' (Concatenate) cannot run a step at a time: axis=1 joins its inputs across time or the batch",
                       InvalidArgument);
  for (const auto& layer : std::vector<std::shared_ptr<layers::Layer>>{
           make<layers::GlobalAveragePooling1D>(), make<layers::Flatten>(), make<layers::ZeroPadding1D>(), make<layers::Cropping1D>(),
           make<layers::UpSampling1D>(), make<layers::AveragePooling1D>(), make<layers::Conv1DTranspose>({.filters = 2, .kernel_size = 2}),
           make<layers::DepthwiseConv1D>({.kernel_size = 3})}) {
    CAPTURE(layer->class_name());
    CHECK(refusal_of(layer).find("(" + layer->class_name() + ") cannot run a step at a time: ") != std::string::npos);
  }
  // Kernel size 1 is causal whatever the padding.
  CHECK(refusal_of(make<layers::Conv1D>({.filters = 2, .kernel_size = 1, .padding = "same"})) == "accepted");
  CHECK(refusal_of(make<layers::DepthwiseConv1D>({.kernel_size = 1})) == "accepted");
}

TEST_CASE("a stream refuses models it cannot plan: a model class, several inputs, an unbuilt Sequential") {
  Passthrough passthrough;
  CHECK_THROWS_WITH_AS(streaming::Stream{passthrough},
                       "Stream: model 'passthrough' (Passthrough) is neither Sequential nor Functional, so its call cannot be planned a "
                       "step at a time; build it as a functional model",
                       InvalidArgument);
  models::Sequential unbuilt({.name = "unbuilt"});
  unbuilt.add<layers::Dense>({.units = 1});
  CHECK_THROWS_WITH_AS(streaming::Stream{unbuilt}, "Stream: model 'unbuilt' is not built; call it or build() it first", StateError);

  SymbolicTensor a = layers::Input({.shape = {8, 2}}), b = layers::Input({.shape = {8, 2}});
  models::Functional two_inputs({a, b}, make<layers::Add>()({a, b}), {.name = "two_inputs"});
  CHECK_THROWS_WITH_AS(streaming::Stream{two_inputs},
                       "Stream: model 'two_inputs' has 2 inputs and 1 outputs; a stream runs a model of one input and one output",
                       InvalidArgument);

  SymbolicTensor x = layers::Input({.shape = {8, 2}});
  models::Functional last_step(x, make<layers::Reshape>(layers::ReshapeOptions{.target_shape = {16}, .name = "reshape_steps"})(x), {.name = "last_step"});
  CHECK_THROWS_WITH_AS(streaming::Stream{last_step},
                       "Stream: layer 'reshape_steps' (Reshape) cannot run a step at a time: it reshapes across the steps", InvalidArgument);
  SymbolicTensor vector = layers::Input({.shape = {8}});
  models::Functional flat(vector, make<layers::Dense>({.units = 2})(vector), {.name = "flat"});
  CHECK_THROWS_WITH_AS(streaming::Stream{flat}, "Stream: model 'flat' has the input shape (None, 8); a stream needs (batch, steps, features)",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(streaming::Stream(last_step, {.batch_size = 0}),
                       "Stream: invalid argument `batch_size`: expected a positive integer, received 0", InvalidArgument);
}

TEST_CASE("a Sequential streams; step and push agree; reset starts a new sequence") {
  const auto model = causal_sequential();
  const Tensor sequence = Tensor::normal({1, 40, 3}, 0.0, 1.0, DType::float64);
  NoGradGuard no_grad;
  const Tensor whole = (*model)(sequence);
  streaming::Stream stream(*model);
  CHECK(stream.receptive_field() == 1 + 2 + 4);
  CHECK(stream.input_features() == 3);
  CHECK(stream.output_features() == 2);
  for (std::int64_t t = 0; t < 40; ++t) {
    const Tensor y = stream.step(reshape(slice(sequence, 1, t, t + 1), {1, 3}));
    CHECK(y.to_vector<double>() == reshape(slice(whole, 1, t, t + 1), {1, 2}).to_vector<double>());
  }
  CHECK(stream.steps() == 40);
  stream.reset();
  CHECK(stream.steps() == 0);
  CHECK(stream.push(sequence).to_vector<double>() == whole.to_vector<double>());
}

TEST_CASE("a stream's state restores the future exactly, in memory and through a file") {
  const auto model = causal_sequential();
  const Tensor first = Tensor::normal({1, 25, 3}, 0.0, 1.0, DType::float64);
  const Tensor second = Tensor::normal({1, 30, 3}, 0.0, 1.0, DType::float64);
  streaming::Stream stream(*model);
  stream.push(first);
  const streaming::StreamState saved = stream.state();
  CHECK(saved.steps == 25);
  REQUIRE(saved.histories.size() == 2);
  CHECK(saved.histories[0].shape() == Shape{1, 2, 3});
  CHECK(saved.histories[1].shape() == Shape{1, 4, 4});
  const std::string path = testing::temporary("minidl_stream_state_test.stream");
  stream.save_state(path);
  const Tensor expected = stream.push(second);

  streaming::Stream restored(*model);
  restored.restore(saved);
  CHECK(restored.push(second).to_vector<double>() == expected.to_vector<double>());
  streaming::Stream loaded(*model);
  loaded.load_state(path);
  CHECK(loaded.steps() == 25);
  CHECK(loaded.push(second).to_vector<double>() == expected.to_vector<double>());
  // Without the state, the same input gives other outputs: the state is what carries the past.
  streaming::Stream fresh(*model);
  CHECK(fresh.push(second).to_vector<double>() != expected.to_vector<double>());

  streaming::Stream two(*model, {.batch_size = 2});
  CHECK_THROWS_WITH_AS(two.restore(saved),
                       "Stream.restore: invalid argument `state.histories[0]`: expected shape (2, 2, 3), received (1, 2, 3)", ShapeError);
  const std::string misfit =
      fmt::format("Stream.load_state: {} does not fit this stream: history 0 has shape [1,2,3], expected (2, 2, 3)", path);
  CHECK_THROWS_WITH_AS(two.load_state(path), misfit.c_str(), InvalidArgument);
  const std::string garbage = testing::temporary("minidl_stream_state_test_garbage.stream");
  testing::write_file(garbage, "not a state");
  const std::string truncated = fmt::format("Stream.load_state: {} is not a valid stream state file: truncated before the config", garbage);
  CHECK_THROWS_WITH_AS(loaded.load_state(garbage), truncated.c_str(), InvalidArgument);
}

TEST_CASE("every single-bit flip of a stream state file is refused naming the file, or changes nothing") {
  const auto model = causal_sequential();
  streaming::Stream stream(*model);
  stream.push(Tensor::normal({1, 9, 3}, 0.0, 1.0, DType::float64));
  const streaming::StreamState saved = stream.state();
  const std::string path = testing::temporary("minidl_stream_state_flip.stream");
  stream.save_state(path);
  const std::string original = testing::read_file(path);
  REQUIRE(!original.empty());
  std::size_t refused = 0, unchanged = 0;
  for (std::size_t bit = 0; bit < original.size() * 8; ++bit) {
    std::string flipped = original;
    flipped[bit / 8] = char(flipped[bit / 8] ^ (1 << (bit % 8)));
    testing::write_file(path, flipped);
    streaming::Stream target(*model);
    try {
      target.load_state(path);
    } catch (const InvalidArgument& error) {
      const std::string message = error.what();
      CAPTURE(bit);
      CAPTURE(message);
      CHECK(message.find(path) != std::string::npos);
      CHECK(target.steps() == 0);
      ++refused;
      continue;
    }
    const streaming::StreamState loaded = target.state();
    CAPTURE(bit);
    CHECK(loaded.steps == saved.steps);
    for (std::size_t i = 0; i < saved.histories.size(); ++i)
      CHECK(loaded.histories[i].to_vector<double>() == saved.histories[i].to_vector<double>());
    ++unchanged;
  }
  MESSAGE(refused << " of " << original.size() * 8 << " flips refused, " << unchanged << " changed nothing");
  CHECK(refused + unchanged == original.size() * 8);
  CHECK(refused > original.size() * 8 * 9 / 10);
}

TEST_CASE("a stream names the argument of a bad push") {
  const auto model = causal_sequential();
  streaming::Stream stream(*model);
  CHECK_THROWS_WITH_AS(stream.push(Tensor::zeros({2, 5, 3}, DType::float64)),
                       "Stream.push: invalid argument `block`: expected shape (1, steps, 3), received (2, 5, 3)", ShapeError);
  CHECK_THROWS_WITH_AS(stream.push(Tensor::zeros({1, 5, 3})),
                       "Stream.push: invalid argument `block`: expected dtype float64, received float32", InvalidArgument);
  CHECK_THROWS_WITH_AS(stream.step(Tensor::zeros({1, 5, 3}, DType::float64)),
                       "Stream.step: invalid argument `x`: expected shape (1, 3), received (1, 5, 3)", ShapeError);
  Tensor wrong = Tensor::zeros({1, 4, 2}, DType::float64);
  CHECK_THROWS_WITH_AS(stream.push(Tensor::zeros({1, 5, 3}, DType::float64), wrong),
                       "Stream.push: invalid argument `outputs`: expected a contiguous tensor of shape (1, 5, 2), received (1, 4, 2)",
                       ShapeError);
  CHECK(stream.steps() == 0);
  CHECK(stream.push(Tensor::zeros({1, 0, 3}, DType::float64)).shape() == Shape{1, 0, 2});
}
