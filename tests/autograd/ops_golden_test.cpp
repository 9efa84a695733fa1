// Every op against PyTorch's values and gradients (tests/data/ops_golden.json), in float64 and float32.
#include "../support/golden.hpp"
#include "../support/op_table.hpp"

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;

namespace {

void check_cases_of(const std::vector<std::string>& ops, DType dtype) {
  static const auto golden = load_test_data("pytorch/ops_golden.json");
  const double rtol = dtype == DType::float64 ? 1e-12 : 1e-5;
  const double atol = dtype == DType::float64 ? 1e-12 : 1e-6;
  int checked = 0;
  for (const auto& item : golden.at("cases")) {
    const std::string op = item.at("op");
    if (std::find(ops.begin(), ops.end(), op) == ops.end()) continue;
    CAPTURE(item.at("id").get<std::string>());
    std::vector<Tensor> inputs;
    for (const auto& input : item.at("inputs")) inputs.push_back(tensor_from_json(input, dtype).set_requires_grad());
    const Tensor y = apply_op(op, item.at("args"), inputs);
    CHECK_CLOSE(y, tensor_from_json(item.at("expected").at("y"), dtype), rtol, atol);
    const auto grads = autograd::grad({y}, inputs, {tensor_from_json(item.at("g"), dtype)}, {.allow_unused = true});
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      CAPTURE(i);
      CHECK_CLOSE(grads[i], tensor_from_json(item.at("expected").at("grads")[i], dtype), rtol, atol);
    }
    ++checked;
  }
  CHECK(checked > 0);
}

void check_both_dtypes(const std::vector<std::string>& ops) {
  SUBCASE("float64") { check_cases_of(ops, DType::float64); }
  SUBCASE("float32") { check_cases_of(ops, DType::float32); }
}

}  // namespace

TEST_CASE("golden: add, sub, mul, div with broadcasting") { check_both_dtypes({"add", "sub", "mul", "div"}); }
TEST_CASE("golden: pow, maximum, minimum") { check_both_dtypes({"pow", "pow_scalar", "maximum", "minimum"}); }
TEST_CASE("golden: elementwise math") {
  check_both_dtypes({"neg", "square", "abs", "sign", "exp", "tanh", "sigmoid", "erf", "sqrt", "log", "clip"});
}
TEST_CASE("golden: where") { check_both_dtypes({"where"}); }
TEST_CASE("golden: reductions with axes and keepdims") { check_both_dtypes({"sum", "mean", "max", "min", "var"}); }
TEST_CASE("golden: matmul, batched and broadcast") { check_both_dtypes({"matmul"}); }
TEST_CASE("golden: reshape, transpose, squeeze, unsqueeze, slice, flip") {
  check_both_dtypes({"reshape", "transpose", "squeeze", "unsqueeze", "slice", "flip"});
}
TEST_CASE("golden: concat, stack, pad, broadcast_to, cast") {
  check_both_dtypes({"concat", "stack", "pad", "broadcast_to", "cast"});
}
TEST_CASE("golden: activations not in the Keras file, against PyTorch") { check_both_dtypes({"activation"}); }
TEST_CASE("golden: losses not in the Keras file, against PyTorch") { check_both_dtypes({"loss"}); }
