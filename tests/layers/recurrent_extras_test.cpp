// TimeDistributed and stateful recurrent layers against real Keras 3.15.1
// (tests/data/keras/recurrent_extras.json, made by generator/generate_recurrent_extras.py), in
// float64: TimeDistributed around Dense, Conv1D, BatchNormalization in training and a masked
// sequence; stateful layers fed consecutive chunks, then reset; dropout and recurrent_dropout with
// the masks Keras's cells were handed.
#include "../support/golden.hpp"

#include <minidl/autograd/engine.hpp>
#include <minidl/layers/dropout_mask.hpp>

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;

namespace {

void check_time_distributed_case(const nlohmann::json& item) {
  CAPTURE(item.at("id").get<std::string>());
  auto layer = layers::deserialize({{"class_name", "TimeDistributed"}, {"config", item.at("config")}});
  const Tensor x = tensor_from_json(item.at("x")).set_requires_grad();
  layer->build(x.shape());
  layer->set_weights(tensors_from_json(item.at("weights")));
  layers::Masking masking({.dtype = "float64"});
  const Tensor input = item.at("masked").get<bool>() ? masking(x) : x;
  const auto& expected = item.at("expected");
  const Tensor y = (*layer)(input, item.at("training").get<bool>());
  CHECK_CLOSE(y, tensor_from_json(expected.at("y")), 1e-9, 1e-12);
  CHECK(layer->compute_output_shape(x.shape()) == y.shape());
  REQUIRE(y.keras_mask().defined() == !expected.at("mask").is_null());
  if (y.keras_mask().defined()) CHECK_CLOSE(y.keras_mask(), tensor_from_json(expected.at("mask")), 0.0, 0.0);
  autograd::backward({y}, {tensor_from_json(item.at("g"))}, false);
  CHECK_CLOSE(x.grad(), tensor_from_json(expected.at("dx")), 1e-9, 1e-12);
  const auto trainable = layer->trainable_weights();
  REQUIRE(trainable.size() == expected.at("dweights").size());
  for (std::size_t i = 0; i < trainable.size(); ++i)
    CHECK_CLOSE(trainable[i]->value().grad(), tensor_from_json(expected.at("dweights")[i]), 1e-9, 1e-12);
  const auto after = tensors_from_json(expected.at("weights_after"));
  for (std::size_t i = 0; i < after.size(); ++i) CHECK_CLOSE(layer->weights()[i]->value(), after[i], 1e-9, 1e-12);
  // Keras's config, but for the batch axis of the wrapped layer's build_config (minidl writes None).
  nlohmann::json keras_config = item.at("config");
  if (keras_config.at("layer").contains("build_config")) keras_config["layer"]["build_config"]["input_shape"][0] = nullptr;
  CHECK_MESSAGE(config_difference(layer->get_config(), keras_config).empty(), config_difference(layer->get_config(), keras_config));
}

}  // namespace

TEST_CASE("TimeDistributed matches Keras around Dense, Conv1D, BatchNormalization in training (masked too) and a masked sequence") {
  const auto golden = load_test_data("keras/recurrent_extras.json");
  REQUIRE(golden.at("time_distributed").size() == 5);
  for (const auto& item : golden.at("time_distributed")) check_time_distributed_case(item);
}

TEST_CASE("stateful recurrent layers carry their states from call to call as Keras's, until reset_states()") {
  const auto golden = load_test_data("keras/recurrent_extras.json");
  REQUIRE(golden.at("stateful").size() == 3);
  for (const auto& item : golden.at("stateful")) {
    CAPTURE(item.at("id").get<std::string>());
    // Keras's automatic names say the class.
    const std::string name = item.at("config").at("name");
    const std::string class_name = name.starts_with("lstm") ? "LSTM" : name.starts_with("gru") ? "GRU" : "SimpleRNN";
    auto layer = layers::deserialize({{"class_name", class_name}, {"config", item.at("config")}});
    auto& recurrent = dynamic_cast<layers::Recurrent&>(*layer);
    CHECK(recurrent.stateful());
    CHECK(layer->get_config().at("stateful") == true);
    const Tensor x = tensor_from_json(item.at("x"));
    layer->build({x.dim(0), 1, x.dim(2)});
    layer->set_weights(tensors_from_json(item.at("weights")));
    for (const auto& call : item.at("calls")) {
      if (call.value("reset_before", false)) {
        recurrent.reset_states();
        CHECK(recurrent.states().empty());
      }
      const Tensor y = (*layer)(slice(x, 1, call.at("start").get<std::int64_t>(), call.at("stop").get<std::int64_t>()));
      CHECK_CLOSE(y, tensor_from_json(call.at("y")), 1e-9, 1e-12);
      const auto states = tensors_from_json(call.at("states"));
      REQUIRE(recurrent.states().size() == states.size());
      for (std::size_t i = 0; i < states.size(); ++i) CHECK_CLOSE(recurrent.states()[i], states[i], 1e-9, 1e-12);
    }
    CHECK_THROWS_WITH_AS((*layer)(slice(x, 0, 0, 1)), doctest::Contains("holds states for a batch of 2"), ShapeError);
  }
}

TEST_CASE("a stateful layer fed a sequence in chunks gives what one call on the whole sequence gives") {
  Generator generator(11);
  const Tensor x = Tensor::normal({3, 7, 2}, 0.0, 1.0, DType::float64, &generator);
  layers::LSTM whole({.units = 4, .return_sequences = true, .dtype = "float64"});
  layers::LSTM chunked({.units = 4, .return_sequences = true, .stateful = true, .dtype = "float64"});
  const Tensor expected = whole(x);
  chunked.build(x.shape());
  chunked.set_weights(whole.get_weights());
  const Tensor first = chunked(slice(x, 1, 0, 4)), second = chunked(slice(x, 1, 4, 7));
  CHECK_CLOSE(concat({first, second}, 1), expected, 1e-12, 1e-14);
  // The states are constants of the next call: no gradient reaches the chunk before.
  CHECK_FALSE(chunked.states()[0].requires_grad());
  layers::Bidirectional bidirectional(layers::GRU({.units = 2, .stateful = true, .dtype = "float64"}));
  bidirectional(x);
  CHECK(bidirectional.forward_layer().states().size() == 1);
  bidirectional.reset_states();
  CHECK(bidirectional.forward_layer().states().empty());
  CHECK(bidirectional.backward_layer().states().empty());
}

namespace {

// A (groups, batch, width) mask tensor from Keras's list of per-gate (batch, width) masks.
Tensor stacked_masks(const nlohmann::json& masks) {
  if (masks.is_null()) return Tensor();
  std::vector<Tensor> each;
  for (const auto& mask : masks) each.push_back(tensor_from_json(mask));
  return stack(each, 0);
}

}  // namespace

TEST_CASE("recurrent dropout: the fused op with Keras's own masks gives what Keras's cells give") {
  const auto golden = load_test_data("keras/recurrent_extras.json");
  REQUIRE(golden.at("dropout").size() == 6);
  for (const auto& item : golden.at("dropout")) {
    CAPTURE(item.at("id").get<std::string>());
    auto layer = layers::deserialize({{"class_name", item.at("class_name")}, {"config", item.at("config")}});
    auto& recurrent = dynamic_cast<layers::Recurrent&>(*layer);
    CHECK(layer->get_config() == item.at("config"));
    const Tensor x = tensor_from_json(item.at("x")).set_requires_grad();
    layer->build(x.shape());
    layer->set_weights(tensors_from_json(item.at("weights")));
    const auto config = item.at("config");
    RecurrentOptions options;
    options.cell = item.at("class_name") == "LSTM" ? CellKind::lstm : item.at("class_name") == "GRU" ? CellKind::gru : CellKind::simple_rnn;
    options.go_backwards = config.at("go_backwards").get<bool>();
    options.reset_after = config.value("reset_after", true);
    std::vector<Tensor> states(options.cell == CellKind::lstm ? 2 : 1, Tensor::zeros({x.dim(0), recurrent.units()}, DType::float64));
    const Tensor all = recurrent_sequence(x, recurrent.kernel(), recurrent.recurrent_kernel(), recurrent.bias(), states, options, Tensor(),
                                          {stacked_masks(item.at("input_masks")), stacked_masks(item.at("recurrent_masks"))});
    const std::int64_t units = recurrent.units();
    const Tensor y = recurrent.return_sequences() ? slice(all, 2, 0, units) : squeeze(slice(slice(all, 2, 0, units), 1, x.dim(1) - 1, x.dim(1)), {1});
    const auto& expected = item.at("expected");
    CHECK_CLOSE(y, tensor_from_json(expected.at("y")), 1e-9, 1e-12);
    autograd::backward({y}, {tensor_from_json(item.at("g"))}, false);
    CHECK_CLOSE(x.grad(), tensor_from_json(expected.at("dx")), 1e-9, 1e-12);
    const auto weights = layer->weights();
    for (std::size_t i = 0; i < weights.size(); ++i)
      CHECK_CLOSE(weights[i]->value().grad(), tensor_from_json(expected.at("dweights")[i]), 1e-9, 1e-12);
  }
}

TEST_CASE("recurrent dropout in a layer: masks drawn once per call as Keras's, per gate with recurrent_dropout, none outside training") {
  Generator generator(5);
  const Tensor x = Tensor::normal({4, 6, 3}, 0.0, 1.0, DType::float64, &generator);
  for (const bool per_gate : {false, true}) {
    CAPTURE(per_gate);
    const double recurrent_rate = per_gate ? 0.5 : 0.0;
    layers::LSTM plain({.units = 2, .return_sequences = true, .dtype = "float64"});
    layers::LSTM dropped({.units = 2, .dropout = 0.25, .recurrent_dropout = recurrent_rate, .seed = 99, .return_sequences = true,
                          .dtype = "float64"});
    const Tensor expected = plain(x);
    dropped.build(x.shape());
    dropped.set_weights(plain.get_weights());
    // Outside training the layer is the plain one.
    CHECK_CLOSE(dropped(x), expected, 0.0, 0.0);
    // In training: the masks the layer's seeded generator draws, input then recurrent, one group
    // or one per gate, fed to the op, give the layer's output.
    Generator same(99);
    const std::int64_t groups = per_gate ? 4 : 1;
    RecurrentDropout masks;
    masks.input = layers::dropout_mask({groups, 4, 3}, 0.25, same, DType::float64);
    if (per_gate) masks.recurrent = layers::dropout_mask({groups, 4, 2}, 0.5, same, DType::float64);
    const std::vector<Tensor> zeros(2, Tensor::zeros({4, 2}, DType::float64));
    const Tensor all = recurrent_sequence(x, dropped.kernel(), dropped.recurrent_kernel(), dropped.bias(), zeros, {.cell = CellKind::lstm},
                                          Tensor(), masks);
    const Tensor trained = dropped(x, true);
    CHECK_CLOSE(trained, slice(all, 2, 0, 2), 0.0, 0.0);
    CHECK(max(abs(trained - expected)).item() > 1e-3);
  }
  CHECK_THROWS_WITH_AS(layers::GRU({.units = 2, .recurrent_dropout = 1.5}), doctest::Contains("invalid argument `recurrent_dropout`"),
                       InvalidArgument);
}

TEST_CASE("initial_state in a functional model: an encoder's final states start a decoder, as in Keras") {
  const auto golden = load_test_data("keras/recurrent_extras.json").at("functional_initial_state");
  auto model = models::Functional::from_config(golden.at("config"));
  CHECK_MESSAGE(config_difference(model->get_config(), golden.at("config")).empty(), config_difference(model->get_config(), golden.at("config")));
  model->set_weights(tensors_from_json(golden.at("weights")));
  std::vector<Tensor> inputs = tensors_from_json(golden.at("x"));
  for (auto& input : inputs) input.set_requires_grad();
  const auto outputs = (*model)(inputs, false);
  const auto expected = tensors_from_json(golden.at("expected").at("y"));
  REQUIRE(outputs.size() == expected.size());
  for (std::size_t i = 0; i < outputs.size(); ++i) CHECK_CLOSE(outputs[i], expected[i], 1e-9, 1e-12);
  autograd::backward(outputs, tensors_from_json(golden.at("g")), false);
  const auto dx = tensors_from_json(golden.at("expected").at("dx"));
  for (std::size_t i = 0; i < inputs.size(); ++i) CHECK_CLOSE(inputs[i].grad(), dx[i], 1e-9, 1e-12);
  const auto weights = model->weights();
  const auto dweights = tensors_from_json(golden.at("expected").at("dweights"));
  REQUIRE(weights.size() == dweights.size());
  for (std::size_t i = 0; i < weights.size(); ++i) CHECK_CLOSE(weights[i]->value().grad(), dweights[i], 1e-9, 1e-12);

  // The same graph built in C++ writes Keras's call forms: [h, c] as a list, one state alone.
  auto history = layers::Input({.shape = {5, 3}, .dtype = "float64", .name = "history"});
  auto future = layers::Input({.shape = {4, 2}, .dtype = "float64", .name = "future"});
  auto encoder = layers::make<layers::LSTM>({.units = 3, .return_state = true, .dtype = "float64"});
  const auto encoded = encoder->symbolic_call({history}, false);
  auto decoder = layers::make<layers::LSTM>({.units = 3, .return_sequences = true, .dtype = "float64"});
  const auto decoded = decoder->call_with_state(future, {encoded[1], encoded[2]});
  REQUIRE(decoded.size() == 1);
  CHECK(decoded[0].shape() == Shape{layers::unknown_batch, 4, 3});
  models::Functional built({history, future}, {decoded[0]});
  int with_states = 0;
  const nlohmann::json built_config = built.get_config();
  for (const auto& layer : built_config.at("layers"))
    for (const auto& node : layer.at("inbound_nodes"))
      if (node.at("kwargs").contains("initial_state")) {
        CHECK(layer.at("name") == decoder->name());
        CHECK(node.at("kwargs").at("initial_state").size() == 2);
        ++with_states;
      }
  CHECK(with_states == 1);
  CHECK_THROWS_WITH_AS(decoder->call_with_state(future, {encoded[1]}), doctest::Contains("invalid argument `initial_state`"), InvalidArgument);
  auto wide = layers::make<layers::GRU>({.units = 4, .dtype = "float64"});
  CHECK_THROWS_WITH_AS(wide->call_with_state(future, {encoded[1]}), doctest::Contains("invalid argument `initial_state`: expected each state of shape"),
                       ShapeError);
}

TEST_CASE("fit and train_on_batch on an unbuilt model with a stateful layer start from zero states, as Keras's") {
  // The same weights either way (drawn in the same order from the seeded global generator); a model
  // built beforehand holds no states, so the two must train alike.
  const Tensor x = Tensor::uniform({4, 5, 3}, -1.0, 1.0, DType::float64), y = Tensor::uniform({4, 2}, -1.0, 1.0, DType::float64);
  const auto trained = [&](bool build_first, bool on_batch) {
    seed_global_generator(11);
    auto model = std::make_unique<models::Sequential>(models::SequentialOptions{.dtype = "float64"});
    model->add<layers::LSTM>({.units = 2, .stateful = true, .dtype = "float64"});
    if (build_first) model->build(x.shape());
    model->compile(std::make_unique<optim::SGD>(), "mse");
    if (on_batch) model->train_on_batch(x, y);
    else model->fit(x, y, {.batch_size = 4, .verbose = 0, .shuffle = false});
    return model->weights()[0]->value();
  };
  for (const bool on_batch : {false, true}) {
    CAPTURE(on_batch);
    CHECK_CLOSE(trained(false, on_batch), trained(true, on_batch), 0, 0);
  }
}
