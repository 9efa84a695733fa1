// Reductions through xtensor's reducers, on a contiguous adaptation of the input.
#include <minidl/core/kernels/kernels.hpp>

#include <algorithm>
#include <limits>
#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xreducer.hpp>
#include <xtensor/xsort.hpp>
#include <xtensor/xmath.hpp>

namespace minidl::kernels {

namespace {

Shape reduced_shape(const Shape& shape, const std::vector<int>& axes, bool keepdims) {
  Shape result;
  for (int axis = 0; axis < static_cast<int>(shape.size()); ++axis) {
    const bool reduced = std::find(axes.begin(), axes.end(), axis) != axes.end();
    if (!reduced) result.push_back(shape[axis]);
    else if (keepdims) result.push_back(1);
  }
  return result;
}

template <class Reduce>
Tensor reduce(const Tensor& x, const std::vector<int>& axes, bool keepdims, Reduce&& reduce_with) {
  const Tensor packed = x.contiguous();
  Tensor out = Tensor::empty(reduced_shape(x.shape(), axes, keepdims), x.dtype());
  dispatch(x.dtype(), [&]<class T>() {
    std::vector<std::size_t> shape(packed.shape().begin(), packed.shape().end());
    auto input = xt::adapt(packed.data<T>(), static_cast<std::size_t>(packed.size()), xt::no_ownership(), shape);
    std::vector<std::size_t> reduce_axes(axes.begin(), axes.end());
    xt::xarray<T> result = reduce_with(input, reduce_axes);
    std::copy(result.begin(), result.end(), out.data<T>());
  });
  return out;
}

// A NaN anywhere in a slice makes its extreme NaN (NumPy's amax, torch.amax, so Keras): xtensor's
// own amax keeps or drops a NaN depending on where it stands. Starting from ∓infinity rather than
// the lowest finite value keeps an all −inf slice at −inf.
template <bool maximum>
struct NanPropagatingExtreme {
  template <class T>
  T operator()(const T& best, const T& value) const {
    if (best != best) return best;
    return (maximum ? value > best : value < best) || value != value ? value : best;
  }
};

template <bool maximum>
Tensor extreme(const Tensor& x, const std::vector<int>& axes, bool keepdims) {
  return reduce(x, axes, keepdims, [](const auto& input, const auto& reduce_axes) {
    using T = typename std::decay_t<decltype(input)>::value_type;
    const T start = maximum ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
    return xt::reduce(xt::make_xreducer_functor(NanPropagatingExtreme<maximum>(), xt::const_value<T>(start)), input,
                      reduce_axes);
  });
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<int>& axes, bool keepdims) {
  return reduce(x, axes, keepdims, [](const auto& input, const auto& reduce_axes) {
    return xt::sum(input, reduce_axes);
  });
}

Tensor amax(const Tensor& x, const std::vector<int>& axes, bool keepdims) { return extreme<true>(x, axes, keepdims); }

Tensor amin(const Tensor& x, const std::vector<int>& axes, bool keepdims) { return extreme<false>(x, axes, keepdims); }

Tensor sum_to_shape(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  const std::size_t lead = x.shape().size() - shape.size();
  std::vector<int> axes;
  for (std::size_t axis = 0; axis < x.shape().size(); ++axis)
    if (axis < lead || (shape[axis - lead] == 1 && x.shape()[axis] != 1)) axes.push_back(static_cast<int>(axis));
  return reshape(sum(x, axes, true), shape);
}

}  // namespace minidl::kernels
