#include <minidl/models/distributed_fit.hpp>

#include <minidl/autograd/ops/shape_ops.hpp>
#include <minidl/core/errors.hpp>
#include <minidl/layers/variable.hpp>
#include <minidl/models/model.hpp>

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <string>

namespace minidl::models::distributed_fit {

namespace {

std::span<std::byte> bytes_of(const Tensor& tensor) {
  return dispatch(tensor.dtype(), [&]<class T>() { return std::as_writable_bytes(std::span(tensor.data<T>(), std::size_t(tensor.size()))); });
}

void broadcast_value(Distribution& distribution, auto& value) {
  distribution.broadcast(std::as_writable_bytes(std::span(&value, 1)));
}

void broadcast_string(Distribution& distribution, std::string& text) {
  std::uint64_t length = text.size();
  broadcast_value(distribution, length);
  text.resize(length);
  distribution.broadcast(std::as_writable_bytes(std::span(text.data(), text.size())));
}

void broadcast_tensor(Distribution& distribution, Tensor& tensor) {
  tensor = tensor.contiguous().clone();
  distribution.broadcast(bytes_of(tensor));
}

// Lines read "<what> is <value>": a difference names the what once.
std::string first_difference(const std::vector<std::string>& mine, const std::vector<std::string>& reference) {
  for (std::size_t i = 0; i < std::min(mine.size(), reference.size()); ++i) {
    if (mine[i] == reference[i]) continue;
    const std::size_t is = mine[i].find(" is ");
    if (is != std::string::npos && reference[i].compare(0, is + 4, mine[i], 0, is + 4) == 0)
      return fmt::format("{}{} here, {} on rank 0", mine[i].substr(0, is + 4), mine[i].substr(is + 4), reference[i].substr(is + 4));
    return fmt::format("{} here, {} on rank 0", mine[i], reference[i]);
  }
  if (mine.size() != reference.size()) return fmt::format("{} settings here, {} on rank 0", mine.size(), reference.size());
  return {};
}

}  // namespace

void require_same_fit(Distribution& distribution, const std::string& where, const std::vector<std::string>& signature) {
  std::string reference = fmt::format("{}", fmt::join(signature, "\n"));
  broadcast_string(distribution, reference);
  std::vector<std::string> reference_lines;
  for (std::size_t begin = 0; begin <= reference.size();) {
    const std::size_t end = std::min(reference.find('\n', begin), reference.size());
    reference_lines.push_back(reference.substr(begin, end - begin));
    begin = end + 1;
  }
  const std::string difference = first_difference(signature, reference_lines);
  std::vector<double> differs(std::size_t(distribution.size()), 0.0);
  differs[std::size_t(distribution.rank())] = difference.empty() ? 0.0 : 1.0;
  distribution.sum(differs);
  std::vector<int> ranks;
  for (std::size_t rank = 0; rank < differs.size(); ++rank)
    if (differs[rank] != 0) ranks.push_back(int(rank));
  if (ranks.empty()) return;
  throw InvalidArgument(fmt::format("{}: fit with a distribution: rank{} {} {} not run the same fit as rank 0{}; every process must build "
                                    "and compile the same model and call fit with the same options",
                                    where, ranks.size() > 1 ? "s" : "", fmt::join(ranks, ", "), ranks.size() > 1 ? "do" : "does",
                                    difference.empty() ? "" : fmt::format(" (on this rank, {}: {})", distribution.rank(), difference)));
}

int share_start(Distribution& distribution, Model& model, int first_epoch) {
  for (const auto& weight : model.weights()) {
    Tensor value = weight->value();
    broadcast_tensor(distribution, value);
    weight->assign(value);
  }
  auto& optimizer = model.optimizer();
  if (!optimizer.built()) optimizer.build(model.trainable_weights());
  auto state = optimizer.variables();
  for (auto& entry : state) broadcast_tensor(distribution, entry.second);
  optimizer.load_variables(state);
  if (optimizer.learning_rate_is_constant()) {
    double learning_rate = optimizer.learning_rate();
    broadcast_value(distribution, learning_rate);
    if (learning_rate != optimizer.learning_rate()) optimizer.set_learning_rate(learning_rate);
  }
  std::int64_t epoch = first_epoch;
  broadcast_value(distribution, epoch);
  return int(epoch);
}

void share_statistics(Distribution& distribution, Model& model) {
  for (const auto& weight : model.weights())
    if (!weight->created_trainable()) {
      Tensor value = weight->value();
      broadcast_tensor(distribution, value);
      weight->assign(value);
    }
}

void share_generators(Distribution& distribution, const std::vector<Generator*>& generators) {
  for (auto* generator : generators) {
    std::string state = generator->state();
    broadcast_string(distribution, state);
    generator->set_state(state, "fit with a distribution");
  }
}

void diverge_generators(const Distribution& distribution, const std::vector<Generator*>& generators) {
  if (distribution.rank() == 0) return;
  for (auto* generator : generators) {
    // splitmix64's finalizer spreads the rank over every bit of the new seed.
    std::uint64_t seed = generator->next() + 0x9e3779b97f4a7c15ULL * std::uint64_t(distribution.rank());
    seed = (seed ^ (seed >> 30)) * 0xbf58476d1ce4e5b9ULL;
    seed = (seed ^ (seed >> 27)) * 0x94d049bb133111ebULL;
    *generator = Generator(seed ^ (seed >> 31));
  }
}

std::vector<Tensor> shard(const std::vector<Tensor>& tensors, std::int64_t rows, const Distribution& distribution) {
  const std::int64_t size = distribution.size(), rank = distribution.rank();
  const std::int64_t begin = rows * rank / size, end = rows * (rank + 1) / size;
  std::vector<Tensor> mine;
  for (const auto& tensor : tensors) mine.push_back(tensor.defined() ? slice(tensor, 0, begin, end) : Tensor());
  return mine;
}

bool agree_state_sizes(Distribution& distribution, const std::vector<metrics::Metric*>& metrics) {
  // Per metric: its size here and whether it has one; a sized state has one size everywhere.
  std::vector<double> sizes;
  for (const auto* metric : metrics) {
    sizes.push_back(double(metric->state().size()));
    sizes.push_back(metric->state().empty() ? 0.0 : 1.0);
  }
  distribution.sum(sizes);
  bool all_sized = true;
  for (std::size_t m = 0; m < metrics.size(); ++m) {
    const double sized_on = sizes[2 * m + 1];
    if (sized_on == 0) {
      all_sized = false;
      continue;
    }
    if (metrics[m]->state().empty()) metrics[m]->set_state(metrics::Metric::State(std::size_t(sizes[2 * m] / sized_on), 0.0));
  }
  return all_sized;
}

void sum_step(Distribution& distribution, std::vector<double>& sums, const std::vector<metrics::Metric*>& metrics,
              const std::vector<metrics::Metric::State>& before, std::size_t first_metric) {
  distribution.sum(sums);
  std::size_t at = first_metric;
  for (std::size_t m = 0; m < metrics.size(); ++m) {
    metrics::Metric::State state(metrics[m]->state().size());
    for (std::size_t k = 0; k < state.size(); ++k) state[k] = (k < before[m].size() ? before[m][k] : 0.0) + sums[at++];
    metrics[m]->set_state(std::move(state));
  }
}

bool any(Distribution& distribution, bool flag) {
  double value = flag ? 1.0 : 0.0;
  distribution.sum(std::span(&value, 1));
  return value != 0;
}

}  // namespace minidl::models::distributed_fit
