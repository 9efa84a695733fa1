// Training from a .npy file read in place (never loaded whole), against the same training from
// memory: peak memory and time per step (bench/run-data.sh makes the file, runs both and prints
// the table).
//   data_bench --make-npy PATH --gigabytes G      a float32 (rows, 1) series of G GiB
//   data_bench --train npy|memory --npy PATH [--steps N]
//   data_bench --report results.jsonl
// Training is the main job's: its TCN (examples/common/temporal_conv_net.hpp) on windows of 128
// steps and the 12 after them, batches of 32 drawn at random from the whole series, Adam.
#include "../examples/common/temporal_conv_net.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fmt/core.h>
#include <fstream>
#include <map>
#include <minidl/minidl.hpp>
#include <nlohmann/json.hpp>
#include <sys/resource.h>

using namespace minidl;

namespace {

constexpr std::int64_t window = 128, horizon = 12, batch_size = 32;

// A sunspot-like series: an 11-year-like cycle of varying height, a faster wobble and noise.
void make_npy(const std::string& path, double gigabytes) {
  const auto rows = std::int64_t(gigabytes * double(std::int64_t{1} << 30) / 4);
  std::string header = fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, 1), }}", rows);
  header.resize(((header.size() + 11 + 63) / 64) * 64 - 11, ' ');  // the data start on a 64-byte boundary
  header += '\n';
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) throw InvalidArgument(fmt::format("data_bench: cannot write {}", path));
  const unsigned char preamble[] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<unsigned char>(header.size() & 0xff),
                                    static_cast<unsigned char>(header.size() >> 8)};
  std::fwrite(preamble, 1, sizeof(preamble), file);
  std::fwrite(header.data(), 1, header.size(), file);
  Generator generator(7);
  std::vector<float> chunk(std::size_t{1} << 20);
  for (std::int64_t done = 0; done < rows;) {
    const auto count = std::min<std::int64_t>(std::int64_t(chunk.size()), rows - done);
    for (std::int64_t i = 0; i < count; ++i) {
      const double t = double(done + i);
      chunk[std::size_t(i)] = float(std::sin(t / 21.0) * (1.0 + 0.5 * std::sin(t / 997.0)) + 0.3 * std::sin(t / 3.7) +
                                    0.2 * (generator.uniform() - 0.5));
    }
    std::fwrite(chunk.data(), sizeof(float), std::size_t(count), file);
    done += count;
  }
  std::fclose(file);
}

// Times between the ends of successive training batches.
class StepTimer : public models::Callback {
 public:
  void on_train_batch_end(models::Model&, int, const std::map<std::string, double>&) override {
    const auto now = std::chrono::steady_clock::now();
    if (last_) milliseconds.push_back(std::chrono::duration<double, std::milli>(now - *last_).count());
    last_ = now;
  }
  std::vector<double> milliseconds;

 private:
  std::optional<std::chrono::steady_clock::time_point> last_;
};

void train(const std::string& source, const std::string& path, std::int64_t steps) {
  set_num_threads(1);  // the background reading thread gets the other core
  seed_global_generator(42);
  datasets::Array series = datasets::Array::open_npy(path);
  if (source == "memory") {
    Tensor whole = Tensor::empty(series.shape());
    series.copy_rows(0, series.rows(), 1, whole.data<float>());
    series = datasets::Array::from_tensor(whole);
  }
  // Windows of 128 + 12 steps, split into the input and the 12 targets after it.
  const auto batches = datasets::timeseries_dataset_from_array(series, std::nullopt,
                                                           {.sequence_length = window + horizon, .batch_size = batch_size,
                                                            .shuffle = true, .seed = 42})
                           .map([](datasets::Element element) {
                             const Tensor& windows = element.x[0];
                             const std::int64_t rows = windows.dim(0);
                             return datasets::Element{.x = {slice(windows, 1, 0, window).contiguous()},
                                                  .y = {reshape(slice(windows, 1, window, window + horizon).contiguous(), {rows, horizon})}};
                           })
                           .prefetch(4);
  examples::TemporalConvNet model({.window = window, .horizon = horizon});
  model.compile(std::make_unique<optim::Adam>(optim::AdamOptions{.learning_rate = 2e-3}), "mse");
  StepTimer timer;
  const auto started = std::chrono::steady_clock::now();
  model.fit(batches, {.epochs = 1, .verbose = 0, .callbacks = {&timer}, .steps_per_epoch = steps});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto times = timer.milliseconds;
  std::sort(times.begin(), times.end());
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const nlohmann::json line = {{"source", source},
                               {"rows", series.rows()},
                               {"steps", steps},
                               {"median_step_ms", times[times.size() / 2]},
                               {"p10_step_ms", times[times.size() / 10]},
                               {"p90_step_ms", times[times.size() * 9 / 10]},
                               {"seconds", seconds},
                               {"peak_rss_mb", double(usage.ru_maxrss) / 1024.0}};
  fmt::print("{}\n", line.dump());
}

int report(const std::string& path) {
  std::ifstream file(path);
  std::map<std::string, nlohmann::json> by_source;
  for (std::string text; std::getline(file, text);)
    if (!text.empty() && text[0] == '{') {
      const auto line = nlohmann::json::parse(text);
      by_source[line.at("source")] = line;
    }
  if (!by_source.contains("npy") || !by_source.contains("memory")) return 1;
  const auto& from_file = by_source["npy"];
  const auto& memory = by_source["memory"];
  fmt::print("| source | series | peak RSS MB | median step ms (p10–p90) | step time ÷ in memory |\n|---|---|---|---|---|\n");
  for (const auto* line : {&memory, &from_file})
    fmt::print("| {} | {:.2f} GiB float32 | {:.0f} | {:.2f} ({:.2f}–{:.2f}) | {:.3f} |\n",
               (*line)["source"] == "npy" ? ".npy read in place" : "in memory", (*line)["rows"].get<double>() * 4 / double(1 << 30),
               (*line)["peak_rss_mb"].get<double>(), (*line)["median_step_ms"].get<double>(), (*line)["p10_step_ms"].get<double>(),
               (*line)["p90_step_ms"].get<double>(), (*line)["median_step_ms"].get<double>() / memory["median_step_ms"].get<double>());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> arguments;
  for (int i = 1; i + 1 < argc; i += 2) arguments[argv[i]] = argv[i + 1];
  if (arguments.contains("--report")) return report(arguments["--report"]);
  if (arguments.contains("--make-npy")) {
    make_npy(arguments["--make-npy"], std::stod(arguments.contains("--gigabytes") ? arguments["--gigabytes"] : "2"));
    return 0;
  }
  if (arguments.contains("--train") && arguments.contains("--npy")) {
    train(arguments["--train"], arguments["--npy"], arguments.contains("--steps") ? std::stoll(arguments["--steps"]) : 300);
    return 0;
  }
  fmt::print(stderr, "usage: data_bench --make-npy PATH [--gigabytes G] | --train npy|memory --npy PATH [--steps N] | --report FILE\n");
  return 2;
}
