// The data-parallel tests run as one program per MPI rank (mpirun -np 2, and 3): every rank runs
// every case, in the same order, so that their collective steps meet. A failed check on one rank
// fails the run. Cases use CHECK, never REQUIRE: a case that stopped early on one rank would leave
// the others waiting in a reduction.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "world.hpp"

namespace minidl::testing {

distributed::DataParallel* the_world = nullptr;
distributed::DataParallel& world() { return *the_world; }

}  // namespace minidl::testing

int main(int argc, char** argv) {
  minidl::distributed::DataParallel world;
  minidl::testing::the_world = &world;
  doctest::Context context(argc, argv);
  return context.run();
}
