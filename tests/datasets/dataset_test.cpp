// Dataset's sources and transformations: what each pass yields, cardinalities, shuffling and
// prefetching (order, errors, early stops).
#include <algorithm>
#include <atomic>
#include <doctest/doctest.h>
#include <minidl/minidl.hpp>
#include <numeric>
#include <stdexcept>

using namespace minidl;

namespace {

// The first x value of each element of a pass.
std::vector<double> firsts(const datasets::Dataset& dataset) {
  std::vector<double> values;
  for (auto pass = dataset.iterate(); auto element = pass.next();) values.push_back(element->x[0].to_vector<double>()[0]);
  return values;
}

std::vector<double> range(int n) {
  std::vector<double> values(std::size_t(n), 0.0);
  std::iota(values.begin(), values.end(), 0.0);
  return values;
}

// x: (n, 2) with rows (i, 10 i); y: (n,) with i / 2.
datasets::Dataset numbered(std::int64_t n) {
  std::vector<double> x, y;
  for (std::int64_t i = 0; i < n; ++i) {
    x.insert(x.end(), {double(i), 10.0 * double(i)});
    y.push_back(double(i) / 2);
  }
  return datasets::Dataset::from_tensor_slices(Tensor(x, {n, 2}), Tensor(y, {n}));
}

}  // namespace

TEST_CASE("from_tensor_slices gives one element per sample; batch stacks them, the last batch short unless dropped") {
  const auto samples = numbered(7);
  CHECK(samples.cardinality() == 7);
  auto pass = samples.iterate();
  pass.next();
  pass.next();
  const auto third = pass.next();
  REQUIRE(third.has_value());
  CHECK(third->x[0].shape() == Shape{2});
  CHECK(third->x[0].to_vector<double>() == std::vector<double>{2, 20});
  CHECK(third->y[0].shape() == Shape{});
  CHECK(third->y[0].item() == 1.0);

  const auto batches = samples.batch(3);
  CHECK(batches.cardinality() == 3);
  std::vector<Shape> shapes;
  for (auto each = batches.iterate(); auto batch = each.next();) shapes.push_back(batch->x[0].shape());
  CHECK(shapes == std::vector<Shape>{{3, 2}, {3, 2}, {1, 2}});
  CHECK(samples.batch(3, true).cardinality() == 2);
  CHECK(firsts(samples.batch(3, true)) == std::vector<double>{0, 3});
  CHECK_THROWS_WITH_AS(samples.batch(0), "Dataset.batch: invalid argument `batch_size`: expected a positive integer, received 0",
                       InvalidArgument);
}

TEST_CASE("take, repeat and map, with their cardinalities") {
  const auto samples = numbered(4);
  CHECK(firsts(samples.take(2)) == std::vector<double>{0, 1});
  CHECK(samples.take(2).cardinality() == 2);
  CHECK(firsts(samples.repeat(2)) == std::vector<double>{0, 1, 2, 3, 0, 1, 2, 3});
  CHECK(samples.repeat(2).cardinality() == 8);
  CHECK(samples.repeat().cardinality() == datasets::infinite_cardinality);
  CHECK(firsts(samples.repeat().take(6)) == std::vector<double>{0, 1, 2, 3, 0, 1});
  CHECK(samples.repeat().take(6).cardinality() == 6);
  const auto doubled = samples.map([](datasets::Element element) {
    element.x[0] = element.x[0] * 2.0;
    return element;
  });
  CHECK(firsts(doubled) == std::vector<double>{0, 2, 4, 6});
  const auto empty = datasets::Dataset::from_generator([] { return [] { return std::optional<datasets::Element>(); }; });
  CHECK(empty.repeat().take(3).cardinality() == 3);
  // An empty pass ends the repetition rather than spinning for ever.
  CHECK(firsts(empty.repeat().take(3)).empty());
  CHECK(firsts(samples.batch(5, true).repeat()).empty());
}

TEST_CASE("shuffle: a permutation per pass, reproducible by seed (or by the global generator's), local to its buffer") {
  const auto samples = numbered(50);
  const auto shuffled = samples.shuffle(50, 3);
  const auto first = firsts(shuffled), second = firsts(shuffled);
  auto sorted = first;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == range(50));
  CHECK(first != range(50));
  CHECK(second != first);
  CHECK(firsts(samples.shuffle(50, 3)) == first);
  // A buffer of 2 can hold an element back, never bring one forward by more than a place.
  const auto local = firsts(samples.shuffle(2, 5));
  for (std::size_t i = 0; i < local.size(); ++i) CHECK(local[i] <= double(i + 1));
  // Unseeded, the seed comes from the global generator when shuffle() is called.
  seed_global_generator(9);
  const auto unseeded = samples.shuffle(50);
  seed_global_generator(9);
  CHECK(firsts(samples.shuffle(50)) == firsts(unseeded));
}

TEST_CASE("from_generator: each pass calls start anew") {
  std::atomic<int> passes = 0;
  const auto counting = datasets::Dataset::from_generator([&passes] {
    ++passes;
    return [count = 0]() mutable -> std::optional<datasets::Element> {
      if (count == 3) return std::nullopt;
      return datasets::Element{.x = {Tensor::full({1}, double(count++))}, .y = {}};
    };
  });
  CHECK(counting.cardinality() == datasets::unknown_cardinality);
  CHECK(firsts(counting) == std::vector<double>{0, 1, 2});
  CHECK(firsts(counting.batch(2)) == std::vector<double>{0, 2});
  CHECK(passes == 2);
}

TEST_CASE("prefetch: the same elements in the same order, errors at their place, a pass stopped early") {
  // Each a dataset of its own: a shuffle's order depends on how many passes it has given.
  const auto samples = [] { return numbered(40).shuffle(40, 1).batch(6); };
  CHECK(firsts(samples().prefetch(3)) == firsts(samples()));
  CHECK(samples().prefetch(3).cardinality() == 7);

  const auto failing = datasets::Dataset::from_generator([] {
    return [count = 0]() mutable -> std::optional<datasets::Element> {
      if (count == 2) throw InvalidArgument("the source failed at element 2");
      return datasets::Element{.x = {Tensor::full({1}, double(count++))}, .y = {}};
    };
  });
  auto pass = failing.prefetch(4).iterate();
  CHECK(pass.next()->x[0].item() == 0.0);
  CHECK(pass.next()->x[0].item() == 1.0);
  CHECK_THROWS_WITH_AS(pass.next(), "the source failed at element 2", InvalidArgument);
  CHECK_FALSE(pass.next().has_value());

  // Destroying a pass whose thread waits on a full queue of an endless dataset returns.
  { auto endless = numbered(3).repeat().prefetch(2).iterate(); endless.next(); }
  CHECK_THROWS_WITH_AS(samples().prefetch(0), "Dataset.prefetch: invalid argument `buffer_size`: expected a positive integer, received 0",
                       InvalidArgument);
}

TEST_CASE("batch refuses elements of different shapes, naming the element and the tensor") {
  const auto ragged = datasets::Dataset::from_generator([] {
    return [count = 0]() mutable -> std::optional<datasets::Element> {
      if (count == 3) return std::nullopt;
      ++count;
      return datasets::Element{.x = {Tensor::zeros({count == 2 ? 3 : 2})}, .y = {}};
    };
  });
  auto pass = ragged.batch(3).iterate();
  CHECK_THROWS_WITH_AS(pass.next(), "Dataset.batch: element 1 of a batch has x[0] of shape (3,) and dtype float32, where the first has (2,) and float32",
                       ShapeError);
  const auto uneven = datasets::Dataset::from_generator([] {
    return [count = 0]() mutable -> std::optional<datasets::Element> {
      ++count;
      if (count == 1) return datasets::Element{.x = {Tensor::zeros({2}), Tensor::zeros({2})}, .y = {}};
      return datasets::Element{.x = {Tensor::zeros({2})}, .y = {}};
    };
  });
  auto uneven_pass = uneven.batch(2).iterate();
  CHECK_THROWS_WITH_AS(uneven_pass.next(), "Dataset.batch: element 1 of a batch has 1 x and 0 y tensors, where the first has 2 and 0",
                       ShapeError);
}

// xtensor's headers after a user's `using namespace minidl;` (where a unity build puts them): xtl's
// variant calls data(...) unqualified, which found a namespace minidl::data when this module had
// that name. It must keep compiling.
#include <minidl/core/xtensor_bridge.hpp>

TEST_CASE("xtensor's headers compile after using namespace minidl") {
  const xt::xarray<double> values = {1.0, 2.0};
  CHECK(from_xtensor(values).to_vector<double>() == std::vector<double>{1.0, 2.0});
}
