// Initializers against Keras's formulas (tests/data/keras/initializer_stats.json: the expected
// bounds, mean and standard deviation of each, with Keras's own empirical draws), orthogonality,
// seeding, names and errors.
#include "../support/golden.hpp"

#include <doctest/doctest.h>
#include <cmath>

using namespace minidl;
using namespace minidl::testing;

TEST_CASE("every initializer draws Keras's distribution") {
  const auto golden = load_test_data("keras/initializer_stats.json");
  seed_global_generator(2026);
  constexpr int draws = 40;
  for (const auto& item : golden.at("cases")) {
    const std::string name = item.at("name");
    CAPTURE(name);
    const auto initializer = initializers::Initializer::from_config(
        {{"class_name", item.at("keras_class")}, {"config", item.at("config")}}).validated("test", "initializer");
    const Shape shape = item.at("shape").get<Shape>();
    const auto& expected = item.at("expected");
    std::vector<double> values;
    for (int i = 0; i < draws; ++i) {
      const auto draw = initializer(shape, DType::float64).to_vector();
      values.insert(values.end(), draw.begin(), draw.end());
    }
    const Tensor all(values, {static_cast<std::int64_t>(values.size())});
    if (expected.at("distribution") == "constant") {
      CHECK(min(all).item() == expected.at("value").get<double>());
      CHECK(max(all).item() == expected.at("value").get<double>());
      continue;
    }
    // The suggested tolerances are six standard errors for one draw; 40 draws shrink them by √40.
    const auto& tolerance = item.at("suggested_single_draw_tolerance");
    const double shrink = std::sqrt(double(draws));
    CHECK(std::abs(mean(all).item() - expected.at("mean").get<double>()) <=
          tolerance.at("mean_abs").get<double>() / shrink + 1e-12);
    const double expected_std = expected.at("std");
    const double measured_std = std::sqrt(var(all).item());
    CHECK(std::abs(measured_std - expected_std) <= expected_std * tolerance.at("std_rel").get<double>() / shrink + 1e-12);
    if (expected.at("bounds").is_array() && expected.at("distribution") != "orthogonal") {
      const double low = expected.at("bounds")[0], high = expected.at("bounds")[1];
      CHECK(min(all).item() >= low);
      CHECK(max(all).item() <= high);
    }
  }
}

TEST_CASE("Orthogonal gives orthonormal columns times gain, in both orientations") {
  for (const Shape& shape : {Shape{5, 16, 32}, Shape{3, 4}, Shape{4, 3}}) {
    CAPTURE(shape_to_string(shape));
    const Tensor w = initializers::Initializer(initializers::Orthogonal{.gain = 2.0, .seed = 1})(shape, DType::float64);
    const std::int64_t cols = shape.back(), rows = element_count(shape) / cols;
    const Tensor matrix = reshape(w, {rows, cols});
    // Rows >= cols: WᵀW = gain²·I; otherwise W Wᵀ = gain²·I.
    const Tensor gram = rows >= cols ? matmul(transpose(matrix), matrix) : matmul(matrix, transpose(matrix));
    const std::int64_t n = gram.shape()[0];
    CHECK_CLOSE(gram, Tensor::eye(n, n, DType::float64) * 4.0, 0, 1e-12);
  }
}

TEST_CASE("seeded initializers repeat themselves; unseeded ones follow the global seed") {
  const initializers::Initializer seeded = initializers::GlorotUniform{.seed = 7};
  CHECK(seeded({3, 4, 5}).to_vector() == seeded({3, 4, 5}).to_vector());
  CHECK(seeded({3, 4, 5}).to_vector() != initializers::Initializer(initializers::GlorotUniform{.seed = 8})({3, 4, 5}).to_vector());
  const initializers::Initializer unseeded = "he_normal";
  seed_global_generator(1);
  const auto first = unseeded.validated("t", "i")({3, 4, 5}).to_vector();
  const auto second = unseeded.validated("t", "i")({3, 4, 5}).to_vector();
  CHECK(first != second);
  seed_global_generator(1);
  CHECK(unseeded.validated("t", "i")({3, 4, 5}).to_vector() == first);
}

TEST_CASE("fans for a Conv1D kernel count the receptive field") {
  // (kernel_size, channels / groups, filters) = (3, 128, 32): fan_in 384, fan_out 96.
  CHECK(initializers::compute_fans({3, 128, 32}) == std::pair{384.0, 96.0});
  CHECK(initializers::compute_fans({7, 5}) == std::pair{7.0, 5.0});
  CHECK(initializers::compute_fans({4}) == std::pair{4.0, 4.0});
  CHECK(initializers::compute_fans({}) == std::pair{1.0, 1.0});
  // The Keras docs' worked number: GlorotUniform's limit for (3, 128, 32) is sqrt(6 / 480).
  const Tensor w = initializers::Initializer(initializers::GlorotUniform{.seed = 3})({3, 128, 32}, DType::float64);
  CHECK(max(abs(w)).item() <= std::sqrt(6.0 / 480));
  CHECK(max(abs(w)).item() > 0.99 * std::sqrt(6.0 / 480));
}

TEST_CASE("constant initializers and names") {
  using initializers::Initializer;
  CHECK(Initializer(initializers::Constant{.value = 2.5})({2}).to_vector() == std::vector<double>{2.5, 2.5});
  CHECK(Initializer("zeros").validated("t", "i")({2}).to_vector() == std::vector<double>{0, 0});
  CHECK(Initializer("one").validated("t", "i")({1}).item() == 1.0);
  CHECK(Initializer(initializers::Identity{.gain = 3})({2, 3}).to_vector() == std::vector<double>{3, 0, 0, 0, 3, 0});
  for (const char* name : {"GlorotUniform", "glorot_uniform", "he_normal", "lecun_uniform", "normal", "uniform",
                           "truncated_normal", "variance_scaling", "orthogonal", "identity", "OrthogonalInitializer"})
    CHECK_NOTHROW(Initializer(name).validated("t", "i"));
  CHECK_THROWS_WITH_AS(Initializer("Glorot_Uniform").validated("t", "kernel_initializer"),
                       doctest::Contains("t: invalid argument `kernel_initializer`: expected an initializer name, one of"),
                       InvalidArgument);
  CHECK_THROWS_AS(Initializer(initializers::VarianceScaling{.mode = "fan_sum"}).validated("t", "i"), InvalidArgument);
  CHECK_THROWS_AS(Initializer(initializers::VarianceScaling{.distribution = "cauchy"}).validated("t", "i"), InvalidArgument);
  CHECK_NOTHROW(Initializer(initializers::VarianceScaling{.distribution = "Normal"}).validated("t", "i"));
  CHECK_THROWS_AS(Initializer(initializers::RandomUniform{.minval = 1, .maxval = 0}).validated("t", "i"), InvalidArgument);
}

TEST_CASE("Identity on a Conv1D kernel fails at build, naming the layer and the weight") {
  layers::Conv1D conv({.filters = 2, .kernel_size = 3, .kernel_initializer = "identity", .name = "c"});
  CHECK_THROWS_WITH_AS(conv.build({1, 5, 2}),
                       "Conv1D 'c': cannot initialize `kernel`: Identity: the initializer can only be used for 2D "
                       "matrices, received shape (3, 2, 2) of rank 3",
                       InvalidArgument);
}

TEST_CASE("a callable initializer") {
  layers::Conv1D conv({.filters = 2, .kernel_size = 1,
                       .kernel_initializer = [](const Shape& shape, DType dtype) { return Tensor::full(shape, 0.5, dtype); }});
  conv.build({1, 3, 2});
  CHECK(conv.kernel().to_vector() == std::vector<double>{0.5, 0.5, 0.5, 0.5});
  CHECK(conv.get_config().at("kernel_initializer").at("class_name") == "Custom");
  layers::Conv1D wrong({.filters = 2, .kernel_size = 1,
                        .kernel_initializer = [](const Shape&, DType dtype) { return Tensor::zeros({1}, dtype); }});
  CHECK_THROWS_WITH_AS(wrong.build({1, 3, 2}), doctest::Contains("a custom initializer returned (1,) float32 for shape (1, 2, 2) float32"),
                       InvalidArgument);
}
