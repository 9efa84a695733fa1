#include <minidl/autograd/ops/arithmetic.hpp>

#include <minidl/autograd/node.hpp>
#include <minidl/autograd/ops/math.hpp>
#include <minidl/core/kernels/elementwise.hpp>

#include <cmath>

namespace minidl {

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out = kernels::map_binary(a, b, "add", [](auto x, auto y) { return x + y; });
  record(out, "add", {a, b}, [](const Tensor& g) { return std::vector<Tensor>{g, g}; });
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor out = kernels::map_binary(a, b, "sub", [](auto x, auto y) { return x - y; });
  record(out, "sub", {a, b}, [](const Tensor& g) { return std::vector<Tensor>{g, neg(g)}; });
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = kernels::map_binary(a, b, "mul", [](auto x, auto y) { return x * y; });
  record(out, "mul", {a, b}, [a = saved(a), b = saved(b)](const Tensor& g) { return std::vector<Tensor>{g * b, g * a}; });
  return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = kernels::map_binary(a, b, "div", [](auto x, auto y) { return x / y; });
  record(out, "div", {a, b}, [a = saved(a), b = saved(b)](const Tensor& g) {
    return std::vector<Tensor>{g / b, neg(g * a / (b * b))};
  });
  return out;
}

Tensor neg(const Tensor& x) {
  Tensor out = kernels::map_unary(x, [](auto v) { return -v; });
  record(out, "neg", {x}, [](const Tensor& g) { return std::vector<Tensor>{neg(g)}; });
  return out;
}

Tensor pow(const Tensor& a, const Tensor& b) {
  Tensor out = kernels::map_binary(a, b, "pow", [](auto x, auto y) { return std::pow(x, y); });
  record(out, "pow", {a, b}, [a = saved(a), b = saved(b), out = saved(out)](const Tensor& g) {
    return std::vector<Tensor>{g * b * pow(a, b - 1.0), g * out * log(a)};
  });
  return out;
}

Tensor pow(const Tensor& a, double exponent) {
  Tensor out = kernels::map_unary(a, [exponent](auto x) { return static_cast<decltype(x)>(std::pow(x, exponent)); });
  record(out, "pow", {a}, [a = saved(a), exponent](const Tensor& g) {
    return std::vector<Tensor>{g * exponent * pow(a, exponent - 1.0)};
  });
  return out;
}

namespace {

// `wins(x, y)` says where a's value is taken. Where a and b tie each gets half the gradient, so the
// halves sum to the whole (PyTorch's rule; TensorFlow gives a tie wholly to a).
template <class Wins>
Tensor extremum(const Tensor& a, const Tensor& b, std::string_view name, Wins wins) {
  Tensor out = kernels::map_binary(a, b, name, [wins](auto x, auto y) { return wins(x, y) ? x : y; });
  record(out, name, {a, b}, [a = saved(a), b = saved(b), name, wins](const Tensor& g) {
    Tensor share_a = kernels::map_binary(a, b, name, [wins](auto x, auto y) {
      using T = decltype(x);
      return x == y ? T(0.5) : T(wins(x, y));
    });
    return std::vector<Tensor>{g * share_a, g * (1.0 - share_a)};
  });
  return out;
}

}  // namespace

// A NaN operand wins, wherever it stands (NumPy's maximum, torch.maximum, so Keras).
Tensor maximum(const Tensor& a, const Tensor& b) {
  return extremum(a, b, "maximum", [](auto x, auto y) { return x > y || x != x; });
}
Tensor minimum(const Tensor& a, const Tensor& b) {
  return extremum(a, b, "minimum", [](auto x, auto y) { return x < y || x != x; });
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& x) { return neg(x); }
Tensor operator+(const Tensor& a, double b) { return add(a, Tensor::scalar(b, a.dtype())); }
Tensor operator-(const Tensor& a, double b) { return sub(a, Tensor::scalar(b, a.dtype())); }
Tensor operator*(const Tensor& a, double b) { return mul(a, Tensor::scalar(b, a.dtype())); }
Tensor operator/(const Tensor& a, double b) { return div(a, Tensor::scalar(b, a.dtype())); }
Tensor operator+(double a, const Tensor& b) { return add(Tensor::scalar(a, b.dtype()), b); }
Tensor operator-(double a, const Tensor& b) { return sub(Tensor::scalar(a, b.dtype()), b); }
Tensor operator*(double a, const Tensor& b) { return mul(Tensor::scalar(a, b.dtype()), b); }
Tensor operator/(double a, const Tensor& b) { return div(Tensor::scalar(a, b.dtype()), b); }

}  // namespace minidl
