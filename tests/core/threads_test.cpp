// minidl's worker threads: they live across calls, so a forked child (which inherits none of
// them) must start its own rather than wait on its parent's forever.
#include <doctest/doctest.h>
#include <minidl/minidl.hpp>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using namespace minidl;

namespace {

// relu over enough elements to split across two threads; true when every value is right.
bool relu_of_a_large_tensor_is_right() {
  const std::int64_t n = std::int64_t{1} << 20;
  const Tensor x = Tensor::uniform({n}, -1.0, 1.0);
  const auto in = x.to_vector<float>(), out = activations::relu(x).to_vector<float>();
  for (std::int64_t i = 0; i < n; ++i)
    if (out[std::size_t(i)] != std::max(in[std::size_t(i)], 0.0f)) return false;
  return true;
}

}  // namespace

TEST_CASE("a forked child runs parallel kernels on threads of its own") {
  const int threads = num_threads();
  set_num_threads(2);
  REQUIRE(relu_of_a_large_tensor_is_right());  // the parent's workers now exist
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    alarm(30);  // a child stuck waiting on its parent's workers dies of SIGALRM
    const bool right = relu_of_a_large_tensor_is_right() && relu_of_a_large_tensor_is_right();
    _exit(right ? 0 : 1);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(relu_of_a_large_tensor_is_right());  // and the parent's own still serve it
  set_num_threads(threads);
}
