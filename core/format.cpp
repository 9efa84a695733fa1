#include <minidl/core/format.hpp>

#include <ostream>

namespace minidl {

namespace {

constexpr std::int64_t summary_threshold = 1000;
constexpr std::int64_t edge_items = 3;

void append_axis(std::string& out, const Tensor& tensor, Shape& index, std::size_t axis, bool summarize) {
  const auto extent = tensor.shape()[axis];
  out += '[';
  for (std::int64_t i = 0; i < extent; ++i) {
    if (summarize && extent > 2 * edge_items && i == edge_items) {
      out += "..., ";
      i = extent - edge_items;
    }
    index[axis] = i;
    if (axis + 1 == index.size())
      out += fmt::format("{:.6g}", tensor.at(index));
    else
      append_axis(out, tensor, index, axis + 1, summarize);
    if (i + 1 < extent) out += ", ";
  }
  out += ']';
}

}  // namespace

std::string format_tensor(const Tensor& tensor) {
  if (!tensor.defined()) return "Tensor(undefined)";
  std::string out = fmt::format("Tensor(shape={}, dtype={}, ", shape_to_string(tensor.shape()), dtype_name(tensor.dtype()));
  if (tensor.ndim() == 0) {
    out += fmt::format("{:.6g}", tensor.item());
  } else {
    Shape index(tensor.ndim(), 0);
    append_axis(out, tensor, index, 0, tensor.size() > summary_threshold);
  }
  out += ')';
  return out;
}

std::ostream& operator<<(std::ostream& stream, const Tensor& tensor) { return stream << format_tensor(tensor); }

}  // namespace minidl
