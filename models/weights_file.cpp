#include <minidl/models/weights_file.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/io/files.hpp>
#include <minidl/models/checksum.hpp>
#include <minidl/models/keras_weights.hpp>

#include <cstring>
#include <fmt/format.h>

namespace minidl::models {

namespace {

constexpr std::string_view weights_name = "MINIDLW";
constexpr char weights_version = '2';
constexpr std::uint32_t largest_name = 4096, largest_rank = 16;

template <class T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

// The CRC-32 of what `out` holds from `start` on.
void put_checksum(std::string& out, std::size_t start) { put(out, checksum(std::string_view(out).substr(start))); }

void put_entry(std::string& out, const std::string& name, const Tensor& value) {
  const std::size_t start = out.size();
  put(out, std::uint32_t(name.size()));
  out += name;
  put(out, std::uint8_t(value.dtype() == DType::float32 ? 0 : 1));
  put(out, std::uint32_t(value.ndim()));
  for (auto extent : value.shape()) put(out, std::int64_t(extent));
  const Tensor packed = value.contiguous();
  dispatch(packed.dtype(), [&]<class T>() {
    out.append(reinterpret_cast<const char*>(packed.data<T>()), std::size_t(packed.size()) * sizeof(T));
  });
  put_checksum(out, start);
}

// A bounds-checked reader over the file's bytes.
class Reader {
 public:
  Reader(std::string_view bytes, const std::string& path) : bytes_(bytes), path_(path) {}
  template <class T>
  T get(std::string_view what) {
    require(sizeof(T), what);
    T value;
    std::memcpy(&value, bytes_.data() + position_, sizeof(T));
    position_ += sizeof(T);
    return value;
  }
  std::string_view raw(std::size_t length, std::string_view what) {
    require(length, what);
    const std::string_view value = bytes_.substr(position_, length);
    position_ += length;
    return value;
  }
  std::size_t position() const { return position_; }
  bool at_end() const { return position_ == bytes_.size(); }
  // Reads the CRC-32 stored after the bytes from `start` on, and fails naming `what` when they do
  // not match it.
  void check(std::size_t start, const std::string& what) {
    const std::string_view covered = bytes_.substr(start, position_ - start);
    const auto stored = get<std::uint32_t>(what + "'s checksum");
    if (const auto mismatch = checksum_mismatch(covered, stored); !mismatch.empty())
      fail(fmt::format("{} does not match its checksum {}", what, mismatch));
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw InvalidArgument(fmt::format("{} is not a valid minidl weights file: {}", path_, why));
  }

 private:
  void require(std::size_t length, std::string_view what) {
    if (length > bytes_.size() - position_) fail(fmt::format("truncated while reading {}", what));
  }
  std::string_view bytes_;
  const std::string& path_;
  std::size_t position_ = 0;
};

// The version digit of the file's magic; any other name, or a version this build does not read, fails.
char read_weights_version(Reader& reader) {
  const std::string_view found = reader.raw(weights_name.size() + 1, "the magic");
  const char version = found.back();
  if (found.substr(0, weights_name.size()) != weights_name || version < '0' || version > '9') reader.fail("wrong magic");
  if (version != '1' && version != weights_version)
    reader.fail(fmt::format("format version {} (this minidl reads versions 1 and {})", version, weights_version));
  return version;
}

// An entry as the file holds it: its data is copied out only once the whole file has checked out.
struct StoredEntry {
  std::string name;
  DType dtype;
  Shape shape;
  std::string_view data;

  bool is_optimizer_state() const { return name.starts_with("optimizer/"); }
  Tensor value() const {
    Tensor value = Tensor::empty(shape, dtype);
    if (!data.empty()) dispatch(dtype, [&]<class T>() { std::memcpy(value.data<T>(), data.data(), data.size()); });
    return value;
  }
};

StoredEntry read_entry(Reader& reader, std::uint32_t index) {
  const auto fail = [&](const std::string& why) { reader.fail(fmt::format("entry {}: {}", index, why)); };
  const auto name_length = reader.get<std::uint32_t>("a name length");
  if (name_length > largest_name) fail(fmt::format("a name of {} bytes", name_length));
  std::string name(reader.raw(name_length, "a name"));
  const auto dtype_code = reader.get<std::uint8_t>("a dtype");
  if (dtype_code > 1) fail(fmt::format("unknown dtype code {} for '{}'", dtype_code, name));
  const DType dtype = dtype_code == 0 ? DType::float32 : DType::float64;
  const auto rank = reader.get<std::uint32_t>("a rank");
  if (rank > largest_rank) fail(fmt::format("rank {} for '{}'", rank, name));
  Shape shape;
  for (std::uint32_t axis = 0; axis < rank; ++axis) {
    const auto extent = reader.get<std::int64_t>("an extent");
    if (extent < 0) fail(fmt::format("negative extent {} for '{}'", extent, name));
    shape.push_back(extent);
  }
  std::int64_t count = 1;
  for (auto extent : shape) {
    if (extent != 0 && count > largest_element_count / extent) fail(fmt::format("absurd shape for '{}'", name));
    count *= extent;
  }
  // The data must be in the file before anything of its size is allocated.
  const std::string_view data = reader.raw(std::size_t(count) * dtype_size(dtype), "tensor data");
  return {std::move(name), dtype, std::move(shape), data};
}

// Every entry, checked against its checksum (version 2) before the next is read.
std::vector<StoredEntry> read_entries(Reader& reader) {
  const bool checked = read_weights_version(reader) == weights_version;
  const auto count = reader.get<std::uint32_t>("the entry count");
  if (checked) reader.check(0, "the header");
  std::vector<StoredEntry> entries;
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::size_t start = reader.position();
    entries.push_back(read_entry(reader, i));
    if (checked) reader.check(start, fmt::format("entry {} '{}'", i, entries.back().name));
  }
  if (!reader.at_end()) reader.fail("trailing bytes after the last entry");
  return entries;
}

}  // namespace

std::string encode_weights(const layers::Layer& model, const optim::Optimizer* optimizer) {
  const auto weights = model.weights();
  std::vector<std::pair<std::string, Tensor>> state;
  if (optimizer) state = optimizer->variables();
  std::string bytes(weights_name);
  bytes += weights_version;
  put(bytes, std::uint32_t(weights.size() + state.size()));
  put_checksum(bytes, 0);
  for (const auto& weight : weights) put_entry(bytes, weight->path(), weight->value());
  for (const auto& [name, value] : state) put_entry(bytes, "optimizer/" + name, value);
  return bytes;
}

void decode_weights(layers::Layer& model, std::string_view bytes, const std::string& source, optim::Optimizer* optimizer) {
  Reader reader(bytes, source);
  const auto entries = read_entries(reader);
  const auto weights = model.weights();
  std::vector<const StoredEntry*> saved;
  for (const auto& entry : entries)
    if (!entry.is_optimizer_state()) saved.push_back(&entry);
  if (saved.size() != weights.size())
    reader.fail(fmt::format("it holds {} weights, the model has {}", saved.size(), weights.size()));
  // Layer names are not compared: a model class rebuilt in another process numbers its layers anew.
  for (std::size_t i = 0; i < weights.size(); ++i)
    if (saved[i]->name.substr(saved[i]->name.rfind('/') + 1) != weights[i]->name())
      reader.fail(fmt::format("weight {} is '{}', the model's is '{}'", i, saved[i]->name, weights[i]->path()));

  std::vector<Tensor> values;
  std::vector<std::pair<std::string, Tensor>> state;
  for (const auto& entry : entries) {
    if (entry.is_optimizer_state()) state.emplace_back(entry.name.substr(10), entry.value());
    else values.push_back(entry.value());
  }
  // Both halves are checked before either is written, so a bad file changes nothing. The model's
  // and the optimizer's errors do not know the file: they are given its name here.
  const bool loads_state = optimizer && !state.empty();
  try {
    if (loads_state) optimizer->check_variables(state);
    model.set_weights(values);
    if (loads_state) optimizer->load_variables(state);
  } catch (const ShapeError& error) {
    throw ShapeError(fmt::format("{} does not fit the model: {}", source, error.what()));
  } catch (const InvalidArgument& error) {
    reader.fail(error.what());
  }
}

namespace {

bool is_keras_weights_path(const std::string& path) { return path.ends_with(".weights.h5"); }

template <class SomeModel, class SomeLayer>
SomeModel& keras_model(SomeLayer& layer, const char* caller) {
  auto* model = dynamic_cast<SomeModel*>(&layer);
  if (!model)
    throw InvalidArgument(fmt::format("{}: a .weights.h5 file holds a model's weights; {} '{}' is a layer (use another "
                                      "suffix for minidl's own weights file)",
                                      caller, layer.class_name(), layer.name()));
  return *model;
}

}  // namespace

void save_weights(const layers::Layer& model, const std::string& path, const optim::Optimizer* optimizer) {
  if (is_keras_weights_path(path)) {
    const auto& keras = keras_model<const Model>(model, "save_weights");
    io::write_atomically(path, encode_keras_weights(keras, optimizer), "save_weights");
    return;
  }
  io::write_atomically(path, encode_weights(model, optimizer), "save_weights");
}

void load_weights(layers::Layer& model, const std::string& path, optim::Optimizer* optimizer) {
  const std::string bytes = io::read_whole_file(path, "load_weights");
  if (is_keras_weights_path(path)) {
    auto& keras = keras_model<Model>(model, "load_weights");
    try {
      decode_keras_weights(keras, bytes, path, optimizer);
    } catch (const InvalidArgument& error) {
      throw InvalidArgument(fmt::format("load_weights: {}", error.what()));
    }
    return;
  }
  try {
    decode_weights(model, bytes, path, optimizer);
  } catch (const ShapeError& error) {
    throw ShapeError(fmt::format("load_weights: {}", error.what()));
  } catch (const InvalidArgument& error) {
    throw InvalidArgument(fmt::format("load_weights: {}", error.what()));
  }
}

}  // namespace minidl::models
