#pragma once
// The DataParallel over every rank of the test run, made first in main.
#include <minidl/distributed/data_parallel.hpp>

namespace minidl::testing {

distributed::DataParallel& world();

}  // namespace minidl::testing
