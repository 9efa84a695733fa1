#pragma once
// HDF5 files in memory, through libhdf5: the few operations Keras's weights files need — groups
// by path, numeric datasets, a string attribute. Nothing of libhdf5 shows in this header.
// Reading trusts nothing: only hard links are followed, only plain numeric datasets of the
// expected shape are read, and every failure is an InvalidArgument naming the file and the path.
#include <minidl/core/tensor.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace minidl::io {

class Hdf5Reader {
 public:
  // `source` names the file in errors.
  Hdf5Reader(const std::string& bytes, std::string source);
  ~Hdf5Reader();
  Hdf5Reader(const Hdf5Reader&) = delete;
  Hdf5Reader& operator=(const Hdf5Reader&) = delete;

  const std::string& source() const { return source_; }
  // Whether `path` ("/layers/dense/vars") is a group reached through hard links alone.
  bool has_group(const std::string& path) const;
  // The names of a group's members, sorted (HDF5's own order is alphabetical, not numeric).
  std::vector<std::string> members(const std::string& path) const;
  // A dataset's extents (empty for a scalar); throws unless `path` is a plain numeric dataset.
  Shape dataset_shape(const std::string& path) const;
  // The dataset as `dtype`, converted by HDF5 from any float or integer type; throws unless its
  // shape is `expected`.
  Tensor read(const std::string& path, const Shape& expected, DType dtype) const;

 private:
  std::string source_;
  std::int64_t file_;  // libhdf5's hid_t
};

class Hdf5Writer {
 public:
  Hdf5Writer();
  ~Hdf5Writer();
  Hdf5Writer(const Hdf5Writer&) = delete;
  Hdf5Writer& operator=(const Hdf5Writer&) = delete;

  // Creates the group and any missing parents; `name` becomes its scalar UTF-8 string attribute
  // "name" (Keras's metadata on each "vars" group).
  void group(const std::string& path, const std::optional<std::string>& name = std::nullopt);
  // A contiguous dataset of the tensor's dtype and shape (a scalar dataspace for rank 0).
  void write(const std::string& path, const Tensor& value);
  // A scalar int32 dataset (Keras's optimizer iteration).
  void write_int32(const std::string& path, std::int32_t value);
  // The file's bytes, once everything is written.
  std::string bytes();

 private:
  std::int64_t file_;  // libhdf5's hid_t
};

}  // namespace minidl::io
