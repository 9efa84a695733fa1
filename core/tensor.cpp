#include <minidl/core/tensor.hpp>

#include <minidl/core/allocator.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/core/kernels/strided.hpp>

#include <cstring>
#include <fmt/format.h>
#include <new>

namespace minidl {

struct Tensor::Impl {
  std::shared_ptr<void> storage;
  DType dtype = DType::float32;
  Shape shape;
  Shape strides;
  std::int64_t offset = 0;
  std::int64_t storage_elements = 0;  // what views of this storage may reach
  std::shared_ptr<AutogradMeta> autograd;
  std::shared_ptr<Impl> keras_mask;
};

DType parse_dtype(std::string_view name, std::string_view where) {
  if (name == "float32") return DType::float32;
  if (name == "float64") return DType::float64;
  throw_invalid_argument(where, "dtype", "expected one of \"float32\", \"float64\"", fmt::format("dtype=\"{}\"", name));
}

Tensor Tensor::empty(Shape shape, DType dtype) {
  auto impl = std::make_shared<Impl>();
  const std::int64_t count = checked_element_count(shape, "Tensor");
  const auto bytes = std::size_t(count) * dtype_size(dtype);
  try {
    impl->storage = allocate_storage(bytes);
  } catch (const MemoryError& error) {
    throw MemoryError(fmt::format("{} (shape {}, {})", error.what(), shape_to_string(shape), dtype_name(dtype)));
  }
  impl->storage_elements = count;
  impl->dtype = dtype;
  impl->strides = contiguous_strides(shape);
  impl->shape = std::move(shape);
  return Tensor(std::move(impl));
}

Tensor::Tensor(const std::vector<float>& values, Shape shape) {
  const auto count = checked_element_count(shape, "Tensor");
  if (count != static_cast<std::int64_t>(values.size()))
    throw ShapeError(fmt::format("Tensor: {} values do not fill shape {} ({} elements)", values.size(),
                                 shape_to_string(shape), count));
  *this = empty(std::move(shape), DType::float32);
  if (!values.empty()) std::memcpy(data<float>(), values.data(), values.size() * sizeof(float));
}

Tensor::Tensor(const std::vector<double>& values, Shape shape) {
  const auto count = checked_element_count(shape, "Tensor");
  if (count != static_cast<std::int64_t>(values.size()))
    throw ShapeError(fmt::format("Tensor: {} values do not fill shape {} ({} elements)", values.size(),
                                 shape_to_string(shape), count));
  *this = empty(std::move(shape), DType::float64);
  if (!values.empty()) std::memcpy(data<double>(), values.data(), values.size() * sizeof(double));
}

const Tensor::Impl& Tensor::impl() const {
  if (!impl_) throw StateError("Tensor: this tensor is undefined (default-constructed or an absent gradient)");
  return *impl_;
}

const Shape& Tensor::shape() const { return impl().shape; }
const Shape& Tensor::strides() const { return impl().strides; }
std::int64_t Tensor::offset() const { return impl().offset; }
DType Tensor::dtype() const { return impl().dtype; }

std::int64_t Tensor::dim(std::int64_t axis) const { return shape()[normalize_axis(axis, ndim(), "Tensor::dim")]; }

bool Tensor::is_contiguous() const {
  const auto& self = impl();
  std::int64_t expected = 1;
  for (std::size_t i = self.shape.size(); i-- > 0;) {
    if (self.shape[i] != 1 && self.strides[i] != expected) return false;
    expected *= self.shape[i];
  }
  return true;
}

template <class T>
T* Tensor::data() const {
  const auto& self = impl();
  if (self.dtype != dtype_of<T>())
    throw InvalidArgument(fmt::format("Tensor::data: requested {} elements from a {} tensor",
                                      dtype_name(dtype_of<T>()), dtype_name(self.dtype)));
  return static_cast<T*>(self.storage.get()) + self.offset;
}
template float* Tensor::data<float>() const;
template double* Tensor::data<double>() const;

double Tensor::at(const Shape& index) const {
  const auto& self = impl();
  if (index.size() != self.shape.size())
    throw_invalid_argument("Tensor::at", "index", fmt::format("expected {} indices for shape {}", self.shape.size(), shape_to_string(self.shape)),
                           fmt::format("{} indices", index.size()));
  std::int64_t offset = 0;
  for (std::size_t axis = 0; axis < index.size(); ++axis) {
    const auto extent = self.shape[axis];
    const auto position = index[axis] < 0 ? index[axis] + extent : index[axis];
    if (position < 0 || position >= extent)
      throw_invalid_argument("Tensor::at", "index", fmt::format("expected an index in [{}, {}) along axis {}", -extent, extent, axis),
                             fmt::format("{}", index[axis]));
    offset += position * self.strides[axis];
  }
  return dispatch(self.dtype, [&]<class T>() { return static_cast<double>(data<T>()[offset]); });
}

double Tensor::at(std::initializer_list<std::int64_t> index) const { return at(Shape(index)); }

double Tensor::item() const {
  if (size() != 1)
    throw_invalid_argument("Tensor::item", "tensor", "expected a tensor of one element",
                           fmt::format("shape {}", shape_to_string(shape())));
  return at(Shape(ndim(), 0));
}

template <class Out>
std::vector<Out> Tensor::to_vector() const {
  const Tensor packed = contiguous();
  return dispatch(packed.dtype(), [&]<class T>() {
    const T* begin = packed.data<T>();
    return std::vector<Out>(begin, begin + packed.size());
  });
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  Tensor copy = empty(shape(), dtype());
  dispatch(dtype(), [&]<class T>() {
    const T* source = data<T>();
    T* target = copy.data<T>();
    if (is_contiguous()) {
      std::memcpy(target, source, static_cast<std::size_t>(size()) * sizeof(T));
      return;
    }
    std::int64_t next = 0;
    kernels::for_each_offset(shape(), strides(), strides(),
                             [&](std::int64_t from, std::int64_t) { target[next++] = source[from]; });
  });
  return copy;
}

Tensor Tensor::as_strided(Shape shape, Shape strides, std::int64_t offset) const {
  const std::int64_t elements = impl().storage_elements;
  const auto refuse = [&](std::string_view argument, std::string_view expectation) {
    throw_invalid_argument("Tensor::as_strided", argument, expectation,
                           fmt::format("shape {}, strides {}, offset {} on a storage of {} elements", shape_to_string(shape),
                                       shape_to_string(strides), offset, elements));
  };
  if (strides.size() != shape.size()) refuse("strides", "expected one stride per dimension");
  if (offset < 0) refuse("offset", "expected a non-negative offset");
  checked_element_count(shape, "Tensor::as_strided");
  // The lowest and highest elements the view reaches, in 128 bits: extents are below 2^40, strides anything.
  __int128 lowest = offset, highest = offset;
  bool empty = false;
  for (std::size_t axis = 0; axis < shape.size(); ++axis) {
    empty = empty || shape[axis] == 0;
    const __int128 reach = __int128(shape[axis] > 0 ? shape[axis] - 1 : 0) * strides[axis];
    (reach < 0 ? lowest : highest) += reach;
  }
  // An empty view reads nothing: slicing an empty batch gives offsets past its empty storage.
  if (!empty && (lowest < 0 || highest >= elements)) refuse("strides", "expected a view within the storage");
  auto view = std::make_shared<Impl>();
  view->storage = impl().storage;
  view->storage_elements = elements;
  view->dtype = impl().dtype;
  view->shape = std::move(shape);
  view->strides = std::move(strides);
  view->offset = offset;
  return Tensor(std::move(view));
}

bool Tensor::shares_storage(const Tensor& other) const { return impl().storage == other.impl().storage; }

void Tensor::assign(const Tensor& source_in) {
  // A source that overlaps the target (x.assign(transpose(x))) is read from a copy.
  const Tensor source = shares_storage(source_in) ? source_in.clone() : source_in;
  if (source.shape() != shape() || source.dtype() != dtype())
    throw ShapeError(fmt::format("Tensor::assign: source {} {} does not match target {} {}", shape_to_string(source.shape()),
                                 dtype_name(source.dtype()), shape_to_string(shape()), dtype_name(dtype())));
  dispatch(dtype(), [&]<class T>() {
    const T* from = source.data<T>();
    T* to = data<T>();
    kernels::for_each_offset(shape(), strides(), source.strides(),
                             [&](std::int64_t target, std::int64_t origin) { to[target] = from[origin]; });
  });
}

Tensor Tensor::detach() const {
  const auto& self = impl();
  return as_strided(self.shape, self.strides, self.offset);
}

Tensor Tensor::keras_mask() const { return Tensor(impl().keras_mask); }

void Tensor::set_keras_mask(const Tensor& mask) const {
  impl();
  impl_->keras_mask = mask.impl_;
}

const std::shared_ptr<AutogradMeta>& Tensor::autograd_meta() const { return impl().autograd; }
std::shared_ptr<AutogradMeta>& Tensor::mutable_autograd_meta() {
  impl();
  return impl_->autograd;
}

}  // namespace minidl
