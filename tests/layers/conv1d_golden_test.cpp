// Conv1D against real Keras 3.15.1: 652 recorded configurations (forward output and the gradients
// for input, kernel and bias) and the Keras docs example, in float64 and float32; and PyTorch cases
// with many channels per group.
#include "../support/golden.hpp"

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;

namespace {

layers::Conv1DOptions options_from_case(const nlohmann::json& config, DType dtype) {
  return {.filters = config.at("filters"),
          .kernel_size = config.at("kernel_size"),
          .strides = config.at("strides"),
          .padding = config.at("padding"),
          .data_format = config.at("data_format").get<std::string>(),
          .dilation_rate = config.at("dilation_rate"),
          .groups = config.at("groups"),
          .activation = config.at("activation").get<std::string>(),
          .use_bias = config.at("use_bias"),
          .dtype = std::string(dtype_name(dtype))};
}

// Runs one recorded case through the layer; returns how many tensors were compared.
void check_case(const nlohmann::json& item, DType dtype) {
  CAPTURE(item.at("id").get<std::string>());
  const double rtol = dtype == DType::float64 ? 1e-9 : 1e-4;
  const double atol = dtype == DType::float64 ? 1e-12 : 1e-4;
  layers::Conv1D conv(options_from_case(item.at("config"), dtype));
  const Tensor x = tensor_from_json(item.at("x"), dtype).set_requires_grad();
  conv.build(x.shape());
  std::vector<Tensor> weights = {tensor_from_json(item.at("kernel"), dtype)};
  if (!item.at("bias").is_null()) weights.push_back(tensor_from_json(item.at("bias"), dtype));
  conv.set_weights(weights);

  const Tensor y = conv(x);
  const auto& expected = item.at("expected");
  CHECK_CLOSE(y, tensor_from_json(expected.at("y"), dtype), rtol, atol);
  CHECK(conv.compute_output_shape(x.shape()) == y.shape());

  y.backward(tensor_from_json(item.at("g"), dtype));
  CHECK_CLOSE(x.grad(), tensor_from_json(expected.at("dx"), dtype), rtol, atol);
  CHECK_CLOSE(conv.kernel().grad(), tensor_from_json(expected.at("dkernel"), dtype), rtol, atol);
  if (!item.at("bias").is_null()) CHECK_CLOSE(conv.bias().grad(), tensor_from_json(expected.at("dbias"), dtype), rtol, atol);
}

void check_recorded_cases(const std::string& padding, DType dtype) {
  static const auto golden = load_test_data("keras/conv1d_cases.json");
  int checked = 0;
  for (const auto& item : golden.at("cases")) {
    if (item.at("config").at("padding") != padding) continue;
    check_case(item, dtype);
    ++checked;
  }
  CHECK(checked > 100);
}

}  // namespace

TEST_CASE("Conv1D matches Keras: padding valid") {
  SUBCASE("float64") { check_recorded_cases("valid", DType::float64); }
  SUBCASE("float32") { check_recorded_cases("valid", DType::float32); }
}

TEST_CASE("Conv1D matches Keras: padding same") {
  SUBCASE("float64") { check_recorded_cases("same", DType::float64); }
  SUBCASE("float32") { check_recorded_cases("same", DType::float32); }
}

TEST_CASE("Conv1D matches Keras: padding causal") {
  SUBCASE("float64") { check_recorded_cases("causal", DType::float64); }
  SUBCASE("float32") { check_recorded_cases("causal", DType::float32); }
}

TEST_CASE("Conv1D matches Keras: the docs example (4, 10, 128) -> Conv1D(32, 3, relu) -> (4, 8, 32)") {
  const auto golden = load_test_data("keras/conv1d_docs_example.json");
  for (const auto& item : golden.at("cases")) {
    SUBCASE("float64") { check_case(item, DType::float64); }
    SUBCASE("float32") { check_case(item, DType::float32); }
  }
}

TEST_CASE("Conv1D with 32 to 96 channels per group matches PyTorch (the per-tap gemm path)") {
  const auto golden = load_test_data("pytorch/conv1d_wide.json");
  for (const auto& source : golden.at("cases"))
    for (const DType dtype : {DType::float64, DType::float32}) {
      auto item = source;
      item["config"]["data_format"] = "channels_last";
      item["config"]["activation"] = "linear";
      item["config"]["use_bias"] = true;
      check_case(item, dtype);
    }
  CHECK(golden.at("cases").size() == 12);
}
