// Data-parallel training of the main job's TCN (examples/common/temporal_conv_net.hpp: windows of
// 128 steps, 24 filters, dilations 1…32, Adam, global batches of 32), timed per step.
//   distributed_bench [--steps N] [--one-process] [--bucket-bytes B]   one JSON line per run (rank 0's)
//   distributed_bench --cost-model                     backward time per local batch, gradient bytes
//   distributed_bench --report results.jsonl           the tables, from the lines of both
// Under mpirun each rank takes its share of every batch (distributed::DataParallel); with
// --one-process, plain fit. bench/run-distributed.sh runs the cases side by side.
#include "../examples/common/temporal_conv_net.hpp"

#include <minidl/distributed/data_parallel.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fmt/core.h>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

using namespace minidl;

namespace {

constexpr std::int64_t window = 128, horizon = 12, batch_size = 32;
using Clock = std::chrono::steady_clock;

std::pair<Tensor, Tensor> windows(std::int64_t count) {
  Generator noise(5);
  std::vector<float> x, y;
  for (std::int64_t s = 0; s < count; ++s) {
    for (std::int64_t t = 0; t < window; ++t) x.push_back(float(std::sin(0.05 * double(s + t)) + 0.1 * noise.normal()));
    for (std::int64_t h = 0; h < horizon; ++h) y.push_back(float(std::sin(0.05 * double(s + window + h))));
  }
  return {Tensor(x, {count, window, 1}), Tensor(y, {count, horizon})};
}

std::unique_ptr<examples::TemporalConvNet> make_model() {
  seed_global_generator(1);
  auto model = std::make_unique<examples::TemporalConvNet>(examples::TemporalConvNetOptions{.window = window, .horizon = horizon});
  model->compile(std::make_unique<optim::Adam>(optim::AdamOptions{.learning_rate = 2e-3}), "mse");
  (*model)(slice(windows(1).first, 0, 0, 1));
  return model;
}

// Seconds from each batch's first callback to its last: forward, backward, the gradient sums and
// the optimizer step.
class StepTimer : public models::Callback {
 public:
  void on_train_batch_begin(models::Model&, int) override { start_ = Clock::now(); }
  void on_train_batch_end(models::Model&, int, const models::Logs&) override {
    seconds.push_back(std::chrono::duration<double>(Clock::now() - start_).count());
  }
  std::vector<double> seconds;

 private:
  Clock::time_point start_;
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

void train(std::int64_t steps, bool one_process, std::int64_t bucket_bytes) {
  std::optional<distributed::DataParallel> data_parallel;
  if (!one_process) data_parallel.emplace(distributed::DataParallelOptions{.bucket_bytes = bucket_bytes});
  const auto [x, y] = windows(batch_size * steps);
  auto model = make_model();
  StepTimer timer;
  // The first epoch warms up (allocations, OpenBLAS's buffers, MPI's connections).
  model->fit(x, y, {.batch_size = batch_size, .epochs = 1, .verbose = 0, .distribution = data_parallel ? &*data_parallel : nullptr});
  model->fit(x, y, {.batch_size = batch_size, .epochs = 2, .verbose = 0, .callbacks = {&timer},
                    .distribution = data_parallel ? &*data_parallel : nullptr});
  const int ranks = data_parallel ? data_parallel->size() : 1;
  if (!data_parallel || data_parallel->rank() == 0)
    fmt::print("{{\"mode\":\"{}\",\"ranks\":{},\"threads\":{},\"step_ms\":{:.3f},\"gradient_bytes\":{},\"buckets\":{}}}\n",
               one_process ? "one-process" : "data-parallel", ranks, num_threads(), 1e3 * median(timer.seconds),
               data_parallel ? data_parallel->last_step().bytes : 0, data_parallel ? data_parallel->last_step().buckets : 0);
}

// What the written cost model needs: the bytes a rank sends per step, and backward's time at each
// local batch, the window in which those bytes can travel while backward runs.
void cost_model() {
  auto model = make_model();
  std::int64_t parameters = 0;
  for (const auto& weight : model->trainable_weights()) parameters += weight->value().size();
  fmt::print("{{\"parameters\":{},\"gradient_bytes\":{}}}\n", parameters, 4 * parameters);
  for (const std::int64_t local : {32, 16, 8, 4, 2, 1}) {
    const auto [x, y] = windows(local);
    std::vector<double> seconds;
    for (int repeat = 0; repeat < 40; ++repeat) {
      const Tensor loss = mean(square(model->forward({x}, true)[0] - y));
      const auto start = Clock::now();
      loss.backward();
      seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
      for (const auto& weight : model->trainable_weights()) weight->value().zero_grad();
    }
    fmt::print("{{\"local_batch\":{},\"backward_ms\":{:.3f}}}\n", local, 1e3 * median(seconds));
  }
}

// Medians over the repeated runs of each case, as ratios to one process on one thread; then what
// N ranks need: a ring all-reduce sends and receives 2(N − 1)/N of the gradient bytes per rank and
// step, which stay hidden while they take no longer than backward on the rank's 32/N windows.
void report(const std::string& path) {
  std::ifstream file(path);
  // Cases in the order of their first run.
  std::vector<std::pair<std::string, std::vector<double>>> step_ms;
  std::map<std::int64_t, double> backward_ms;
  double gradient_bytes = 0;
  for (std::string line; std::getline(file, line);) {
    if (line.empty() || line[0] != '{') continue;
    const auto row = nlohmann::json::parse(line);
    if (row.contains("step_ms")) {
      const int ranks = row["ranks"].get<int>(), threads = row["threads"].get<int>(), buckets = row["buckets"].get<int>();
      const std::string name =
          row["mode"] == "one-process"
              ? fmt::format("one process (fit), {} thread{}", threads, threads > 1 ? "s" : "")
              : fmt::format("DataParallel, {} rank{} × {} thread, {} bucket{}", ranks, ranks > 1 ? "s" : "", threads, buckets, buckets > 1 ? "s" : "");
      auto found = std::find_if(step_ms.begin(), step_ms.end(), [&](const auto& entry) { return entry.first == name; });
      if (found == step_ms.end()) found = step_ms.insert(step_ms.end(), {name, {}});
      found->second.push_back(row["step_ms"].get<double>());
    }
    if (row.contains("backward_ms")) backward_ms[row["local_batch"].get<std::int64_t>()] = row["backward_ms"].get<double>();
    if (row.contains("parameters")) gradient_bytes = row["gradient_bytes"].get<double>();
  }
  const auto baseline = std::find_if(step_ms.begin(), step_ms.end(), [](const auto& entry) { return entry.first == "one process (fit), 1 thread"; });
  if (baseline == step_ms.end()) throw InvalidArgument("distributed_bench --report: no one-process, one-thread run in " + path);
  const double reference = median(baseline->second);
  fmt::print("| run | ms per step of 32 windows (median) | speed-up over one process, one thread |\n|---|---|---|\n");
  for (const auto& [name, values] : step_ms)
    fmt::print("| {} | {:.2f} | {:.2f}× |\n", name, median(values), reference / median(values));
  if (backward_ms.empty()) return;
  fmt::print("\nGradients per step: {:.0f} bytes (float32).\n\n", gradient_bytes);
  fmt::print("| ranks | windows per rank | backward per rank | bytes each rank sends and receives | bandwidth that hides them |\n"
             "|---|---|---|---|---|\n");
  for (const int ranks : {2, 4, 8, 16, 32}) {
    const std::int64_t local = batch_size / ranks;
    if (!backward_ms.count(local)) continue;
    const double bytes = 2.0 * (ranks - 1) / ranks * gradient_bytes;
    fmt::print("| {} | {} | {:.3f} ms | {:.0f} | {:.1f} MB/s |\n", ranks, local, backward_ms[local], bytes, bytes / (backward_ms[local] * 1e3));
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t steps = 30, bucket_bytes = distributed::DataParallelOptions{}.bucket_bytes;
  bool one_process = false, costs = false;
  std::string results;
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (argument == "--steps" && i + 1 < argc) steps = std::stoll(argv[++i]);
    else if (argument == "--one-process") one_process = true;
    else if (argument == "--bucket-bytes" && i + 1 < argc) bucket_bytes = std::stoll(argv[++i]);
    else if (argument == "--cost-model") costs = true;
    else if (argument == "--report" && i + 1 < argc) results = argv[++i];
    else {
      fmt::print(stderr, "usage: distributed_bench [--steps N] [--one-process] [--bucket-bytes B] | --cost-model | --report results.jsonl\n");
      return 2;
    }
  }
  if (!results.empty()) report(results);
  else if (costs) cost_model();
  else train(steps, one_process, bucket_bytes);
  return 0;
}
