#pragma once
// Reads untrusted bytes through a C library in a forked child process. libhdf5 1.10.8 (Debian
// 12's) segfaults or aborts on some crafted or badly damaged .h5 files, as h5py does; read in a
// child, such a file costs that process and the caller gets an InvalidArgument.
#include <minidl/core/tensor.hpp>

#include <functional>
#include <string>
#include <vector>

namespace minidl::io {

// Calls `read` in a child process and returns the tensors it returns. An InvalidArgument
// (ShapeError kept as such) or MemoryError that `read` throws is thrown again here; a child
// killed by a signal becomes an InvalidArgument naming `source` and `library`. Whatever else
// `read` changes stays in the child.
std::vector<Tensor> read_in_child_process(const std::string& source, const std::string& library,
                                          const std::function<std::vector<Tensor>()>& read);

}  // namespace minidl::io
