#pragma once
// An array read a row (a slice of its first axis) at a time, from memory or from a .npy file that
// is never loaded whole, so that a file larger than memory costs only the rows being read: the
// source timeseries_dataset_from_array cuts windows from.
//   datasets::Array series = datasets::Array::open_npy("sensor.npy");   // (steps, features), float32
#include <minidl/core/tensor.hpp>

#include <memory>
#include <string>

namespace minidl::datasets {

class Array {
 public:
  // A tensor in memory (copied to contiguous storage when it is not).
  static Array from_tensor(const Tensor& tensor);
  // A .npy file (format 1.0, 2.0 or 3.0) of little-endian float32 ('<f4') or float64 ('<f8') in C
  // order, read in place: each copy_rows reads just those rows from the file (through the kernel's
  // page cache, which memory pressure can always reclaim), so the process holds none of the file.
  // The header, the dtype and the file's length are checked here; the errors name the file.
  static Array open_npy(const std::string& path);

  // Rows [first, last) as an array of their own, on the same storage (numpy's data[first:last]).
  Array slice(std::int64_t first, std::int64_t last) const;

  const Shape& shape() const;
  DType dtype() const;
  std::int64_t rows() const { return shape()[0]; }
  // Values in one row: the product of the extents after the first.
  std::int64_t row_size() const;
  // "the tensor" or the file's path, for messages.
  const std::string& name() const;
  // Copies rows first, first + step, …, first + (count − 1)·step into `out` (count · row_size
  // values of dtype()). The rows must exist (the caller checks).
  void copy_rows(std::int64_t first, std::int64_t count, std::int64_t step, void* out) const;

  class Storage;

 private:
  explicit Array(std::shared_ptr<const Storage> storage);
  std::shared_ptr<const Storage> storage_;
  // This array's rows within the storage's: [first_row_, first_row_ + shape_[0]).
  std::int64_t first_row_ = 0;
  Shape shape_;
};

}  // namespace minidl::datasets
