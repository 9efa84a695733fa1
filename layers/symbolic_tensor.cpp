#include <minidl/layers/symbolic_tensor.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/core/naming.hpp>

#include <fmt/format.h>

namespace minidl::layers {

namespace {

const auto& checked(const auto& data) {
  if (!data) throw StateError("SymbolicTensor: the tensor is undefined (default-constructed); use Input() or a layer call");
  return *data;
}

}  // namespace

SymbolicTensor SymbolicTensor::make(Shape shape, DType dtype, std::shared_ptr<Node> node, std::size_t index, std::string name) {
  SymbolicTensor tensor;
  tensor.data_ = std::make_shared<const Data>(
      Data{std::move(shape), dtype, name.empty() ? automatic_name("KerasTensor") : std::move(name), std::move(node), index});
  return tensor;
}

const Shape& SymbolicTensor::shape() const { return checked(data_).shape; }
DType SymbolicTensor::dtype() const { return checked(data_).dtype; }
const std::string& SymbolicTensor::name() const { return checked(data_).name; }
const std::shared_ptr<Node>& SymbolicTensor::node() const { return checked(data_).node; }
std::size_t SymbolicTensor::output_index() const { return checked(data_).index; }

Shape SymbolicTensor::concrete_shape() const {
  Shape concrete = shape();
  if (!concrete.empty() && concrete[0] == unknown_batch) concrete[0] = 1;
  return concrete;
}

std::string SymbolicTensor::shape_string() const {
  const Shape& extents = shape();
  std::string text = "(";
  for (std::size_t axis = 0; axis < extents.size(); ++axis) {
    if (axis > 0) text += ", ";
    text += extents[axis] == unknown_batch ? std::string("None") : std::to_string(extents[axis]);
  }
  return text + (extents.size() == 1 ? ",)" : ")");
}

std::string SymbolicTensor::to_string() const {
  return fmt::format("<KerasTensor shape={}, dtype={}, name={}>", shape_string(), dtype_name(dtype()), name());
}

}  // namespace minidl::layers
