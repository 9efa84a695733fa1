#pragma once
// The Tensor: a cheap-to-copy handle onto shared storage, with a runtime dtype, a shape and strides.
//
// Copies of a Tensor share storage and identity (like a PyTorch tensor or a Python reference).
// Views — permute/transpose, slice, reshape of contiguous data, squeeze/unsqueeze, broadcast_to —
// share storage with their source; everything else (reshape of strided data, concat, pad, cast,
// clone, contiguous() of a strided tensor, every arithmetic result) allocates new storage.
//
// This header deliberately includes no xtensor: see core/xtensor_bridge.hpp to convert.
#include <minidl/core/dtype.hpp>
#include <minidl/core/shape.hpp>

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <vector>

namespace minidl {

class Generator;
struct AutogradMeta;  // owned by autograd/; core only keeps the slot

class Tensor {
 public:
  // An undefined tensor (defined() is false); what an absent gradient or bias looks like.
  Tensor() = default;
  // Copies `values` into new storage laid out as `shape` (row-major).
  Tensor(const std::vector<float>& values, Shape shape);
  Tensor(const std::vector<double>& values, Shape shape);

  // Uninitialised storage; for kernels that write every element.
  static Tensor empty(Shape shape, DType dtype = DType::float32);
  static Tensor zeros(Shape shape, DType dtype = DType::float32);
  static Tensor ones(Shape shape, DType dtype = DType::float32);
  static Tensor full(Shape shape, double value, DType dtype = DType::float32);
  static Tensor scalar(double value, DType dtype = DType::float32);
  // [start, stop) in steps of `step`, as numpy.arange.
  static Tensor arange(double start, double stop, double step = 1.0, DType dtype = DType::float32);
  // An n×m matrix with ones on the main diagonal (m = n when omitted).
  static Tensor eye(std::int64_t n, std::int64_t m = -1, DType dtype = DType::float32);
  // Uniform on [0, 1): numpy.random.rand. `generator` defaults to the global one (seed_global_generator).
  static Tensor rand(Shape shape, DType dtype = DType::float32, Generator* generator = nullptr);
  static Tensor uniform(Shape shape, double minval, double maxval, DType dtype = DType::float32,
                        Generator* generator = nullptr);
  static Tensor normal(Shape shape, double mean = 0.0, double stddev = 1.0, DType dtype = DType::float32,
                       Generator* generator = nullptr);
  // Normal, redrawn until within two standard deviations of the mean (Keras's truncated_normal).
  static Tensor truncated_normal(Shape shape, double mean = 0.0, double stddev = 1.0,
                                 DType dtype = DType::float32, Generator* generator = nullptr);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  const Shape& strides() const;
  std::int64_t offset() const;
  // The extent of one axis; negative axes count from the end.
  std::int64_t dim(std::int64_t axis) const;
  int ndim() const { return static_cast<int>(shape().size()); }
  std::int64_t size() const { return element_count(shape()); }
  DType dtype() const;
  bool is_contiguous() const;

  // Pointer to the first element (strides() apply); throws on a dtype mismatch.
  template <class T>
  T* data() const;
  // One element as double; the index has one entry per axis, negative entries count from the end.
  double at(std::initializer_list<std::int64_t> index) const;
  double at(const Shape& index) const;
  // The single element of a one-element tensor.
  double item() const;
  // All elements in row-major order.
  template <class T = double>
  std::vector<T> to_vector() const;

  // A row-major copy unless already contiguous (then the same tensor).
  Tensor contiguous() const;
  // A contiguous copy with its own storage, outside any graph.
  Tensor clone() const;
  // Same storage and metadata, different layout: the view constructor kernels use. InvalidArgument
  // when the view would reach outside the storage.
  Tensor as_strided(Shape shape, Shape strides, std::int64_t offset) const;
  // Whether two tensors are the same object (copies of one handle).
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }
  // Whether two tensors read the same storage (a view and its source do).
  bool shares_storage(const Tensor& other) const;

  // Writes `source` (same shape, same dtype) into this tensor's elements, in place; for optimizers.
  void assign(const Tensor& source);

  // Reverse-mode autograd. Declared here so that it reads like PyTorch; the graph and engine live in
  // autograd/ (core only carries the slot).
  Tensor& set_requires_grad(bool requires_grad = true);
  bool requires_grad() const;
  bool is_leaf() const;
  // The accumulated gradient; throws StateError if none was ever computed for this tensor.
  Tensor grad() const;
  bool has_grad() const;
  void zero_grad() const;
  // Backpropagates from this tensor. Without `gradient` the tensor must hold one element.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false) const;
  // Same storage, cut from the graph.
  Tensor detach() const;

  // Keras's mask of a sequence (its _keras_mask): which steps are real, (batch, steps) of 0 and 1 in
  // this tensor's dtype, set by layers::Masking and passed on by the layers that support masks
  // (docs/recurrent.md). Undefined when the tensor carries none; set on the object, so every copy
  // of this handle sees it, as every Python reference sees Keras's.
  Tensor keras_mask() const;
  void set_keras_mask(const Tensor& mask) const;

  // For autograd/: the slot it owns.
  const std::shared_ptr<AutogradMeta>& autograd_meta() const;
  std::shared_ptr<AutogradMeta>& mutable_autograd_meta();

 private:
  struct Impl;
  explicit Tensor(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  const Impl& impl() const;
  std::shared_ptr<Impl> impl_;
};

// Prints "Tensor(shape=(2, 3), dtype=float32, [[...], [...]])", abbreviated when large.
std::ostream& operator<<(std::ostream& stream, const Tensor& tensor);

extern template float* Tensor::data<float>() const;
extern template double* Tensor::data<double>() const;
extern template std::vector<float> Tensor::to_vector<float>() const;
extern template std::vector<double> Tensor::to_vector<double>() const;

}  // namespace minidl
