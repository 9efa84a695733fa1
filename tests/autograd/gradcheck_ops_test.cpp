// Every differentiable op gradchecked in float64 (finite differences against autograd), on the
// same inputs, broadcast and axis variants as the PyTorch golden cases, and every activation name.
#include "../support/golden.hpp"
#include "../support/op_table.hpp"

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;

namespace {

void gradcheck_cases_of(const std::vector<std::string>& ops) {
  static const auto golden = load_test_data("pytorch/ops_golden.json");
  int checked = 0;
  for (const auto& item : golden.at("cases")) {
    const std::string op = item.at("op"), id = item.at("id");
    if (std::find(ops.begin(), ops.end(), op) == ops.end()) continue;
    if (id == "max_ties") continue;  // a tie is a kink: finite differences see one side only
    if (op == "cast") continue;      // goes through float32, where differences prove nothing: see engine_test
    CAPTURE(id);
    std::vector<Tensor> inputs;
    for (const auto& input : item.at("inputs")) inputs.push_back(tensor_from_json(input));
    const auto& args = item.at("args");
    GradcheckReport report;
    if (op == "where") {
      // The condition is a mask, not a differentiable input: hold it fixed.
      const Tensor condition = inputs[0];
      report = gradcheck([&](const std::vector<Tensor>& in) { return where(condition, in[0], in[1]); },
                         {inputs[1], inputs[2]});
    } else {
      report = gradcheck([&](const std::vector<Tensor>& in) { return apply_op(op, args, in); }, inputs);
    }
    CHECK_MESSAGE(report.passed, report.to_string());
    ++checked;
  }
  CHECK(checked > 0);
}

}  // namespace

TEST_CASE("gradcheck: arithmetic with broadcasting") {
  gradcheck_cases_of({"add", "sub", "mul", "div", "pow", "pow_scalar", "maximum", "minimum"});
}
TEST_CASE("gradcheck: elementwise math and where") {
  gradcheck_cases_of({"neg", "square", "abs", "sign", "exp", "tanh", "sigmoid", "erf", "sqrt", "log", "clip", "where"});
}
TEST_CASE("gradcheck: reductions") { gradcheck_cases_of({"sum", "mean", "max", "min", "var"}); }
TEST_CASE("gradcheck: matmul") { gradcheck_cases_of({"matmul"}); }
TEST_CASE("gradcheck: layout ops") {
  gradcheck_cases_of({"reshape", "transpose", "squeeze", "unsqueeze", "slice", "flip", "concat", "stack", "pad",
                      "broadcast_to"});
}

TEST_CASE("gradcheck: every activation Keras names, plus option variants") {
  // Multiples of 1/64 + 1/128 in [-4, 4): never on a kink (0, ±0.5, ±1, ±3, 6, the thresholds).
  std::vector<double> values;
  for (int i = 0; i < 24; ++i) values.push_back(-4.0 + (i * 43 % 64) / 8.0 + 1.0 / 128);
  const Tensor x(values, {4, 6});
  for (const auto& name : activations::names()) {
    CAPTURE(name);
    const auto activation = activations::get(name);
    const auto report = gradcheck([&](const std::vector<Tensor>& in) { return activation(in[0]); }, {x});
    CHECK_MESSAGE(report.passed, report.to_string());
  }
  const std::vector<std::pair<std::string, activations::Activation>> variants = {
      {"relu(max_value=2)", [](const Tensor& t) { return activations::relu(t, {.max_value = 2.0}); }},
      {"relu(negative_slope=0.1, threshold=0.3)",
       [](const Tensor& t) { return activations::relu(t, {.negative_slope = 0.1, .threshold = 0.3}); }},
      {"relu(all options)",
       [](const Tensor& t) { return activations::relu(t, {.negative_slope = 0.2, .max_value = 1.5, .threshold = -0.7}); }},
      {"gelu(approximate)", [](const Tensor& t) { return activations::gelu(t, true); }},
      {"elu(alpha=0.5)", [](const Tensor& t) { return activations::elu(t, 0.5); }},
      {"softmax(axis=0)", [](const Tensor& t) { return activations::softmax(t, 0); }},
      {"log_softmax(axis=0)", [](const Tensor& t) { return activations::log_softmax(t, 0); }},
      {"sparsemax(axis=0)", [](const Tensor& t) { return activations::sparsemax(t, 0); }},
      {"glu(axis=0)", [](const Tensor& t) { return activations::glu(t, 0); }},
      {"threshold(0.3, default_value=-2)", [](const Tensor& t) { return activations::threshold(t, 0.3, -2.0); }},
  };
  for (const auto& variant : variants) {
    const std::string& label = variant.first;
    const activations::Activation& activation = variant.second;
    CAPTURE(label);
    const auto report = gradcheck([&](const std::vector<Tensor>& in) { return activation(in[0]); }, {x});
    CHECK_MESSAGE(report.passed, report.to_string());
  }
}

TEST_CASE("gradcheck: cast") {
  // float64 to float64 is the only cast finite differences can judge; float32 is covered in engine_test.
  const Tensor x(std::vector<double>{0.5, -1.5, 2.25}, {3});
  const auto report = gradcheck([](const std::vector<Tensor>& in) { return square(cast(in[0], DType::float64)); }, {x});
  CHECK_MESSAGE(report.passed, report.to_string());
}
