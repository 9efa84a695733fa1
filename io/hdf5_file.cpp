#include <minidl/io/hdf5_file.hpp>

#include <minidl/core/errors.hpp>

#include <algorithm>
#include <atomic>
#include <fmt/format.h>
#include <hdf5.h>
#include <mutex>
#include <pthread.h>
#include <sstream>

namespace minidl::io {

static_assert(sizeof(hid_t) == sizeof(std::int64_t));

namespace {

// Debian's libhdf5 is built without thread safety: one call at a time, process-wide. A fork
// waits for the call in progress, so that a child (io/child_process) finds the library idle.
std::mutex& library() {
  static std::mutex mutex;
  static const bool fork_handlers = [] {
    const auto unlock = [] { mutex.unlock(); };
    return pthread_atfork([] { mutex.lock(); }, unlock, unlock) == 0;
  }();
  (void)fork_handlers;
  return mutex;
}

// Errors are reported by exceptions; libhdf5's own printing to stderr is switched off.
std::unique_lock<std::mutex> locked() {
  std::unique_lock lock(library());
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  return lock;
}

// Closes an HDF5 handle of any kind on scope exit.
class Handle {
 public:
  explicit Handle(hid_t id = H5I_INVALID_HID) : id_(id) {}
  ~Handle() {
    if (id_ >= 0) H5Idec_ref(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
};

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream stream(path);
  for (std::string part; std::getline(stream, part, '/');)
    if (!part.empty()) parts.push_back(part);
  return parts;
}

// Whether every link on `path` from the root is a hard link to an existing object of `type`.
bool reachable(hid_t file, const std::string& path, H5O_type_t type) {
  std::string prefix;
  const auto parts = split(path);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    prefix += "/" + parts[i];
    H5L_info_t link;
    if (H5Lexists(file, prefix.c_str(), H5P_DEFAULT) <= 0 || H5Lget_info(file, prefix.c_str(), &link, H5P_DEFAULT) < 0 ||
        link.type != H5L_TYPE_HARD)
      return false;
    H5O_info_t object;
    if (H5Oget_info_by_name2(file, prefix.c_str(), &object, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return false;
    if (object.type != (i + 1 == parts.size() ? type : H5O_TYPE_GROUP)) return false;
  }
  return !parts.empty() || type == H5O_TYPE_GROUP;
}

hid_t native_type(DType dtype) { return dtype == DType::float64 ? H5T_NATIVE_DOUBLE : H5T_NATIVE_FLOAT; }

std::atomic<std::uint64_t> images{0};

}  // namespace

Hdf5Reader::Hdf5Reader(const std::string& bytes, std::string source) : source_(std::move(source)) {
  const auto lock = locked();
  if (bytes.size() < 8 || bytes.compare(0, 8, "\x89HDF\r\n\x1a\n") != 0)
    throw InvalidArgument(fmt::format("{} is not an HDF5 file (no HDF5 signature at its start)", source_));
  Handle access(H5Pcreate(H5P_FILE_ACCESS));
  if (!access.valid() || H5Pset_fapl_core(access.get(), 1 << 16, 0) < 0 ||
      H5Pset_file_image(access.get(), const_cast<char*>(bytes.data()), bytes.size()) < 0)
    throw InvalidArgument(fmt::format("{}: libhdf5 cannot take the file into memory", source_));
  const std::string name = fmt::format("minidl-read-{}", images++);
  file_ = H5Fopen(name.c_str(), H5F_ACC_RDONLY, access.get());
  if (file_ < 0) throw InvalidArgument(fmt::format("{} is not a valid HDF5 file: libhdf5 cannot open it", source_));
}

Hdf5Reader::~Hdf5Reader() {
  const auto lock = locked();
  H5Fclose(file_);
}

bool Hdf5Reader::has_group(const std::string& path) const {
  const auto lock = locked();
  return reachable(file_, path, H5O_TYPE_GROUP);
}

std::vector<std::string> Hdf5Reader::members(const std::string& path) const {
  const auto lock = locked();
  if (!reachable(file_, path, H5O_TYPE_GROUP)) throw InvalidArgument(fmt::format("{}: no group {}", source_, path));
  Handle group(H5Gopen2(file_, path.c_str(), H5P_DEFAULT));
  H5G_info_t info;
  if (!group.valid() || H5Gget_info(group.get(), &info) < 0)
    throw InvalidArgument(fmt::format("{}: the group {} cannot be read", source_, path));
  std::vector<std::string> names;
  for (hsize_t index = 0; index < info.nlinks; ++index) {
    const ssize_t length = H5Lget_name_by_idx(group.get(), ".", H5_INDEX_NAME, H5_ITER_INC, index, nullptr, 0, H5P_DEFAULT);
    if (length < 0 || length > 4096) throw InvalidArgument(fmt::format("{}: a member of {} cannot be read", source_, path));
    std::string name(std::size_t(length) + 1, '\0');
    H5Lget_name_by_idx(group.get(), ".", H5_INDEX_NAME, H5_ITER_INC, index, name.data(), name.size(), H5P_DEFAULT);
    name.resize(std::size_t(length));
    names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

namespace {

// The dataset at `path`, checked to be a plain numeric one stored in the file itself.
hid_t open_numeric(hid_t file, const std::string& path, const std::string& source, Shape& shape) {
  if (!reachable(file, path, H5O_TYPE_DATASET)) throw InvalidArgument(fmt::format("{}: no dataset {}", source, path));
  const hid_t dataset = H5Dopen2(file, path.c_str(), H5P_DEFAULT);
  Handle owned(dataset);
  Handle type(H5Dget_type(dataset)), space(H5Dget_space(dataset)), creation(H5Dget_create_plist(dataset));
  if (!owned.valid() || !type.valid() || !space.valid() || !creation.valid())
    throw InvalidArgument(fmt::format("{}: the dataset {} cannot be read", source, path));
  const H5T_class_t kind = H5Tget_class(type.get());
  if ((kind != H5T_FLOAT && kind != H5T_INTEGER) || H5Tget_size(type.get()) > 8)
    throw InvalidArgument(fmt::format("{}: the dataset {} is not of a number type minidl reads (a float or an integer)", source, path));
  if (H5Pget_layout(creation.get()) == H5D_VIRTUAL || H5Pget_external_count(creation.get()) != 0)
    throw InvalidArgument(fmt::format("{}: the dataset {} is stored outside the file", source, path));
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0 || rank > 8) throw InvalidArgument(fmt::format("{}: the dataset {} has an unreadable shape", source, path));
  std::vector<hsize_t> extents(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), extents.data(), nullptr);
  shape.assign(extents.begin(), extents.end());
  H5Iinc_ref(dataset);
  return dataset;
}

}  // namespace

Shape Hdf5Reader::dataset_shape(const std::string& path) const {
  const auto lock = locked();
  Shape shape;
  Handle dataset(open_numeric(file_, path, source_, shape));
  return shape;
}

Tensor Hdf5Reader::read(const std::string& path, const Shape& expected, DType dtype) const {
  const auto lock = locked();
  Shape shape;
  Handle dataset(open_numeric(file_, path, source_, shape));
  if (shape != expected)
    throw ShapeError(fmt::format("{}: the dataset {} has shape {}, expected {}", source_, path, shape_to_string(shape),
                                 shape_to_string(expected)));
  Tensor value = Tensor::zeros(shape, dtype);
  const herr_t status = dtype == DType::float64
                            ? H5Dread(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, value.data<double>())
                            : H5Dread(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, value.data<float>());
  if (status < 0) throw InvalidArgument(fmt::format("{}: the dataset {} cannot be read (damaged data)", source_, path));
  return value;
}

Hdf5Writer::Hdf5Writer() {
  const auto lock = locked();
  Handle access(H5Pcreate(H5P_FILE_ACCESS));
  if (!access.valid() || H5Pset_fapl_core(access.get(), 1 << 16, 0) < 0)
    throw InvalidArgument("Hdf5Writer: libhdf5 cannot make a file in memory");
  const std::string name = fmt::format("minidl-write-{}", images++);
  file_ = H5Fcreate(name.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, access.get());
  if (file_ < 0) throw InvalidArgument("Hdf5Writer: libhdf5 cannot make a file in memory");
}

Hdf5Writer::~Hdf5Writer() {
  const auto lock = locked();
  H5Fclose(file_);
}

void Hdf5Writer::group(const std::string& path, const std::optional<std::string>& name) {
  const auto lock = locked();
  Handle links(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(links.get(), 1);
  Handle group(H5Lexists(file_, path.c_str(), H5P_DEFAULT) > 0 ? H5Gopen2(file_, path.c_str(), H5P_DEFAULT)
                                                               : H5Gcreate2(file_, path.c_str(), links.get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!group.valid()) throw InvalidArgument(fmt::format("Hdf5Writer: cannot create the group {}", path));
  if (!name) return;
  Handle type(H5Tcopy(H5T_C_S1)), space(H5Screate(H5S_SCALAR));
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  Handle attribute(H5Acreate2(group.get(), "name", type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
  const char* text = name->c_str();
  if (!attribute.valid() || H5Awrite(attribute.get(), type.get(), &text) < 0)
    throw InvalidArgument(fmt::format("Hdf5Writer: cannot write the name of {}", path));
}

void Hdf5Writer::write(const std::string& path, const Tensor& value) {
  const auto lock = locked();
  const std::vector<hsize_t> extents(value.shape().begin(), value.shape().end());
  Handle space(extents.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(int(extents.size()), extents.data(), nullptr));
  Handle links(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(links.get(), 1);
  const bool wide = value.dtype() == DType::float64;
  Handle dataset(H5Dcreate2(file_, path.c_str(), wide ? H5T_IEEE_F64LE : H5T_IEEE_F32LE, space.get(), links.get(), H5P_DEFAULT,
                            H5P_DEFAULT));
  const Tensor packed = value.contiguous();
  const void* data = wide ? static_cast<const void*>(packed.data<double>()) : static_cast<const void*>(packed.data<float>());
  if (!dataset.valid() || H5Dwrite(dataset.get(), native_type(value.dtype()), H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    throw InvalidArgument(fmt::format("Hdf5Writer: cannot write the dataset {}", path));
}

void Hdf5Writer::write_int32(const std::string& path, std::int32_t value) {
  const auto lock = locked();
  Handle space(H5Screate(H5S_SCALAR));
  Handle links(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(links.get(), 1);
  Handle dataset(H5Dcreate2(file_, path.c_str(), H5T_STD_I32LE, space.get(), links.get(), H5P_DEFAULT, H5P_DEFAULT));
  if (!dataset.valid() || H5Dwrite(dataset.get(), H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value) < 0)
    throw InvalidArgument(fmt::format("Hdf5Writer: cannot write the dataset {}", path));
}

std::string Hdf5Writer::bytes() {
  const auto lock = locked();
  if (H5Fflush(file_, H5F_SCOPE_GLOBAL) < 0) throw InvalidArgument("Hdf5Writer: cannot flush the file");
  const ssize_t size = H5Fget_file_image(file_, nullptr, 0);
  if (size <= 0) throw InvalidArgument("Hdf5Writer: cannot read the file's image");
  std::string image(std::size_t(size), '\0');
  if (H5Fget_file_image(file_, image.data(), image.size()) != size) throw InvalidArgument("Hdf5Writer: cannot read the file's image");
  return image;
}

}  // namespace minidl::io
