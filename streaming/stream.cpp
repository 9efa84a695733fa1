#include <minidl/streaming/stream.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/io/files.hpp>
#include <minidl/models/checksum.hpp>
#include <minidl/models/framed_file.hpp>
#include <minidl/models/model.hpp>
#include <minidl/streaming/plan.hpp>

#include <cstdint>
#include <cstring>
#include <fmt/format.h>
#include <string_view>

namespace minidl::streaming {

struct Stream::Plan {
  Graph graph;
  std::int64_t batch = 1;
  std::int64_t steps = 0;
  // The stages that remember inputs, in running order: what a state holds.
  std::vector<Stage*> remembering;

  Block& input() { return *graph.blocks[0]; }
  Block& output() { return *graph.blocks[graph.output]; }
  // Runs `steps` steps of every stream: inputs (batch, steps, features) in, outputs (batch, steps,
  // units), contiguous, out; both checked by the caller.
  void advance(const Tensor& inputs, std::int64_t steps, const Tensor& outputs);
};

namespace {

constexpr std::string_view state_name = "MDLSTRM";

// Compares extents without building a Shape: a warmed-up push must not allocate.
bool has_shape(const Tensor& tensor, std::initializer_list<std::int64_t> extents) {
  if (!tensor.defined() || tensor.ndim() != int(extents.size())) return false;
  int axis = 0;
  for (const auto extent : extents)
    if (tensor.dim(axis++) != extent) return false;
  return true;
}

std::string describe(const Tensor& tensor) { return tensor.defined() ? shape_to_string(tensor.shape()) : "an undefined tensor"; }

void require_dtype(const Tensor& tensor, DType dtype, const char* where, const char* argument) {
  if (tensor.dtype() != dtype)
    throw InvalidArgument(invalid_argument_message(where, argument, fmt::format("expected dtype {}", dtype_name(dtype)),
                                                   dtype_name(tensor.dtype())));
}

}  // namespace

Stream::Stream(models::Model& model, StreamOptions options) : plan_(std::make_unique<Plan>()) {
  if (options.batch_size < 1)
    throw_invalid_argument("Stream", "batch_size", "expected a positive integer", std::to_string(options.batch_size));
  plan_->batch = options.batch_size;
  plan_->graph = plan_graph(model, options.batch_size);
  for (const auto& stage : plan_->graph.stages)
    if (stage->reach() > 0) plan_->remembering.push_back(stage.get());
  for (const auto& block : plan_->graph.blocks) block->reserve(options.batch_size);
}

Stream::~Stream() = default;
Stream::Stream(Stream&&) noexcept = default;
Stream& Stream::operator=(Stream&&) noexcept = default;

void Stream::Plan::advance(const Tensor& inputs, std::int64_t steps, const Tensor& outputs) {
  if (steps == 0) return;
  for (const auto& each : graph.blocks) each->reserve(batch * steps);
  const Tensor packed = inputs.contiguous();  // the same tensor, no copy, when it already is
  dispatch(input().dtype, [&]<class T>() {
    std::memcpy(input().data<T>(), packed.data<T>(), std::size_t(packed.size()) * sizeof(T));
  });
  try {
    for (const auto& stage : graph.stages) stage->run(batch, steps);
  } catch (...) {
    // Convolutions before the failing stage have taken the steps in, those after have not: a
    // stream half a push ahead would give wrong outputs from now on, so it starts over instead.
    for (const auto& stage : graph.stages) stage->reset();
    this->steps = 0;
    throw;
  }
  dispatch(input().dtype, [&]<class T>() {
    std::memcpy(outputs.data<T>(), output().data<T>(), std::size_t(outputs.size()) * sizeof(T));
  });
  this->steps += steps;
}

void Stream::push(const Tensor& block, Tensor& outputs) {
  Plan& plan = *plan_;
  const std::int64_t features = plan.input().features, units = plan.output().features;
  if (!block.defined() || block.ndim() != 3 || block.dim(0) != plan.batch || block.dim(2) != features)
    throw ShapeError(invalid_argument_message("Stream.push", "block", fmt::format("expected shape ({}, steps, {})", plan.batch, features),
                                              describe(block)));
  require_dtype(block, plan.input().dtype, "Stream.push", "block");
  const std::int64_t steps = block.dim(1);
  if (!has_shape(outputs, {plan.batch, steps, units}) || !outputs.is_contiguous())
    throw ShapeError(invalid_argument_message("Stream.push", "outputs",
                                              fmt::format("expected a contiguous tensor of shape ({}, {}, {})", plan.batch, steps, units),
                                              describe(outputs)));
  require_dtype(outputs, plan.input().dtype, "Stream.push", "outputs");
  plan.advance(block, steps, outputs);
}

Tensor Stream::push(const Tensor& block) {
  Tensor outputs = Tensor::empty({plan_->batch, block.defined() && block.ndim() == 3 ? block.dim(1) : 0, output_features()},
                                 plan_->input().dtype);
  push(block, outputs);
  return outputs;
}

void Stream::step(const Tensor& x, Tensor& outputs) {
  Plan& plan = *plan_;
  const std::int64_t features = plan.input().features, units = plan.output().features;
  if (!has_shape(x, {plan.batch, features}))
    throw ShapeError(invalid_argument_message("Stream.step", "x", fmt::format("expected shape ({}, {})", plan.batch, features), describe(x)));
  require_dtype(x, plan.input().dtype, "Stream.step", "x");
  if (!has_shape(outputs, {plan.batch, units}) || !outputs.is_contiguous())
    throw ShapeError(invalid_argument_message("Stream.step", "outputs",
                                              fmt::format("expected a contiguous tensor of shape ({}, {})", plan.batch, units),
                                              describe(outputs)));
  require_dtype(outputs, plan.input().dtype, "Stream.step", "outputs");
  plan.advance(x, 1, outputs);
}

Tensor Stream::step(const Tensor& x) {
  Tensor outputs = Tensor::empty({plan_->batch, output_features()}, plan_->input().dtype);
  step(x, outputs);
  return outputs;
}

void Stream::reset() {
  for (const auto& stage : plan_->graph.stages) stage->reset();
  plan_->steps = 0;
}

StreamState Stream::state() const {
  StreamState state{.steps = plan_->steps, .histories = {}};
  for (const Stage* stage : plan_->remembering) state.histories.push_back(stage->history());
  return state;
}

void Stream::restore(const StreamState& state) {
  if (state.histories.size() != plan_->remembering.size())
    throw InvalidArgument(invalid_argument_message("Stream.restore", "state",
                                                   fmt::format("expected the histories of {} causal convolutions", plan_->remembering.size()),
                                                   std::to_string(state.histories.size())));
  if (state.steps < 0) throw_invalid_argument("Stream.restore", "state.steps", "expected a count >= 0", std::to_string(state.steps));
  for (std::size_t i = 0; i < state.histories.size(); ++i) {
    const Tensor expected = plan_->remembering[i]->history();
    if (!state.histories[i].defined() || state.histories[i].shape() != expected.shape())
      throw ShapeError(invalid_argument_message("Stream.restore", fmt::format("state.histories[{}]", i),
                                                fmt::format("expected shape {}", shape_to_string(expected.shape())),
                                                describe(state.histories[i])));
    require_dtype(state.histories[i], expected.dtype(), "Stream.restore", "state.histories");
  }
  for (std::size_t i = 0; i < state.histories.size(); ++i) plan_->remembering[i]->restore_history(state.histories[i]);
  plan_->steps = state.steps;
}

void Stream::save_state(const std::string& path) const {
  const StreamState current = state();
  nlohmann::json header = {{"steps", current.steps}, {"dtype", dtype_name(plan_->input().dtype)}, {"histories", nlohmann::json::array()}};
  std::string data;
  for (const Tensor& history : current.histories) {
    header["histories"].push_back(history.shape());
    dispatch(history.dtype(), [&]<class T>() {
      data.append(reinterpret_cast<const char*>(history.data<T>()), std::size_t(history.size()) * sizeof(T));
    });
  }
  // The framing checks the header; the histories' own CRC-32 rides in it.
  header["histories_crc32"] = models::checksum(data);
  io::write_atomically(path, models::frame(state_name, header, data), "Stream.save_state");
}

void Stream::load_state(const std::string& path) {
  const std::string file_bytes = io::read_whole_file(path, "Stream.load_state");
  const auto file = models::unframe(file_bytes, state_name, path, "Stream.load_state", "stream state file");
  const auto fail = [&](const std::string& why) {
    throw InvalidArgument(fmt::format("Stream.load_state: {} does not fit this stream: {}", path, why));
  };
  const auto& header = file.header;
  if (!header.contains("steps") || !header["steps"].is_number_integer() || !header.contains("histories") ||
      !header["histories"].is_array() || header.value("dtype", "") != dtype_name(plan_->input().dtype))
    fail(fmt::format("expected steps, histories and dtype {} in its header", dtype_name(plan_->input().dtype)));
  if (header["histories"].size() != plan_->remembering.size())
    fail(fmt::format("it holds {} histories, this stream has {} causal convolutions", header["histories"].size(), plan_->remembering.size()));
  // Files written before the checksum have none: they load unchecked.
  if (header.contains("histories_crc32")) {
    const auto& stored = header["histories_crc32"];
    if (!stored.is_number_unsigned() || stored.get<std::uint64_t>() > UINT32_MAX)
      throw InvalidArgument(fmt::format("Stream.load_state: {} is not a valid stream state file: histories_crc32 is {}", path, stored.dump()));
    if (const auto mismatch = models::checksum_mismatch(file.weights, std::uint32_t(stored.get<std::uint64_t>())); !mismatch.empty())
      throw InvalidArgument(fmt::format("Stream.load_state: {} is not a valid stream state file: the histories do not match their checksum {}",
                                        path, mismatch));
  }
  StreamState state{.steps = header["steps"].get<std::int64_t>(), .histories = {}};
  std::size_t offset = 0;
  for (std::size_t i = 0; i < plan_->remembering.size(); ++i) {
    Tensor history = plan_->remembering[i]->history();
    if (header["histories"][i] != nlohmann::json(history.shape()))
      fail(fmt::format("history {} has shape {}, expected {}", i, header["histories"][i].dump(), shape_to_string(history.shape())));
    const std::size_t bytes = std::size_t(history.size()) * dtype_size(history.dtype());
    if (file.weights.size() < offset + bytes) fail("it is truncated");
    dispatch(history.dtype(), [&]<class T>() { std::memcpy(history.data<T>(), file.weights.data() + offset, bytes); });
    offset += bytes;
    state.histories.push_back(history);
  }
  if (offset != file.weights.size()) fail("it has bytes beyond its histories");
  restore(state);
}

std::int64_t Stream::steps() const { return plan_->steps; }
std::int64_t Stream::batch_size() const { return plan_->batch; }
std::int64_t Stream::input_features() const { return plan_->input().features; }
std::int64_t Stream::output_features() const { return plan_->output().features; }
std::int64_t Stream::receptive_field() const { return plan_->graph.receptive_field; }

}  // namespace minidl::streaming
