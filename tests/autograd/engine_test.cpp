// The engine's contract: accumulation, graph release, detach, no-grad scopes, the functional
// grad(), deep graphs, and its errors.
#include "../support/golden.hpp"

#include <minidl/autograd/node.hpp>

#include <doctest/doctest.h>

using namespace minidl;
using namespace minidl::testing;

namespace {
Tensor vector_of(std::vector<double> values) {
  const auto n = static_cast<std::int64_t>(values.size());
  return Tensor(values, {n});
}
}  // namespace

TEST_CASE("backward fills .grad of leaves: d/dx sum(x^2 * w) = 2xw, d/dw = x^2") {
  Tensor x = vector_of({1.0, -2.0, 3.0}).set_requires_grad();
  Tensor w = vector_of({0.5, 0.25, -1.0}).set_requires_grad();
  sum(square(x) * w).backward();
  CHECK_CLOSE(x.grad(), vector_of({1.0, -1.0, -6.0}), 0, 0);
  CHECK_CLOSE(w.grad(), vector_of({1.0, 4.0, 9.0}), 0, 0);
}

TEST_CASE("gradients accumulate over backward calls until zeroed") {
  Tensor x = vector_of({1.0, 2.0}).set_requires_grad();
  sum(x * 3.0).backward();
  sum(x * 3.0).backward();
  CHECK_CLOSE(x.grad(), vector_of({6.0, 6.0}), 0, 0);
  x.zero_grad();
  CHECK_FALSE(x.has_grad());
  sum(x).backward();
  CHECK_CLOSE(x.grad(), vector_of({1.0, 1.0}), 0, 0);
}

TEST_CASE("a tensor used twice receives the sum of both paths") {
  Tensor x = vector_of({2.0}).set_requires_grad();
  const Tensor y = x * x + x;  // dy/dx = 2x + 1
  y.backward();
  CHECK(x.grad().item() == 5.0);
}

TEST_CASE("broadcast gradients are summed back to the input's shape") {
  Tensor bias = vector_of({0.0, 0.0, 0.0}).set_requires_grad();
  const Tensor batch = Tensor::ones({4, 3}, DType::float64);
  sum(batch + bias).backward();
  CHECK_CLOSE(bias.grad(), vector_of({4.0, 4.0, 4.0}), 0, 0);
}

TEST_CASE("the graph is freed after backward unless retained") {
  Tensor x = vector_of({1.0, 2.0}).set_requires_grad();
  const Tensor y = sum(exp(x));
  y.backward(Tensor(), /*retain_graph=*/true);
  y.backward();
  CHECK_CLOSE(x.grad(), exp(x.detach()) * 2.0, 1e-15, 0);
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("already freed by an earlier backward"), StateError);
}

TEST_CASE("backward on a non-scalar needs an upstream gradient of the output's shape") {
  Tensor x = vector_of({1.0, 2.0}).set_requires_grad();
  const Tensor y = x * 2.0;
  CHECK_THROWS_WITH_AS(y.backward(),
                       "backward: output 0 has shape (2,); a gradient can be implied only for a one-element output, so "
                       "pass the upstream gradient explicitly",
                       StateError);
  CHECK_THROWS_WITH_AS(y.backward(Tensor::ones({3}, DType::float64)),
                       "backward: the gradient for output 0 has shape (3,) float64, expected the output's (2,) float64",
                       ShapeError);
  y.backward(vector_of({1.0, -1.0}));
  CHECK_CLOSE(x.grad(), vector_of({2.0, -2.0}), 0, 0);
}

TEST_CASE("reading a gradient that was never computed is a clear error") {
  const Tensor plain = vector_of({1.0});
  CHECK_THROWS_WITH_AS(plain.grad(),
                       "grad: no gradient has been computed for this tensor of shape (1,): it does not require grad; "
                       "call set_requires_grad()",
                       StateError);
  Tensor leaf = vector_of({1.0}).set_requires_grad();
  CHECK_THROWS_WITH_AS(leaf.grad(), doctest::Contains("run backward() on a result that depends on it first"), StateError);
  const Tensor intermediate = leaf * 2.0;
  CHECK_THROWS_WITH_AS(intermediate.grad(), doctest::Contains("it is not a leaf"), StateError);
  CHECK_THROWS_WITH_AS(sum(plain).backward(), doctest::Contains("backward: output 0 does not require grad"), StateError);
  CHECK_THROWS_WITH_AS(intermediate.detach().set_requires_grad().grad(), doctest::Contains("run backward()"), StateError);
}

TEST_CASE("only leaves can change requires_grad") {
  Tensor leaf = vector_of({1.0}).set_requires_grad();
  Tensor result = leaf * 2.0;
  CHECK(result.requires_grad());
  CHECK_FALSE(result.is_leaf());
  CHECK_THROWS_AS(result.set_requires_grad(false), StateError);
}

TEST_CASE("detach and NoGradGuard cut the graph") {
  Tensor x = vector_of({3.0}).set_requires_grad();
  const Tensor detached = x.detach();
  CHECK_FALSE(detached.requires_grad());
  CHECK(detached.data<double>() == x.data<double>());  // same storage
  {
    NoGradGuard no_grad;
    CHECK_FALSE(is_grad_enabled());
    CHECK_FALSE((x * 2.0).requires_grad());
  }
  CHECK(is_grad_enabled());
  const Tensor y = x * detached;  // d/dx = detached value only
  y.backward();
  CHECK(x.grad().item() == 3.0);
}

TEST_CASE("autograd::grad returns gradients without touching .grad") {
  Tensor x = vector_of({1.0, 2.0}).set_requires_grad();
  Tensor unused = vector_of({5.0}).set_requires_grad();
  const Tensor hidden = x * 3.0;
  const Tensor y = sum(square(hidden));
  const auto grads = autograd::grad({y}, {x, hidden}, {}, {.retain_graph = true});
  CHECK_CLOSE(grads[0], vector_of({18.0, 36.0}), 0, 0);  // 2·(3x)·3
  CHECK_CLOSE(grads[1], vector_of({6.0, 12.0}), 0, 0);   // 2·hidden
  CHECK_FALSE(x.has_grad());
  CHECK_THROWS_WITH_AS(autograd::grad({y}, {unused}, {}, {.retain_graph = true}),
                       "autograd::grad: input 0 is not used in computing the outputs; pass allow_unused = true to get "
                       "zeros for it",
                       StateError);
  const auto with_unused = autograd::grad({y}, {unused}, {}, {.allow_unused = true});
  CHECK_CLOSE(with_unused[0], vector_of({0.0}), 0, 0);
}

TEST_CASE("cast carries the gradient back in the source dtype") {
  Tensor x = Tensor(std::vector<float>{1.5f, -2.0f}, {2}).set_requires_grad();
  const Tensor weights = vector_of({0.25, 4.0});
  sum(cast(x, DType::float64) * weights).backward();
  CHECK(x.grad().dtype() == DType::float32);
  CHECK(x.grad().to_vector<float>() == std::vector<float>{0.25f, 4.0f});
}

TEST_CASE("a chain of a million nodes neither overflows the stack forward, backward nor when freed") {
  Tensor x = Tensor::scalar(1.0, DType::float64).set_requires_grad();
  Tensor y = x;
  constexpr int length = 1'000'000;
  for (int i = 0; i < length; ++i) y = y + 1e-6;
  y.backward();
  CHECK(x.grad().item() == 1.0);
  CHECK(y.item() == doctest::Approx(2.0).epsilon(1e-9));
  Tensor z = x;
  for (int i = 0; i < length; ++i) z = z * 1.0;
  z = Tensor();  // the whole graph dies here, without recursion
  CHECK_FALSE(z.defined());
}

TEST_CASE("a long residual chain (each node's input shared by two nodes) is freed without recursion") {
  Tensor x = Tensor::scalar(1.0, DType::float64).set_requires_grad();
  Tensor y = x;
  for (int i = 0; i < 200'000; ++i) y = y + y * 1e-6;
  y = Tensor();
  CHECK_FALSE(y.defined());
}

TEST_CASE("autograd::grad with the same input listed twice fills both slots") {
  Tensor x = vector_of({2.0}).set_requires_grad();
  const auto grads = autograd::grad({square(x)}, {x, x});
  CHECK(grads[0].item() == 4.0);
  CHECK(grads[1].item() == 4.0);
}

TEST_CASE("a custom op whose backward returns a wrongly shaped gradient is a clear error") {
  Tensor x = Tensor::ones({4}, DType::float64).set_requires_grad();
  Tensor out = x.detach() * 2.0;
  record(out, "broken", {x}, [](const Tensor&) { return std::vector<Tensor>{Tensor::ones({3}, DType::float64)}; });
  CHECK_THROWS_WITH_AS(sum(out).backward(),
                       "backward of `broken`: the gradient for input 0 has shape (3,), which does not reduce to the input's "
                       "shape (4,)",
                       StateError);
}

TEST_CASE("a custom op whose backward returns too many or too few gradients is refused, naming the op") {
  Tensor x = Tensor::ones({2}, DType::float64).set_requires_grad();
  for (const std::size_t returned : {std::size_t{2}, std::size_t{0}}) {
    CAPTURE(returned);
    Tensor out = x.detach() * 2.0;
    record(out, "scaled", {x}, [returned](const Tensor& g) { return std::vector<Tensor>(returned, g * 2.0); });
    CHECK_THROWS_WITH_AS(sum(out).backward(),
                         fmt::format("backward of `scaled`: returned {} gradients for an op with 1 input; return one per input, an "
                                     "undefined Tensor() for an input without one",
                                     returned)
                             .c_str(),
                         StateError);
  }
}

TEST_CASE("a custom op whose backward returns a gradient of another dtype is refused, naming the op") {
  Tensor x = Tensor::ones({2}, DType::float64).set_requires_grad();
  Tensor out = x.detach() * 2.0;
  record(out, "halfway", {x}, [](const Tensor& g) { return std::vector<Tensor>{cast(g, DType::float32)}; });
  CHECK_THROWS_WITH_AS(sum(out).backward(),
                       "backward of `halfway`: the gradient for input 0 is float32, but the input is float64; cast it to the input's dtype",
                       StateError);
}
