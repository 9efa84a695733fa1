#include <minidl/models/weights_file.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/io/files.hpp>
#include <minidl/models/keras_weights.hpp>

#include <cstring>
#include <fmt/format.h>

namespace minidl::models {

namespace {

constexpr std::string_view weights_magic = "MINIDLW1";
constexpr std::uint32_t largest_name = 4096, largest_rank = 16;

template <class T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

void put_entry(std::string& out, const std::string& name, const Tensor& value) {
  put(out, std::uint32_t(name.size()));
  out += name;
  put(out, std::uint8_t(value.dtype() == DType::float32 ? 0 : 1));
  put(out, std::uint32_t(value.ndim()));
  for (auto extent : value.shape()) put(out, std::int64_t(extent));
  const Tensor packed = value.contiguous();
  dispatch(packed.dtype(), [&]<class T>() {
    out.append(reinterpret_cast<const char*>(packed.data<T>()), std::size_t(packed.size()) * sizeof(T));
  });
}

// A bounds-checked reader over the file's bytes.
class Reader {
 public:
  Reader(std::string bytes, std::string path) : bytes_(std::move(bytes)), path_(std::move(path)) {}
  template <class T>
  T get(const char* what) {
    require(sizeof(T), what);
    T value;
    std::memcpy(&value, bytes_.data() + position_, sizeof(T));
    position_ += sizeof(T);
    return value;
  }
  std::string text(std::size_t length, const char* what) {
    require(length, what);
    std::string value = bytes_.substr(position_, length);
    position_ += length;
    return value;
  }
  const char* raw(std::size_t length, const char* what) {
    require(length, what);
    const char* start = bytes_.data() + position_;
    position_ += length;
    return start;
  }
  bool at_end() const { return position_ == bytes_.size(); }
  [[noreturn]] void fail(const std::string& why) const {
    throw InvalidArgument(fmt::format("{} is not a valid minidl weights file: {}", path_, why));
  }

 private:
  void require(std::size_t length, const char* what) {
    if (length > bytes_.size() - position_) fail(fmt::format("truncated while reading {}", what));
  }
  std::string bytes_;
  std::string path_;
  std::size_t position_ = 0;
};

struct Entry {
  std::string name;
  Tensor value;
};

Entry read_entry(Reader& reader) {
  const auto name_length = reader.get<std::uint32_t>("a name length");
  if (name_length > largest_name) reader.fail(fmt::format("a name of {} bytes", name_length));
  std::string name = reader.text(name_length, "a name");
  const auto dtype_code = reader.get<std::uint8_t>("a dtype");
  if (dtype_code > 1) reader.fail(fmt::format("unknown dtype code {} for '{}'", dtype_code, name));
  const DType dtype = dtype_code == 0 ? DType::float32 : DType::float64;
  const auto rank = reader.get<std::uint32_t>("a rank");
  if (rank > largest_rank) reader.fail(fmt::format("rank {} for '{}'", rank, name));
  Shape shape;
  for (std::uint32_t axis = 0; axis < rank; ++axis) {
    const auto extent = reader.get<std::int64_t>("an extent");
    if (extent < 0) reader.fail(fmt::format("negative extent {} for '{}'", extent, name));
    shape.push_back(extent);
  }
  std::int64_t count = 1;
  for (auto extent : shape) {
    if (extent != 0 && count > largest_element_count / extent) reader.fail(fmt::format("absurd shape for '{}'", name));
    count *= extent;
  }
  // The data must be in the file before anything of its size is allocated.
  const char* data = reader.raw(std::size_t(count) * dtype_size(dtype), "tensor data");
  Tensor value = Tensor::empty(shape, dtype);
  dispatch(dtype, [&]<class T>() { std::memcpy(value.data<T>(), data, std::size_t(count) * sizeof(T)); });
  return {std::move(name), std::move(value)};
}

}  // namespace

std::string encode_weights(const layers::Layer& model, const optim::Optimizer* optimizer) {
  const auto weights = model.weights();
  std::vector<std::pair<std::string, Tensor>> state;
  if (optimizer) state = optimizer->variables();
  std::string bytes(weights_magic);
  put(bytes, std::uint32_t(weights.size() + state.size()));
  for (const auto& weight : weights) put_entry(bytes, weight->path(), weight->value());
  for (const auto& [name, value] : state) put_entry(bytes, "optimizer/" + name, value);
  return bytes;
}

void decode_weights(layers::Layer& model, std::string bytes, const std::string& source, optim::Optimizer* optimizer) {
  Reader reader(std::move(bytes), source);
  const std::string found = reader.text(weights_magic.size(), "the magic");
  if (found != weights_magic && found.substr(0, 7) == weights_magic.substr(0, 7))
    reader.fail(fmt::format("format version {} (this minidl reads version {})", found.back(), weights_magic.back()));
  if (found != weights_magic) reader.fail("wrong magic");
  const auto count = reader.get<std::uint32_t>("the entry count");
  std::vector<Entry> entries;
  for (std::uint32_t i = 0; i < count; ++i) entries.push_back(read_entry(reader));
  if (!reader.at_end()) reader.fail("trailing bytes after the last entry");

  const auto weights = model.weights();
  std::vector<Tensor> values;
  std::vector<std::pair<std::string, Tensor>> state;
  for (auto& entry : entries) {
    if (entry.name.rfind("optimizer/", 0) == 0) state.emplace_back(entry.name.substr(10), std::move(entry.value));
    else values.push_back(std::move(entry.value));
  }
  if (values.size() != weights.size())
    reader.fail(fmt::format("it holds {} weights, the model has {}", values.size(), weights.size()));
  // Layer names are not compared: a model class rebuilt in another process numbers its layers anew.
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const std::string& saved = entries[i].name;
    const std::string saved_name = saved.substr(saved.rfind('/') + 1);
    if (saved_name != weights[i]->name())
      reader.fail(fmt::format("weight {} is '{}', the model's is '{}'", i, saved, weights[i]->path()));
  }
  // Both halves are checked before either is written, so a bad file changes nothing.
  if (optimizer && !state.empty()) optimizer->check_variables(state);
  model.set_weights(values);
  if (optimizer && !state.empty()) optimizer->load_variables(state);
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
  std::string bytes = io::read_whole_file(path, "load_weights");
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
    decode_weights(model, std::move(bytes), path, optimizer);
  } catch (const ShapeError&) {
    throw;
  } catch (const InvalidArgument& error) {
    throw InvalidArgument(fmt::format("load_weights: {}", error.what()));
  }
}

}  // namespace minidl::models
