// Building functional models in C++: the same graphs as Keras's give Keras's configs; graph
// mistakes get Keras's errors; shared layers, nested models, several inputs, dicts.
#include "../support/golden.hpp"
#include "../support/temporary.hpp"

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;
using nlohmann::json;

namespace {

const json& functional_keras_case(const json& golden, const std::string& id) {
  for (const auto& item : golden.at("cases"))
    if (item.at("id") == id) return item;
  throw std::runtime_error("no case " + id);
}

template <class SomeLayer>
layers::Shared<SomeLayer> make64(typename SomeLayer::Options options) {
  options.dtype = "float64";
  return layers::make<SomeLayer>(std::move(options));
}

SymbolicTensor input64(Shape shape, std::string name) { return Input({.shape = std::move(shape), .dtype = "float64", .name = std::move(name)}); }

// The same graph and config as Keras, and with Keras's weights its predictions.
void check_against_keras(models::Functional& model, const json& item) {
  CHECK_MESSAGE(config_difference(model.get_config(), item.at("model_get_config")).empty(),
                config_difference(model.get_config(), item.at("model_get_config")));
  std::vector<Tensor> weights, inputs;
  for (const auto& weight : item.at("weights")) weights.push_back(tensor_from_json(weight));
  for (const auto& input : item.at("inputs")) inputs.push_back(tensor_from_json(input));
  model.set_weights(weights);
  const auto outputs = model.predict_outputs(inputs);
  for (std::size_t i = 0; i < outputs.size(); ++i) CHECK_CLOSE(outputs[i], tensor_from_json(item.at("expected_outputs")[i]), 1e-12, 1e-12);
}

}  // namespace

TEST_CASE("functional models built in C++ give the configs Keras gives the same graphs") {
  using namespace layers;
  const json golden = load_test_data("keras/functional.json");
  SUBCASE("a residual TCN block") {
    auto x = input64({16, 2}, "x");
    auto c1 = make64<Conv1D>({.filters = 4, .kernel_size = 3, .padding = "causal", .activation = "relu", .name = "c1"})(x);
    auto c2 = make64<Conv1D>({.filters = 4, .kernel_size = 3, .padding = "causal", .dilation_rate = 2, .name = "c2"})(c1);
    auto skip = make64<Conv1D>({.filters = 4, .kernel_size = 1, .name = "skip"})(x);
    auto sum = make64<Add>({.name = "add"})({c2, skip});
    auto out = make64<Dense>({.units = 1, .name = "head"})(make64<Activation>({.activation = "relu", .name = "relu"})(sum));
    models::Functional model(x, out, {.name = "residual_tcn"});
    check_against_keras(model, functional_keras_case(golden, "residual_tcn"));
  }
  SUBCASE("two inputs") {
    auto series = input64({12, 1}, "series"), calendar = input64({12, 3}, "calendar");
    auto conv = make64<Conv1D>({.filters = 4, .kernel_size = 3, .padding = "causal", .name = "conv"})(series);
    auto merged = make64<Concatenate>({.name = "concat"})({conv, calendar});
    auto out = make64<Dense>({.units = 2, .name = "out"})(make64<GlobalAveragePooling1D>({.name = "pool"})(merged));
    models::Functional model({series, calendar}, out, {.name = "two_inputs"});
    check_against_keras(model, functional_keras_case(golden, "two_inputs"));
  }
  SUBCASE("one layer called on two inputs, and one called on its own output") {
    auto a = input64({4}, "a"), b = input64({4}, "b");
    auto shared = make64<Dense>({.units = 3, .activation = "tanh", .name = "shared"});
    auto out = make64<Dense>({.units = 1, .name = "head"})(make64<Add>({.name = "add"})({shared(a), shared(b)}));
    models::Functional model({a, b}, out, {.name = "shared_dense"});
    check_against_keras(model, functional_keras_case(golden, "shared_dense"));

    auto x = input64({9, 2}, "x");
    auto conv = make64<Conv1D>({.filters = 2, .kernel_size = 3, .padding = "causal", .activation = "tanh", .name = "conv"});
    models::Functional twice(x, make64<Dense>({.units = 1, .name = "head"})(conv(conv(x))), {.name = "shared_conv_twice"});
    check_against_keras(twice, functional_keras_case(golden, "shared_conv_twice"));
  }
  SUBCASE("a Sequential model as a layer") {
    auto x = input64({10, 3}, "x");
    auto block = layers::make<models::Sequential>(models::SequentialOptions{.name = "block", .dtype = "float64"});
    block->add<Conv1D>({.filters = 4, .kernel_size = 3, .padding = "causal", .activation = "relu", .name = "b_conv1", .dtype = "float64"});
    block->add<Conv1D>({.filters = 3, .kernel_size = 3, .padding = "same", .name = "b_conv2", .dtype = "float64"});
    auto sum = make64<Add>({.name = "add"})({x, block(x)});
    auto out = make64<Dense>({.units = 2, .name = "head"})(make64<GlobalMaxPooling1D>({.name = "pool"})(sum));
    models::Functional model(x, out, {.name = "nested_sequential"});
    check_against_keras(model, functional_keras_case(golden, "nested_sequential"));
  }
  SUBCASE("a functional model as a layer, called twice") {
    auto e_in = input64({8, 2}, "e_in");
    auto h = make64<Conv1D>({.filters = 3, .kernel_size = 3, .padding = "causal", .activation = "relu", .name = "e_conv1"})(e_in);
    h = make64<Conv1D>({.filters = 2, .kernel_size = 2, .name = "e_conv2"})(h);
    auto encoder = layers::make<models::Functional>(e_in, h, models::FunctionalOptions{.name = "encoder"});
    auto left = input64({8, 2}, "left"), right = input64({8, 2}, "right");
    auto merged = make64<Concatenate>({.name = "concat"})({encoder(left), encoder(right)});
    auto out = make64<Dense>({.units = 1, .name = "head"})(make64<Flatten>({.name = "flat"})(merged));
    models::Functional model({left, right}, out, {.name = "nested_functional_twice"});
    check_against_keras(model, functional_keras_case(golden, "nested_functional_twice"));
    CHECK(model.weights().size() == 6);  // the encoder's four, shared by both calls, and the head's
  }
  SUBCASE("inputs and outputs as dicts") {
    auto a = input64({6, 2}, "a"), b = input64({6, 2}, "b"), c = input64({6, 2}, "c");
    auto sum = make64<Add>({.name = "add3"})({make64<Conv1D>({.filters = 2, .kernel_size = 1, .name = "pa"})(a), b, c});
    auto y1 = make64<Dense>({.units = 1, .name = "dense_y1"})(make64<GlobalAveragePooling1D>({.name = "pool"})(sum));
    auto y2 = make64<Conv1D>({.filters = 3, .kernel_size = 2, .padding = "causal", .name = "conv_y2"})(sum);
    models::Functional model(std::map<std::string, SymbolicTensor>{{"b", b}, {"a", a}, {"c", c}},
                             std::map<std::string, SymbolicTensor>{{"y2", y2}, {"y1", y1}}, {.name = "dict_io"});
    check_against_keras(model, functional_keras_case(golden, "dict_io_three_way_add"));
    // A dict keyed by the names gives the same outputs as the list in input order (a, b, c).
    const auto& item = functional_keras_case(golden, "dict_io_three_way_add");
    const Tensor xa = tensor_from_json(item.at("inputs")[0]), xb = tensor_from_json(item.at("inputs")[1]),
                 xc = tensor_from_json(item.at("inputs")[2]);
    CHECK(model.predict_outputs({{"c", xc}, {"a", xa}, {"b", xb}})[1].to_vector() == model.predict_outputs({xa, xb, xc})[1].to_vector());
    CHECK(model.output_names() == std::vector<std::string>{"y1", "y2"});
  }
}

TEST_CASE("graph mistakes get Keras's errors") {
  using namespace layers;
  SUBCASE("an output that needs an input the model was not given") {
    auto a = Input({.shape = {3}, .name = "a"}), b = Input({.shape = {3}, .name = "b"});
    auto y = make<Dense>({.units = 1, .name = "d"})(b);
    CHECK_THROWS_WITH_AS(models::Functional(a, y, {.name = "m"}),
                         "Functional 'm': Output with path `` is not connected to `inputs`: it needs an Input that is not "
                         "among the model's inputs",
                         InvalidArgument);
    auto c = Input({.shape = {3}, .name = "c"});
    CHECK_THROWS_WITH_AS(models::Functional({a, b}, {y, make<Add>()({a, c})}, {.name = "m"}),
                         "Functional 'm': Output with path `1` is not connected to `inputs`: it needs an Input that is not "
                         "among the model's inputs",
                         InvalidArgument);
  }
  SUBCASE("an input no output uses is allowed, as in Keras, and still expected") {
    auto a = Input({.shape = {3}, .name = "a"}), b = Input({.shape = {3}, .name = "b"});
    models::Functional model({a, b}, make<Dense>({.units = 1})(a), {.name = "m"});
    CHECK(model.layers().size() == 3);
    CHECK(model.predict_outputs({Tensor::zeros({2, 3}), Tensor::zeros({2, 3})})[0].shape() == Shape{2, 1});
    CHECK_THROWS_WITH_AS(model.predict(Tensor::zeros({2, 3})),
                         "Functional 'm': invalid argument `x`: expected 2 array(s), one for each of a, b, received 1 array",
                         InvalidArgument);
  }
  SUBCASE("two layers with one name") {
    auto x = Input({.shape = {3}, .name = "x"});
    auto y = make<Dense>({.units = 2, .name = "d"})(make<Dense>({.units = 2, .name = "d"})(x));
    CHECK_THROWS_WITH_AS(models::Functional(x, y),
                         doctest::Contains("The name \"d\" is used 2 times in the model. All operation names should be unique."),
                         InvalidArgument);
    auto a = Input({.shape = {3}, .name = "x"}), b = Input({.shape = {3}, .name = "x"});
    CHECK_THROWS_WITH_AS(models::Functional({a, b}, make<Add>()({a, b})), doctest::Contains("The name \"x\" is used 2 times"),
                         InvalidArgument);
  }
  SUBCASE("a layer called on a tensor of another shape than it was built for") {
    auto dense = make<Dense>({.units = 2, .name = "d"});
    dense(Input({.shape = {3}}));
    CHECK_THROWS_WITH_AS(dense(Input({.shape = {5}})),
                         "Dense 'd': expected axis -1 of the input shape to have value 3 (the layer was built for it), "
                         "received an input of shape (None, 5)",
                         ShapeError);
    auto conv = make<Conv1D>({.filters = 2, .kernel_size = 3, .name = "c"});
    conv(Input({.shape = {8, 3}}));
    CHECK_THROWS_AS(conv(Input({.shape = {8, 5}})), ShapeError);
    // Another length with the same channels is fine, as in Keras.
    CHECK(conv(Input({.shape = {6, 3}})).shape() == Shape{layers::unknown_batch, 4, 2});
  }
  SUBCASE("a built model called on data of another shape, or on the wrong number of tensors") {
    auto x = Input({.shape = {8, 3}, .name = "x"});
    models::Functional model(x, make<Conv1D>({.filters = 2, .kernel_size = 3, .name = "c"})(x), {.name = "m"});
    CHECK_THROWS_WITH_AS(model(Tensor::zeros({2, 8, 5})),
                         "Functional 'm': input 0 with name 'x' is incompatible with the model: expected shape=(None, 8, 3), "
                         "found shape=(2, 8, 5)",
                         ShapeError);
    CHECK_THROWS_WITH_AS(model(std::vector<Tensor>{Tensor::zeros({2, 8, 3}), Tensor::zeros({2, 8, 3})}),
                         "Functional 'm': expects 1 input(s) with names ['x'], but received 2 input tensor(s)", InvalidArgument);
    CHECK_THROWS_WITH_AS(model(Tensor::zeros({2, 8, 3}, DType::float64)),
                         doctest::Contains("expected dtype float32 (the layer's dtype), received float64"), InvalidArgument);
  }
  SUBCASE("empty inputs or outputs, inputs that are not Input()s") {
    auto x = Input({.shape = {3}, .name = "x"});
    auto y = make<Dense>({.units = 1, .name = "d"})(x);
    CHECK_THROWS_WITH_AS(models::Functional(std::vector<SymbolicTensor>{}, y), "Functional 'functional': `inputs` argument cannot be empty",
                         InvalidArgument);
    CHECK_THROWS_WITH_AS(models::Functional(x, std::vector<SymbolicTensor>{}, {.name = "m"}),
                         "Functional 'm': `outputs` argument cannot be empty", InvalidArgument);
    const std::string not_an_input = "Functional 'm': every input must be a tensor Input() returned; input 0 ('" + y.name() +
                                     "') is an output of Dense 'd'";
    CHECK_THROWS_WITH_AS(models::Functional(y, make<Dense>({.units = 1})(y), {.name = "m"}), not_an_input.c_str(), InvalidArgument);
    CHECK_THROWS_WITH_AS(models::Functional({x, x}, y, {.name = "m"}), "Functional 'm': input 'x' is given twice (inputs 0 and 1)",
                         InvalidArgument);
  }
  SUBCASE("a layer the model cannot share, and a merge layer called on one tensor") {
    auto x = Input({.shape = {3}});
    layers::Dense local({.units = 1, .name = "local"});
    CHECK_THROWS_WITH_AS(local(x),
                         "Dense 'local': a layer called on symbolic tensors must be owned by a std::shared_ptr, which the model "
                         "keeps; create it with layers::make<Dense>(...)",
                         StateError);
    CHECK_THROWS_WITH_AS(make<Add>({.name = "sum"})(x), doctest::Contains("Add 'sum': a merge layer should be called on a list of inputs"),
                         InvalidArgument);
    CHECK_THROWS_WITH_AS(make<Dense>({.units = 1, .name = "d2"})({x, x}), "Dense 'd2': expected one input tensor, received a list of 2",
                         InvalidArgument);
    CHECK_THROWS_WITH_AS(make<Dense>({.units = 1, .name = "d3", .dtype = "float64"})(x),
                         doctest::Contains("Dense 'd3': invalid argument `inputs`: expected dtype float64"), InvalidArgument);
  }
  SUBCASE("Input's arguments") {
    CHECK_THROWS_WITH_AS(Input({.name = "in"}), "InputLayer 'in': you must pass a `shape` argument", InvalidArgument);
    CHECK_THROWS_WITH_AS(Input({.shape = {3}, .batch_shape = Shape{-1, 3}, .name = "in"}),
                         "InputLayer 'in': you cannot pass both `shape` and `batch_shape` at the same time", InvalidArgument);
    CHECK_THROWS_WITH_AS(Input({.shape = {-1, 3}, .name = "in"}),
                         "InputLayer 'in': invalid argument `shape`: expected known, non-negative extents after the batch axis "
                         "(minidl's functional models need every extent but the batch's), received (None, None, 3)",
                         InvalidArgument);
    CHECK_THROWS_WITH_AS(Input({.shape = {3}, .batch_size = 0, .name = "in"}),
                         "InputLayer 'in': invalid argument `batch_size`: expected a positive integer, received batch_size=0",
                         InvalidArgument);
    const auto fixed = Input({.shape = {8, 2}, .batch_size = 4});
    CHECK(fixed.shape() == Shape{4, 8, 2});
    CHECK(layers::make<layers::Dense>({.units = 3})(fixed).shape() == Shape{4, 8, 3});
    CHECK(Input({.batch_shape = Shape{layers::unknown_batch, 5}}).shape_string() == "(None, 5)");
  }
}

TEST_CASE("model_to_dot and plot_model draw the graph as Keras's plot_model does") {
  using namespace layers;
  auto x = Input({.shape = {9, 2}, .name = "x"});
  auto conv = make<Conv1D>({.filters = 2, .kernel_size = 3, .padding = "causal", .name = "conv"});
  auto twice = conv(conv(x));
  auto out = make<Dense>({.units = 1, .name = "head"})(make<Add>({.name = "add"})({twice, x}));
  models::Functional model(x, out, {.name = "m"});
  const std::string dot = models::model_to_dot(model, {.show_shapes = true, .show_layer_names = true});
  CHECK(dot.starts_with("digraph G {\nconcentrate=True;\ndpi=200;\nrankdir=TB;\nsplines=ortho;\nnode [shape=record];\n"));
  // Layers in model.layers() order: x 0, conv 1, add 2, head 3. One edge per connected pair,
  // the shared layer's call on its own output a loop.
  for (const char* edge : {"0 -> 1  [penwidth=2];", "1 -> 1  [penwidth=2];", "1 -> 2  [penwidth=2];", "0 -> 2  [penwidth=2];",
                           "2 -> 3  [penwidth=2];"})
    CHECK_MESSAGE(dot.find(edge) != std::string::npos, edge);
  std::size_t edges = 0;
  for (std::size_t at = dot.find(" -> "); at != std::string::npos; at = dot.find(" -> ", at + 1)) ++edges;
  CHECK(edges == 5);
  CHECK(dot.find("<b>add</b> (Add)</font></td></tr><tr><td bgcolor=\"white\"><font point-size=\"14\">Input shape: "
                 "<b>[(None, 9, 2), (None, 9, 2)]</b></font></td><td bgcolor=\"white\"><font point-size=\"14\">Output shape: "
                 "<b>(None, 9, 2)</b>") != std::string::npos);
  // A layer called twice has no one shape; an input layer shows only its output.
  CHECK(dot.find("<b>conv</b> (Conv1D)</font></td></tr><tr><td bgcolor=\"white\"><font point-size=\"14\">Input shape: <b>?</b>") !=
        std::string::npos);
  CHECK(dot.find("<b>x</b> (InputLayer)</font></td></tr><tr><td bgcolor=\"white\"><font point-size=\"14\">Output shape: "
                 "<b>(None, 9, 2)</b></font></td></tr></table>>") != std::string::npos);
  CHECK(models::model_to_dot(model).find("<b>Conv1D</b></font></td></tr></table>>") != std::string::npos);

  const std::string picture = temporary("minidl_plot_model.png");
  models::plot_model(model, picture, {.show_shapes = true});
  CHECK(read_file(picture).substr(0, 8) == "\x89PNG\r\n\x1a\n");
  std::filesystem::remove(picture);
  CHECK_THROWS_WITH_AS(models::plot_model(model, temporary("minidl_plot_model.nosuchformat")),
                       doctest::Contains("plot_model: Graphviz's `dot -Tnosuchformat` failed to write"), InvalidArgument);
}

TEST_CASE("functional configs that do not hold together are refused, naming what is wrong") {
  const json golden = load_test_data("keras/functional.json");
  const json good = functional_keras_case(golden, "residual_tcn").at("model_get_config");
  const auto refused = [](const json& config) {
    try {
      models::Functional::from_config(config);
    } catch (const InvalidArgument& error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  json unknown = good;
  unknown["layers"][1]["inbound_nodes"][0]["args"][0]["config"]["keras_history"][0] = "nowhere";
  CHECK(refused(unknown) ==
        "Functional.from_config: invalid functional model configuration: a call reads the unknown layer 'nowhere'");
  json unresolvable = good;  // c1 reads c2's output, which needs c1's
  unresolvable["layers"][1]["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = {"c2", 0, 0};
  CHECK(refused(unresolvable) == "Functional.from_config: invalid functional model configuration: the calls of 'c1' cannot be "
                                 "resolved: the graph has loops or disconnected nodes");
  json keyword = good;
  keyword["layers"][1]["inbound_nodes"][0]["kwargs"] = {{"scale", 2}};
  CHECK(refused(keyword) ==
        "Functional.from_config: invalid functional model configuration: the call keyword argument scale=2 is not supported");
  json open_length = good;
  open_length["layers"][0]["config"]["batch_shape"] = {nullptr, nullptr, 2};
  CHECK(refused(open_length).find("InputLayer 'x': invalid argument `batch_shape`: expected known, non-negative extents after "
                                  "the batch axis (minidl's functional models need every extent but the batch's), received "
                                  "(None, None, 2)") != std::string::npos);
  json missing = good;
  missing["output_layers"] = {"head", 3, 0};
  CHECK(refused(missing) == "Functional.from_config: invalid functional model configuration: an input or output names a call "
                            "that does not exist: [\"head\",3,0]");
  json malformed = good;
  malformed["layers"][2].erase("inbound_nodes");
  malformed["layers"][2]["inbound_nodes"] = 7;
  CHECK(refused(malformed).starts_with("Functional.from_config: the config is malformed"));
  json duplicate = good;
  duplicate["layers"][2]["name"] = "c1";
  CHECK(refused(duplicate) == "Functional.from_config: invalid functional model configuration: two layers are named 'c1'");
}
