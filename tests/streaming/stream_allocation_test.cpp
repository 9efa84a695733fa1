// A warmed-up stream allocates nothing per step: every operator new of this process is counted
// (this test is its own executable, so the counting covers nothing else).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <minidl/minidl.hpp>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::int64_t> allocations{0};
}

void* operator new(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* pointer = std::malloc(size == 0 ? 1 : size)) return pointer;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* pointer) noexcept { std::free(pointer); }
void operator delete[](void* pointer) noexcept { std::free(pointer); }
void operator delete(void* pointer, std::size_t) noexcept { std::free(pointer); }
void operator delete[](void* pointer, std::size_t) noexcept { std::free(pointer); }

using namespace minidl;

namespace {

// The main job's kind of model: a 1×1 lift, residual causal blocks h + relu(Conv1D(h)), a Dense per step.
std::unique_ptr<models::Functional> tcn(const std::string& dtype) {
  layers::SymbolicTensor x = layers::Input({.shape = {64, 1}, .dtype = dtype});
  layers::SymbolicTensor h = layers::make<layers::Conv1D>({.filters = 16, .kernel_size = 1, .dtype = dtype})(x);
  for (const std::int64_t dilation : {1, 2, 4, 8})
    h = layers::make<layers::Add>(layers::AddOptions{.dtype = dtype})(
        {h, layers::make<layers::Conv1D>({.filters = 16, .kernel_size = 3, .padding = "causal", .dilation_rate = dilation,
                                          .activation = "relu", .dtype = dtype})(h)});
  return std::make_unique<models::Functional>(x, layers::make<layers::Dense>({.units = 12, .dtype = dtype})(h));
}

}  // namespace

TEST_CASE("the allocation counter counts") {
  const std::int64_t before = allocations.load();
  const Tensor made = Tensor::zeros({4});
  CHECK(allocations.load() > before);
}

TEST_CASE("after warm-up, stream steps and pushes allocate nothing") {
  for (const char* dtype : {"float32", "float64"}) {
    CAPTURE(dtype);
    const auto model = tcn(dtype);
    const DType type = parse_dtype(dtype, "test");
    streaming::Stream stream(*model, {.batch_size = 2});
    const Tensor x = Tensor::normal({2, 1}, 0.0, 1.0, type), block = Tensor::normal({2, 8, 1}, 0.0, 1.0, type);
    Tensor y = Tensor::empty({2, 12}, type), ys = Tensor::empty({2, 8, 12}, type);
    stream.step(x, y);
    stream.push(block, ys);
    const std::int64_t before = allocations.load();
    for (int i = 0; i < 1000; ++i) stream.step(x, y);  // passes through the history's moves back to the front
    for (int i = 0; i < 100; ++i) stream.push(block, ys);
    CHECK(allocations.load() - before == 0);
    CHECK(stream.steps() == 1 + 8 + 1000 + 800);
  }
}
