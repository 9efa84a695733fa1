#include <minidl/datasets/array.hpp>

#include <minidl/core/errors.hpp>

#include <array>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <regex>
#include <sys/stat.h>
#include <unistd.h>

namespace minidl::datasets {

class Array::Storage {
 public:
  virtual ~Storage() = default;
  Shape shape;
  DType dtype = DType::float32;
  std::string name;
  // Rows first, first + step, … (count of them) of row_bytes each, into `out`.
  virtual void copy_rows(std::int64_t first, std::int64_t count, std::int64_t step, std::size_t row_bytes, std::byte* out) const = 0;
};

namespace {

class InMemory : public Array::Storage {
 public:
  explicit InMemory(const Tensor& tensor) : tensor_(tensor.contiguous()) {
    shape = tensor_.shape();
    dtype = tensor_.dtype();
    name = "the tensor";
  }
  void copy_rows(std::int64_t first, std::int64_t count, std::int64_t step, std::size_t row_bytes, std::byte* out) const override {
    const auto* values = dispatch(dtype, [&]<class T>() { return reinterpret_cast<const std::byte*>(tensor_.data<T>()); });
    if (step == 1) std::memcpy(out, values + std::size_t(first) * row_bytes, std::size_t(count) * row_bytes);
    else
      for (std::int64_t i = 0; i < count; ++i)
        std::memcpy(out + std::size_t(i) * row_bytes, values + std::size_t(first + i * step) * row_bytes, row_bytes);
  }

 private:
  Tensor tensor_;
};

// Reads rows with pread rather than through a memory mapping: on Linux 6.18 a random read of a
// mapped file maps a whole large folio (measured: 10,000 random 560-byte window reads of a 2 GiB
// file took 1.9 GB of resident memory; handing the pages back every 32 reads cost 29 µs a read),
// while pread costs 2.2 µs a read and keeps the pages in the page cache, out of the process.
class NpyFile : public Array::Storage {
 public:
  explicit NpyFile(const std::string& path) {
    name = path;
    descriptor_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (descriptor_ < 0) fail(fmt::format("cannot open it: {}", std::strerror(errno)));
    try {
      struct stat status {};
      if (::fstat(descriptor_, &status) != 0) fail(fmt::format("cannot stat it: {}", std::strerror(errno)));
      length_ = std::size_t(status.st_size);
      parse_header();
    } catch (...) {
      ::close(descriptor_);
      throw;
    }
  }
  ~NpyFile() override { ::close(descriptor_); }

  void copy_rows(std::int64_t first, std::int64_t count, std::int64_t step, std::size_t row_bytes, std::byte* out) const override {
    if (step == 1) read_at(data_offset_ + std::size_t(first) * row_bytes, std::size_t(count) * row_bytes, out);
    else
      for (std::int64_t i = 0; i < count; ++i)
        read_at(data_offset_ + std::size_t(first + i * step) * row_bytes, row_bytes, out + std::size_t(i) * row_bytes);
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw InvalidArgument(fmt::format("Array.open_npy: {} is not a .npy file minidl can read: {}", name, why));
  }

  void read_at(std::size_t offset, std::size_t bytes, std::byte* out) const {
    while (bytes > 0) {
      const ssize_t got = ::pread(descriptor_, out, bytes, off_t(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0)
        throw InvalidArgument(fmt::format("Array: cannot read {} at byte {}: {}", name, offset,
                                          got == 0 ? "the file is shorter than when it was opened" : std::strerror(errno)));
      out += got;
      offset += std::size_t(got);
      bytes -= std::size_t(got);
    }
  }

  // The format (numpy.lib.format): "\x93NUMPY", major and minor version bytes, the header's length
  // (2 bytes in version 1, 4 in 2 and 3, little-endian), then the header: a Python dict literal
  // with 'descr', 'fortran_order' and 'shape'; the data follow.
  void parse_header() {
    static constexpr char magic[] = "\x93NUMPY";
    std::array<std::byte, 12> preamble{};
    if (length_ < 10) fail("it does not start with the .npy magic bytes");
    read_at(0, std::min<std::size_t>(length_, preamble.size()), preamble.data());
    if (std::memcmp(preamble.data(), magic, 6) != 0) fail("it does not start with the .npy magic bytes");
    const auto major = std::uint8_t(preamble[6]);
    if (major < 1 || major > 3) fail(fmt::format("format version {} (minidl reads 1, 2 and 3)", major));
    const std::size_t size_bytes = major == 1 ? 2 : 4;
    if (length_ < 8 + size_bytes) fail("it is truncated in its header");
    std::size_t header_length = 0;
    for (std::size_t i = 0; i < size_bytes; ++i) header_length |= std::size_t(std::uint8_t(preamble[8 + i])) << (8 * i);
    data_offset_ = 8 + size_bytes + header_length;
    if (data_offset_ > length_) fail(fmt::format("it is truncated: its header says {} bytes, the file has {}", header_length, length_));
    std::string header(header_length, ' ');
    read_at(8 + size_bytes, header_length, reinterpret_cast<std::byte*>(header.data()));
    std::smatch match;
    if (!std::regex_search(header, match, std::regex(R"('descr'\s*:\s*'([^']*)')"))) fail("its header has no 'descr'");
    const std::string descr = match[1];
    if (descr == "<f4") dtype = DType::float32;
    else if (descr == "<f8") dtype = DType::float64;
    else fail(fmt::format("dtype '{}' (minidl reads float32 '<f4' and float64 '<f8', little-endian)", descr));
    if (!std::regex_search(header, match, std::regex(R"('fortran_order'\s*:\s*(True|False))"))) fail("its header has no 'fortran_order'");
    if (match[1] == "True") fail("it is in Fortran order (save it with numpy.ascontiguousarray first)");
    if (!std::regex_search(header, match, std::regex(R"('shape'\s*:\s*\(([^)]*)\))"))) fail("its header has no 'shape'");
    const std::string extents = match[1];
    std::size_t values = 1;
    const std::regex extent(R"(\d+)");
    for (std::sregex_iterator it(extents.begin(), extents.end(), extent), end; it != end; ++it) {
      const std::string digits = it->str();
      if (digits.size() > 15) fail(fmt::format("an extent of {} in its shape", digits));
      shape.push_back(std::stoll(digits));
      if (__builtin_mul_overflow(values, std::size_t(shape.back()), &values) || values > length_)
        fail(fmt::format("its shape ({}) needs more values than the file's {} bytes hold", extents, length_));
    }
    if (shape.empty()) fail("it holds a scalar; minidl reads arrays of at least one axis");
    const std::size_t data_bytes = values * dtype_size(dtype);
    if (data_offset_ + data_bytes > length_)
      fail(fmt::format("it is truncated: its shape {} needs {} bytes of data, the file has {}", shape_to_string(shape), data_bytes,
                       length_ - data_offset_));
  }

  int descriptor_ = -1;
  std::size_t length_ = 0;
  std::size_t data_offset_ = 0;
};

}  // namespace

Array::Array(std::shared_ptr<const Storage> storage) : storage_(std::move(storage)), shape_(storage_->shape) {}

Array Array::slice(std::int64_t first, std::int64_t last) const {
  if (first < 0 || last < first || last > rows())
    throw_invalid_argument("Array.slice", "first, last", fmt::format("expected 0 <= first <= last <= {} (the rows of {})", rows(), name()),
                           fmt::format("first={}, last={}", first, last));
  Array part = *this;
  part.first_row_ = first_row_ + first;
  part.shape_[0] = last - first;
  return part;
}

Array Array::from_tensor(const Tensor& tensor) {
  if (!tensor.defined() || tensor.ndim() == 0)
    throw_invalid_argument("Array.from_tensor", "tensor", "expected a tensor of at least one axis",
                           tensor.defined() ? "a scalar" : "an undefined tensor");
  return Array(std::make_shared<InMemory>(tensor));
}

Array Array::open_npy(const std::string& path) { return Array(std::make_shared<NpyFile>(path)); }

const Shape& Array::shape() const { return shape_; }
DType Array::dtype() const { return storage_->dtype; }
const std::string& Array::name() const { return storage_->name; }

std::int64_t Array::row_size() const {
  std::int64_t size = 1;
  for (std::size_t axis = 1; axis < shape().size(); ++axis) size *= shape()[axis];
  return size;
}

void Array::copy_rows(std::int64_t first, std::int64_t count, std::int64_t step, void* out) const {
  storage_->copy_rows(first_row_ + first, count, step, std::size_t(row_size()) * dtype_size(dtype()), static_cast<std::byte*>(out));
}

}  // namespace minidl::datasets
