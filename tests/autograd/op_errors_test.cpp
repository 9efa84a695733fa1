// Bad input to ops: each gets an exception that names the op, the argument and the values.
#include <doctest/doctest.h>
#include <minidl/minidl.hpp>

using namespace minidl;

TEST_CASE("incompatible broadcast shapes") {
  const Tensor a = Tensor::ones({2, 3}), b = Tensor::ones({4});
  CHECK_THROWS_WITH_AS(a + b, "add: incompatible shapes for broadcasting: (2, 3) and (4,)", ShapeError);
  CHECK_THROWS_WITH_AS(a * b, "mul: incompatible shapes for broadcasting: (2, 3) and (4,)", ShapeError);
  CHECK_THROWS_WITH_AS(where(a, a, b), "where: incompatible shapes for broadcasting: (2, 3) and (4,)", ShapeError);
  CHECK_THROWS_WITH_AS(broadcast_to(a, {3, 3}), "broadcast_to: incompatible shapes for broadcasting: (2, 3) and (3, 3)",
                       ShapeError);
}

TEST_CASE("matmul shape mismatches") {
  CHECK_THROWS_WITH_AS(matmul(Tensor::ones({2, 3}), Tensor::ones({4, 5})),
                       "matmul: inner dimensions differ: a has shape (2, 3) (inner 3), b has shape (4, 5) (inner 4)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(matmul(Tensor::ones({2, 2, 3}), Tensor::ones({3, 3, 5})),
                       "matmul (batch dimensions): incompatible shapes for broadcasting: (2,) and (3,)", ShapeError);
  CHECK_THROWS_WITH_AS(matmul(Tensor::scalar(1.0), Tensor::ones({1})),
                       "matmul: invalid argument `a`: expected at least one dimension, received a scalar", InvalidArgument);
}

TEST_CASE("axes out of range") {
  const Tensor t = Tensor::ones({2, 3});
  CHECK_THROWS_WITH_AS(sum(t, {2}), "sum: invalid argument `axis`: expected an axis in [-2, 2) for a tensor of rank 2, received axis=2",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(mean(t, {-3}), "mean: invalid argument `axis`: expected an axis in [-2, 2) for a tensor of rank 2, received axis=-3",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(sum(t, {1, -1}), "sum: invalid argument `axis`: expected distinct axes, received axis=[1, -1]",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(activations::softmax(t, 5),
                       "softmax: invalid argument `axis`: expected an axis in [-2, 2) for a tensor of rank 2, received axis=5",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(permute(t, {0, 0}), "permute: invalid argument `axes`: expected each axis exactly once, received axes=[0, 0]",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(squeeze(t, {0}), "squeeze: invalid argument `axis`: expected axes of extent 1 in shape (2, 3), received axis=0 (extent 2)",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(concat({t, Tensor::ones({2, 3})}, 2),
                       "concat: invalid argument `axis`: expected an axis in [-2, 2) for a tensor of rank 2, received axis=2",
                       InvalidArgument);
}

TEST_CASE("shape errors in layout ops") {
  const Tensor t = Tensor::ones({2, 3});
  CHECK_THROWS_WITH_AS(reshape(t, {4, -1}), "reshape: cannot reshape a tensor of shape (2, 3) (6 elements) into shape (4, -1)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(reshape(t, {-1, -1}),
                       "reshape: invalid argument `shape`: expected non-negative extents and at most one -1, received (-1, -1)",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(concat({t, Tensor::ones({3, 3})}, 1),
                       "concat: tensors[1] has shape (3, 3), which does not match tensors[0]'s (2, 3) outside axis 1", ShapeError);
  CHECK_THROWS_WITH_AS(stack({t, Tensor::ones({3, 2})}), "stack: tensors[1] has shape (3, 2), expected tensors[0]'s (2, 3)", ShapeError);
  CHECK_THROWS_WITH_AS(concat({}), "concat: invalid argument `tensors`: expected at least one tensor, received an empty list",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(pad(t, {{1, 1}}), "pad: invalid argument `pad_width`: expected one (before, after) pair per axis of shape (2, 3), received 1 pairs",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(pad(t, {{0, 0}, {-1, 0}}), "pad: invalid argument `pad_width`: expected non-negative padding, received (-1, 0) for axis 1",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(slice(t, 0, 0, 1, 0), "slice: invalid argument `step`: expected a positive step, received step=0",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(activations::glu(t), "glu: invalid argument `x`: expected an even extent along axis -1, received shape (2, 3)",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(max(Tensor::ones({0, 3})), "max: invalid argument `x`: expected a non-empty tensor (the reduction has no identity), received shape (0, 3)",
                       InvalidArgument);
}

TEST_CASE("mixing dtypes needs an explicit cast") {
  const Tensor single = Tensor::ones({2}), twice = Tensor::ones({2}, DType::float64);
  CHECK_THROWS_WITH_AS(single + twice, "add: operands have different dtypes, float32 and float64; cast one explicitly",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(matmul(Tensor::ones({2, 2}), Tensor::ones({2, 2}, DType::float64)),
                       "matmul: operands have different dtypes, float32 and float64; cast one explicitly", InvalidArgument);
  CHECK_THROWS_WITH_AS(concat({single, twice}), "concat: tensors have different dtypes: tensors[0] is float32, tensors[1] is float64",
                       InvalidArgument);
  CHECK((single + 1.0).dtype() == DType::float32);  // a double scalar takes the tensor's dtype
  CHECK((cast(single, DType::float64) + twice).to_vector() == std::vector<double>{2.0, 2.0});
}

TEST_CASE("clip bounds must be ordered") {
  CHECK_THROWS_WITH_AS(clip(Tensor::ones({2}), 1.0, 0.0),
                       "clip: invalid argument `max_value`: expected max_value >= min_value=1, received max_value=0",
                       InvalidArgument);
}
