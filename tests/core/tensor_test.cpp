// The Tensor: creation, layout and views, reading out, formatting, randomness, bad input.
#include "../support/golden.hpp"

#include <minidl/core/kernels/conv1d_tiles.hpp>
#include <minidl/core/xtensor_bridge.hpp>

#include <doctest/doctest.h>
#include <cmath>
#include <sstream>
#include <xtensor/xbuilder.hpp>

using namespace minidl;
using namespace minidl::testing;

TEST_CASE("creation from values and factories") {
  const Tensor t(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(t.shape() == Shape{2, 3});
  CHECK(t.dtype() == DType::float32);
  CHECK(t.at({1, 2}) == 6.0);
  CHECK(t.at({-1, 0}) == 4.0);
  CHECK(t.dim(-1) == 3);
  CHECK(Tensor::zeros({2, 2}, DType::float64).to_vector() == std::vector<double>{0, 0, 0, 0});
  CHECK(Tensor::ones({3}).to_vector<float>() == std::vector<float>{1, 1, 1});
  CHECK(Tensor::full({2}, 2.5).to_vector() == std::vector<double>{2.5, 2.5});
  CHECK(Tensor::scalar(7.0).item() == 7.0);
  CHECK(Tensor::scalar(7.0).ndim() == 0);
  // numpy.arange(1, 2, 0.25) and numpy.eye(2, 3).
  CHECK(Tensor::arange(1, 2, 0.25).to_vector() == std::vector<double>{1.0, 1.25, 1.5, 1.75});
  CHECK(Tensor::arange(0, 5).size() == 5);
  CHECK(Tensor::eye(2, 3).to_vector() == std::vector<double>{1, 0, 0, 0, 1, 0});
}

TEST_CASE("random creation is reproducible and has the requested distribution") {
  Generator first(42), second(42);
  CHECK(Tensor::rand({4, 10, 128}, DType::float32, &first).to_vector() ==
        Tensor::rand({4, 10, 128}, DType::float32, &second).to_vector());
  seed_global_generator(3);
  const auto a = Tensor::normal({8}).to_vector();
  seed_global_generator(3);
  CHECK(Tensor::normal({8}).to_vector() == a);

  Generator generator(7);
  constexpr std::int64_t n = 200000;
  const auto uniform = Tensor::rand({n}, DType::float64, &generator);
  CHECK(min(uniform).item() >= 0.0);
  CHECK(max(uniform).item() < 1.0);
  // Mean 1/2 and variance 1/12; with n = 2e5 the standard error of the mean is 6.5e-4.
  CHECK(mean(uniform).item() == doctest::Approx(0.5).epsilon(0.005));
  CHECK(var(uniform).item() == doctest::Approx(1.0 / 12).epsilon(0.01));
  const auto normal = Tensor::normal({n}, 1.0, 2.0, DType::float64, &generator);
  CHECK(mean(normal).item() == doctest::Approx(1.0).epsilon(0.02));
  CHECK(var(normal).item() == doctest::Approx(4.0).epsilon(0.02));
  // A standard normal truncated to ±2σ has variance 1 − 2·2·φ(2)/(Φ(2) − Φ(−2)) = 0.773726.
  const auto truncated = Tensor::truncated_normal({n}, 0.0, 1.0, DType::float64, &generator);
  CHECK(max(abs(truncated)).item() <= 2.0);
  CHECK(var(truncated).item() == doctest::Approx(0.773726).epsilon(0.02));
}

TEST_CASE("views share storage; copies do not") {
  const Tensor t(std::vector<double>{0, 1, 2, 3, 4, 5}, {2, 3});
  const Tensor transposed = transpose(t);
  CHECK(transposed.shape() == Shape{3, 2});
  CHECK_FALSE(transposed.is_contiguous());
  CHECK(transposed.data<double>() == t.data<double>());
  CHECK(transposed.to_vector() == std::vector<double>{0, 3, 1, 4, 2, 5});
  CHECK(transposed.contiguous().is_contiguous());
  CHECK(transposed.contiguous().data<double>() != t.data<double>());

  const Tensor sliced = slice(t, 1, 1, 3);
  CHECK(sliced.data<double>() == t.data<double>() + 1);
  CHECK(sliced.to_vector() == std::vector<double>{1, 2, 4, 5});
  CHECK(reshape(t, {3, 2}).data<double>() == t.data<double>());   // contiguous: a view
  CHECK(reshape(transposed, {6}).data<double>() != t.data<double>());  // strided: a copy
  CHECK(reshape(transposed, {6}).to_vector() == std::vector<double>{0, 3, 1, 4, 2, 5});

  Tensor target = Tensor::zeros({2, 3}, DType::float64);
  target.assign(t);
  CHECK(target.to_vector() == t.to_vector());
  const Tensor cloned = t.clone();
  CHECK(cloned.data<double>() != t.data<double>());
}

TEST_CASE("xtensor in and out") {
  const xt::xarray<double> source = {{1.0, 2.0}, {3.0, 4.0}};
  const Tensor t = from_xtensor(source * 2.0);
  CHECK(t.dtype() == DType::float64);
  CHECK(t.to_vector() == std::vector<double>{2, 4, 6, 8});
  const xt::xarray<double> back = to_xarray<double>(transpose(t));
  CHECK(back == xt::xarray<double>{{2.0, 6.0}, {4.0, 8.0}});
  CHECK_THROWS_AS(to_xarray<float>(t), InvalidArgument);
  CHECK(from_xtensor(xt::arange<float>(3)).dtype() == DType::float32);
}

TEST_CASE("formatting with fmt and streams") {
  const Tensor t(std::vector<float>{1.5f, -2.0f, 0.25f, 3.0f}, {2, 2});
  CHECK(fmt::format("{}", t) == "Tensor(shape=(2, 2), dtype=float32, [[1.5, -2], [0.25, 3]])");
  std::ostringstream stream;
  stream << Tensor::scalar(2.0, DType::float64);
  CHECK(stream.str() == "Tensor(shape=(), dtype=float64, 2)");
  const std::string large = fmt::format("{}", Tensor::arange(0, 2000));
  CHECK(large == "Tensor(shape=(2000,), dtype=float32, [0, 1, 2, ..., 1997, 1998, 1999])");
  CHECK(fmt::format("{}", Tensor()) == "Tensor(undefined)");
}

TEST_CASE("memory requests past the limit, a budget or the system are MemoryErrors naming the size") {
  // 10^11 float32 values, 400 GB: more than any machine this runs on, but not an absurd shape.
  CHECK_THROWS_WITH_AS(Tensor::zeros({100000, 1000000}), doctest::Contains("Tensor: cannot allocate 400000000000 bytes (373 GiB)"),
                       MemoryError);
  CHECK_THROWS_WITH_AS(Tensor::zeros({100000, 1000000}), doctest::Contains("(shape (100000, 1000000), float32)"), MemoryError);

  const std::size_t machine_limit = allocation_limit();
  set_allocation_limit(1000);
  CHECK_THROWS_WITH_AS(Tensor::zeros({2, 126}, DType::float64),
                       "Tensor: cannot allocate 2016 bytes (1.88e-06 GiB): over the allocation limit of 1000 bytes (9.31e-07 GiB) "
                       "(set_allocation_limit) (shape (2, 126), float64)",
                       MemoryError);
  CHECK(Tensor::zeros({2, 125}, DType::float32).size() == 250);
  set_allocation_limit(machine_limit);

  {
    AllocationBudget outer(4096, "the outer budget");
    (void)Tensor::zeros({512});  // 2048 bytes
    {
      AllocationBudget inner(100, "the inner budget");
      CHECK_THROWS_WITH_AS(Tensor::zeros({26}), doctest::Contains("the inner budget allows only 100 bytes"), MemoryError);
      (void)Tensor::zeros({25});
    }
    {
      // A generous inner budget does not lift the outer one's bound.
      AllocationBudget generous(1 << 20, "a generous budget");
      CHECK_THROWS_WITH_AS(Tensor::zeros({1000}), doctest::Contains("the outer budget allows only 1948 bytes"), MemoryError);
    }
    CHECK(outer.remaining() == 1948);  // the inner allocation counted here too
    CHECK_THROWS_WITH_AS(Tensor::zeros({488}), doctest::Contains("the outer budget allows only 1948 bytes"), MemoryError);
  }
  CHECK(Tensor::zeros({100000}).size() == 100000);
}

TEST_CASE("a kernel's working memory counts against the budget and the limit, as a tensor's does") {
  // 128 filters are two tiles of 64: the kernel is packed into scratch before any tile runs.
  const kernels::Conv1dGeometry geometry{.batch = 1, .length = 8, .channels = 4, .filters = 128, .kernel_size = 3};
  if (!kernels::conv1d_tiles_apply(geometry, DType::float32)) return;  // no AVX-512: the BLAS path, with no scratch of its own
  const Tensor x = Tensor::ones({1, 8, 4}), kernel = Tensor::ones({3, 4, 128});
  Tensor y = Tensor::empty({1, 6, 128});
  {
    AllocationBudget none(0, "an empty budget");
    CHECK_THROWS_WITH_AS(kernels::conv1d_forward_tiles(x.data<float>(), kernel.data<float>(), nullptr, geometry, 1, y.data<float>(), false),
                         doctest::Contains("Conv1D's packed kernel: cannot allocate 6144 bytes"), MemoryError);
  }
  kernels::conv1d_forward_tiles(x.data<float>(), kernel.data<float>(), nullptr, geometry, 1, y.data<float>(), false);
  CHECK(y.to_vector<double>() == std::vector<double>(6 * 128, 12.0));
}

TEST_CASE("bad sizes, indices and reads are clear errors") {
  CHECK_THROWS_WITH_AS(Tensor::zeros({2, -3}),
                       "Tensor: invalid argument `shape`: expected non-negative dimensions, received (2, -3)",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(Tensor::zeros({100000, 100000, 1000}),
                       "Tensor: invalid argument `shape`: expected at most 1099511627776 elements, received (100000, "
                       "100000, 1000) (1e+13 elements)",
                       InvalidArgument);
  // Empty, but its strides would overflow.
  CHECK_THROWS_WITH_AS(Tensor::zeros({0, std::int64_t{1} << 62, 24}), doctest::Contains("(0, 4611686018427387904, 24) (1.11e+20 elements)"),
                       InvalidArgument);
  CHECK(Tensor::zeros({0, std::int64_t{1} << 20, 24}).size() == 0);
  CHECK_THROWS_WITH_AS(Tensor(std::vector<float>{1, 2, 3}, {2, 2}),
                       "Tensor: 3 values do not fill shape (2, 2) (4 elements)", ShapeError);
  const Tensor t = Tensor::zeros({2, 3});
  CHECK_THROWS_WITH_AS(t.at({2, 0}), "Tensor::at: invalid argument `index`: expected an index in [-2, 2) along axis 0, received 2",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(t.at({0}), "Tensor::at: invalid argument `index`: expected 2 indices for shape (2, 3), received 1 indices",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(t.item(), "Tensor::item: invalid argument `tensor`: expected a tensor of one element, received shape (2, 3)",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(t.data<double>(), "Tensor::data: requested float64 elements from a float32 tensor", InvalidArgument);
  CHECK_THROWS_WITH_AS(Tensor().shape(), doctest::Contains("this tensor is undefined"), StateError);
  CHECK_THROWS_WITH_AS(Tensor::arange(0, 1, 0), "arange: invalid argument `step`: expected a finite non-zero step, received step=0",
                       InvalidArgument);
}

TEST_CASE("assign from an overlapping view reads a copy") {
  Tensor square_matrix(std::vector<double>{1, 2, 3, 4}, {2, 2});
  square_matrix.assign(transpose(square_matrix));
  CHECK(square_matrix.to_vector() == std::vector<double>{1, 3, 2, 4});
  Tensor row(std::vector<double>{1, 2, 3, 4, 5}, {5});
  slice(row, 0, 1, 5).assign(slice(row, 0, 0, 4));
  CHECK(row.to_vector() == std::vector<double>{1, 1, 2, 3, 4});
}

TEST_CASE("a reshape whose element count overflows is refused") {
  CHECK_THROWS_AS(reshape(Tensor::ones({1}), {274177, 67280421310721}), InvalidArgument);
}
