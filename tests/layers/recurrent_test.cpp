// SimpleRNN, LSTM and GRU beyond the Keras goldens: their argument errors, Keras's initial bias
// for the forget gate, initial states, return_state in a functional model, configs read back, and
// an LSTM forecaster that learns.
#include "../support/golden.hpp"
#include "../support/temporary.hpp"

#include <doctest/doctest.h>

#include <filesystem>

using namespace minidl;
using namespace minidl::testing;

TEST_CASE("recurrent layers refuse bad arguments and inputs, naming the layer, the argument and the value") {
  CHECK_THROWS_WITH_AS(layers::LSTM({.units = 0}), doctest::Contains("LSTM 'lstm"), InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::LSTM({.units = 0}), doctest::Contains("invalid argument `units`: expected a positive integer of at most 2^40, received units=0"),
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::GRU({.units = std::int64_t{1} << 62}), doctest::Contains("received units=4611686018427387904"),
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::GRU({.units = 2, .activation = "softmax"}),
                       doctest::Contains("invalid argument `activation`: expected one of the activations the fused cells offer "
                                         "(tanh, sigmoid, hard_sigmoid, relu, linear), received activation=\"softmax\""),
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::SimpleRNN({.units = 2, .activation = "tanhh"}), doctest::Contains("`activation`"), InvalidArgument);
  layers::SimpleRNN rnn({.units = 2});
  CHECK_THROWS_WITH_AS(rnn(Tensor::zeros({4, 3})), doctest::Contains("expected an input of rank 3 (batch, steps, features), received shape (4, 3)"),
                       ShapeError);
  CHECK_THROWS_WITH_AS(rnn(Tensor::zeros({4, 0, 3})), doctest::Contains("expected at least one step"), ShapeError);
  rnn(Tensor::zeros({4, 5, 3}));
  CHECK_THROWS_WITH_AS(rnn(Tensor::zeros({4, 5, 2})), doctest::Contains("expected axis -1 of the input shape to have value 3"), ShapeError);
  layers::LSTM lstm({.units = 2});
  CHECK_THROWS_WITH_AS(lstm.call_with_state(Tensor::zeros({4, 5, 3}), {Tensor::zeros({4, 2})}),
                       doctest::Contains("invalid argument `initial_state`: expected 2 tensors (batch, 2), received 1 tensors"),
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(lstm.call_with_state(Tensor::zeros({4, 5, 3}), {Tensor::zeros({4, 2}), Tensor::zeros({3, 2})}),
                       doctest::Contains("expected each state of shape (4, 2) float32, received (3, 2) float32"), ShapeError);
  CHECK_THROWS_WITH_AS(layers::deserialize({{"class_name", "LSTM"}, {"config", {{"units", 2}, {"dropout", -0.5}}}}),
                       doctest::Contains("LSTM 'lstm"), InvalidArgument);
  CHECK_THROWS_WITH_AS(layers::deserialize({{"class_name", "GRU"}, {"config", {{"units", 2}, {"unitz", 3}}}}),
                       doctest::Contains("unrecognized argument `unitz`"), InvalidArgument);
  // Keras reads an activation of None as linear.
  const auto linear = layers::deserialize({{"class_name", "LSTM"}, {"config", {{"units", 2}, {"recurrent_activation", nullptr}}}});
  CHECK(linear->get_config().at("recurrent_activation") == "linear");
  models::Sequential sequential;
  CHECK_THROWS_WITH_AS(sequential.add<layers::LSTM>({.units = 2, .return_state = true}),
                       doctest::Contains("has return_state = true, so it gives several outputs, which a Sequential model cannot pass on"),
                       InvalidArgument);
}

TEST_CASE("LSTM's bias starts as Keras's: ones for the forget gate with unit_forget_bias, the initializer elsewhere") {
  layers::LSTM lstm({.units = 3, .bias_initializer = initializers::Constant{.value = 0.5}});
  lstm.build({1, 4, 2});
  CHECK(lstm.bias().to_vector() == std::vector<double>{0.5, 0.5, 0.5, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5});
  layers::LSTM plain({.units = 3, .unit_forget_bias = false});
  plain.build({1, 4, 2});
  CHECK(plain.bias().to_vector() == std::vector<double>(12, 0.0));
  layers::GRU gru({.units = 3});
  gru.build({1, 4, 2});
  CHECK(gru.bias().shape() == Shape{2, 9});
  layers::GRU reset_before({.units = 3, .reset_after = false});
  reset_before.build({1, 4, 2});
  CHECK(reset_before.bias().shape() == Shape{9});
  CHECK(gru.kernel().shape() == Shape{2, 9});
  CHECK(gru.recurrent_kernel().shape() == Shape{3, 9});
}

TEST_CASE("initial states: zeros by default, and a run continues exactly from the states it ended with") {
  seed_global_generator(3);
  for (const char* kind : {"SimpleRNN", "LSTM", "GRU"}) {
    CAPTURE(kind);
    auto layer = layers::deserialize({{"class_name", kind}, {"config", {{"units", 3}, {"return_sequences", true}, {"dtype", "float64"}}}});
    auto& recurrent = dynamic_cast<layers::Recurrent&>(*layer);
    const Tensor x = Tensor::normal({2, 6, 4}, 0.0, 1.0, DType::float64);
    const auto whole = recurrent.call_with_state(x);
    const auto first = recurrent.call_with_state(slice(x, 1, 0, 2));
    const auto rest = recurrent.call_with_state(slice(x, 1, 2, 6), {first.begin() + 1, first.end()});
    CHECK_CLOSE(concat({first[0], rest[0]}, 1), whole[0], 1e-14, 1e-14);
    for (std::size_t s = 1; s < whole.size(); ++s) CHECK_CLOSE(rest[s], whole[s], 1e-14, 1e-14);
    const auto zeros = recurrent.call_with_state(x, std::vector<Tensor>(whole.size() - 1, Tensor::zeros({2, 3}, DType::float64)));
    CHECK(zeros[0].to_vector() == whole[0].to_vector());
  }
}

TEST_CASE("return_state in a functional model: the sequence and the final states as outputs, saved and read back") {
  using namespace layers;
  auto series = Input({.shape = {7, 2}, .dtype = "float64"});
  const auto outputs = make<LSTM>({.units = 3, .return_sequences = true, .return_state = true, .dtype = "float64"})->symbolic_call({series}, false);
  REQUIRE(outputs.size() == 3);
  models::Functional model(series, {outputs[0], outputs[1], outputs[2]});
  const Tensor x = Tensor::normal({4, 7, 2}, 0.0, 1.0, DType::float64);
  const auto results = model(std::vector<Tensor>{x});
  REQUIRE(results.size() == 3);
  CHECK(results[0].shape() == Shape{4, 7, 3});
  CHECK(results[1].to_vector() == squeeze(slice(results[0], 1, 6, 7), {1}).to_vector());
  CHECK(results[2].shape() == Shape{4, 3});
  const auto reread = layers::deserialize(model.serialized());
  auto& copy = dynamic_cast<models::Functional&>(*reread);
  copy.set_weights(model.get_weights());
  const auto again = copy(std::vector<Tensor>{x});
  for (std::size_t i = 0; i < 3; ++i) CHECK(again[i].to_vector() == results[i].to_vector());
}

TEST_CASE("an LSTM forecaster learns a noisy sine: the loss falls by far") {
  seed_global_generator(5);
  constexpr std::int64_t samples = 96, steps = 24;
  std::vector<float> xs, ys;
  Generator noise(1);
  for (std::int64_t s = 0; s < samples; ++s) {
    for (std::int64_t t = 0; t < steps; ++t) xs.push_back(float(std::sin(0.3 * double(s + t)) + 0.05 * noise.normal()));
    ys.push_back(float(std::sin(0.3 * double(s + steps))));
  }
  const Tensor x(xs, {samples, steps, 1}), y(ys, {samples, 1});
  models::Sequential model;
  model.add<layers::LSTM>({.units = 16});
  model.add<layers::Dense>({.units = 1});
  model.compile(std::make_unique<optim::Adam>(optim::AdamOptions{.learning_rate = 0.01}), "mse");
  const auto history = model.fit(x, y, {.batch_size = 16, .epochs = 30, .verbose = 0});
  CHECK(history.history.at("loss").back() < 0.1 * history.history.at("loss").front());
  // minidl's own model file holds it, and gives it back predicting the same.
  const std::string path = temporary("minidl_lstm_forecaster.minidl");
  models::save_model(model, path);
  const auto reloaded = models::load_model(path);
  CHECK(reloaded->predict(x).to_vector() == model.predict(x).to_vector());
  std::filesystem::remove(path);
}
