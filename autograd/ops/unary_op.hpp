#pragma once
// The shape of every elementwise op with a closed-form derivative: the forward map and, beside it,
// dy/dx as a function of x and y. Include only from op .cpp files (it pulls in kernel templates).
#include <minidl/autograd/node.hpp>
#include <minidl/core/kernels/elementwise.hpp>

#include <string_view>

namespace minidl {

// y = forward(x); backward: dx = g * derivative(x, y), in one pass over the three tensors.
template <class Forward, class Derivative>
Tensor unary_op(std::string_view name, const Tensor& x, Forward forward, Derivative derivative) {
  Tensor out = kernels::map_unary(x, forward);
  record(out, name, {x}, [x = saved(x), y = saved(out), derivative, name](const Tensor& g) {
    return std::vector<Tensor>{
        kernels::map_ternary(g, x, y, name, [derivative](auto gv, auto xv, auto yv) { return gv * derivative(xv, yv); })};
  });
  return out;
}

}  // namespace minidl
