// minidl's half of the side-by-side benchmark against libtorch (bench/torch/ is the other half;
// bench/run.sh runs both and prints the table with this program's --report).
//   conv1d_bench --threads N [--isa avx512|avx2|portable|blas] [--case all|B1..B6|D1..D3|T1..T3|S1|tcn] [--dtype float32|float64]
//                [--min-repetitions R] [--min-seconds S]
//   conv1d_bench --threads N [--isa avx512|avx2|portable|blas] --fma-peak
//   conv1d_bench --report results.jsonl
// Each measurement is one JSON line: framework, kernel ISA (set_kernel_isa; the CPU's best unless
// --isa or MINIDL_KERNEL_ISA), threads, case, pass, median/p10/p90 in ms; float64 lines carry their dtype.
#include <minidl/minidl.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fmt/core.h>
#include <fstream>
#include <functional>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <utility>
#include <vector>

using namespace minidl;

namespace {

// A Conv1D (groups = channels: the depthwise convolution of DepthwiseConv1D), a Conv1DTranspose or
// a SeparableConv1D (groups: its depthwise half's).
enum class Kind { convolution, transposed, separable };

struct Shape1d {
  const char* name;
  std::int64_t batch, steps, channels, filters, kernel, dilation, strides, groups;
  const char* padding;
  Kind kind = Kind::convolution;
};

constexpr std::array<Shape1d, 13> shapes = {{
    {"B1", 32, 1024, 64, 64, 3, 1, 1, 1, "same"},
    {"B2", 32, 1024, 64, 64, 3, 8, 1, 1, "causal"},
    {"B3", 8, 16000, 1, 32, 80, 1, 4, 1, "valid"},
    {"B4", 32, 512, 128, 128, 5, 1, 1, 4, "same"},
    {"B5", 64, 128, 16, 32, 7, 1, 2, 1, "same"},
    {"B6", 4, 10, 128, 32, 3, 1, 1, 1, "valid"},
    {"D1", 32, 1024, 64, 64, 3, 1, 1, 64, "same"},
    {"D2", 16, 2048, 128, 128, 9, 1, 1, 128, "same"},
    {"D3", 32, 512, 32, 64, 5, 1, 1, 32, "same"},
    {"T1", 32, 512, 64, 64, 4, 1, 2, 1, "same", Kind::transposed},
    {"T2", 16, 256, 32, 16, 8, 1, 4, 1, "same", Kind::transposed},
    {"T3", 32, 1024, 64, 64, 3, 1, 1, 1, "same", Kind::transposed},
    {"S1", 32, 1024, 64, 64, 5, 1, 1, 64, "same", Kind::separable},
}};

// The layer of a case, its weights in `dtype` ("float32", or "float64" as in a gradient check).
std::unique_ptr<layers::Layer> layer_of(const Shape1d& s, const std::string& dtype = "float32") {
  if (s.kind == Kind::separable)
    return std::make_unique<layers::SeparableConv1D>(layers::SeparableConv1DOptions{
        .filters = s.filters, .kernel_size = s.kernel, .strides = s.strides, .padding = s.padding, .dilation_rate = s.dilation,
        .dtype = dtype});
  if (s.kind == Kind::transposed)
    return std::make_unique<layers::Conv1DTranspose>(layers::Conv1DTransposeOptions{
        .filters = s.filters, .kernel_size = s.kernel, .strides = s.strides, .padding = s.padding, .dilation_rate = s.dilation,
        .dtype = dtype});
  if (s.groups == s.channels && s.filters % s.channels == 0)
    return std::make_unique<layers::DepthwiseConv1D>(layers::DepthwiseConv1DOptions{
        .kernel_size = s.kernel, .strides = s.strides, .padding = s.padding, .depth_multiplier = s.filters / s.channels,
        .dilation_rate = s.dilation, .dtype = dtype});
  return std::make_unique<layers::Conv1D>(layers::Conv1DOptions{.filters = s.filters, .kernel_size = s.kernel, .strides = s.strides,
                                                                .padding = s.padding, .dilation_rate = s.dilation,
                                                                .groups = s.groups, .dtype = dtype});
}

struct Timing {
  double median, p10, p90;
  std::size_t repetitions;
};

// Three warm-up calls, then calls until both at least `repetitions` and `seconds` are reached.
Timing measure(const std::function<void()>& work, std::size_t repetitions, double seconds) {
  for (int i = 0; i < 3; ++i) work();
  std::vector<double> times;
  double total = 0;
  while (times.size() < repetitions || total < seconds) {
    const auto start = std::chrono::steady_clock::now();
    work();
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    times.push_back(elapsed * 1e3);
    total += elapsed;
  }
  std::sort(times.begin(), times.end());
  const auto at = [&](double q) { return times[std::size_t(q * double(times.size() - 1))]; };
  return {at(0.5), at(0.1), at(0.9), times.size()};
}

void print(int threads, const std::string& name, const char* pass, const Timing& timing,
           const nlohmann::json& extra = nlohmann::json::object()) {
  nlohmann::json line = {{"framework", "minidl"}, {"isa", kernel_isa()}, {"threads", threads}, {"case", name}, {"pass", pass},
                         {"median_ms", timing.median}, {"p10_ms", timing.p10}, {"p90_ms", timing.p90},
                         {"repetitions", timing.repetitions}};
  line.update(extra);
  fmt::print("{}\n", line.dump());
  std::fflush(stdout);
}

void run_shape(const Shape1d& shape, int threads, const std::string& dtype, std::size_t repetitions, double seconds) {
  const auto layer = layer_of(shape, dtype);
  layers::Layer& conv = *layer;
  Generator generator(0);
  const DType type = dtype == "float64" ? DType::float64 : DType::float32;
  const Tensor x = Tensor::normal({shape.batch, shape.steps, shape.channels}, 0.0, 1.0, type, &generator);
  conv.build(x.shape());
  const Tensor upstream = Tensor::normal(conv.compute_output_shape(x.shape()), 0.0, 1.0, type, &generator);
  // float64 lines say so; float32 lines, as before this option, do not.
  const nlohmann::json extra = dtype == "float32" ? nlohmann::json::object() : nlohmann::json{{"dtype", dtype}};
  print(threads, shape.name, "forward", measure([&] {
          NoGradGuard no_grad;
          conv(x);
        }, repetitions, seconds), extra);
  const Tensor x_leaf = x.clone().set_requires_grad();
  const auto weights = conv.trainable_weights();
  print(threads, shape.name, "forward_backward", measure([&] {
          x_leaf.zero_grad();
          for (const auto& weight : weights) weight->value().zero_grad();
          conv(x_leaf).backward(upstream);
        }, repetitions, seconds), extra);
}

// The TCN step of the issue: (32, 1024, 1) → four causal Conv1D (32 filters, kernel 3, dilations
// 1, 2, 4, 8, relu) → Conv1D(1, 1) → MSE → Adam.
void run_tcn(int threads, std::size_t repetitions, double seconds) {
  models::Sequential model;
  for (std::int64_t dilation : {1, 2, 4, 8})
    model.add<layers::Conv1D>({.filters = 32, .kernel_size = 3, .padding = "causal", .dilation_rate = dilation, .activation = "relu"});
  model.add<layers::Conv1D>({.filters = 1, .kernel_size = 1});
  Generator generator(0);
  const Tensor x = Tensor::normal({32, 1024, 1}, 0.0, 1.0, DType::float32, &generator);
  const Tensor y = Tensor::normal({32, 1024, 1}, 0.0, 1.0, DType::float32, &generator);
  model.build(x.shape());
  optim::Adam adam({.learning_rate = 1e-3});
  const losses::Loss mse = "mse";
  const auto weights = model.trainable_weights();
  const auto timing = measure([&] {
    mse(y, model(x, true)).backward();
    adam.step(weights);
    for (const auto& weight : weights) weight->value().zero_grad();
  }, repetitions, seconds);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  print(threads, "tcn", "train_step", timing, {{"peak_rss_mb", double(usage.ru_maxrss) / 1024.0}});
}

// Independent FMA chains, enough to hide the latency, each thread on its own: the machine's
// single-precision peak in GFLOP/s with the kernel ISA's vectors (for portable, 4-float vectors
// for the build's target, where a multiply and an add stand in for a missing FMA; for blas, the
// widest the CPU has).
constexpr int fma_chains = 12;

double gflops(std::int64_t iterations, int lanes, std::chrono::steady_clock::time_point start, float sink) {
  if (sink == 12345.0f) std::puts("");  // keeps the loop from being optimized away
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return double(iterations) * fma_chains * lanes * 2 / elapsed / 1e9;
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx512f"))) double fma_gflops_avx512(std::int64_t iterations) {
  __m512 accumulators[fma_chains];
  for (auto& a : accumulators) a = _mm512_set1_ps(1.0f);
  const __m512 scale = _mm512_set1_ps(0.999999f), shift = _mm512_set1_ps(1e-7f);
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; i < iterations; ++i)
    for (auto& a : accumulators) a = _mm512_fmadd_ps(a, scale, shift);
  float sink = 0;
  for (auto& a : accumulators) sink += _mm512_cvtss_f32(a);
  return gflops(iterations, 16, start, sink);
}

__attribute__((target("avx2,fma"))) double fma_gflops_avx2(std::int64_t iterations) {
  __m256 accumulators[fma_chains];
  for (auto& a : accumulators) a = _mm256_set1_ps(1.0f);
  const __m256 scale = _mm256_set1_ps(0.999999f), shift = _mm256_set1_ps(1e-7f);
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; i < iterations; ++i)
    for (auto& a : accumulators) a = _mm256_fmadd_ps(a, scale, shift);
  float sink = 0;
  for (auto& a : accumulators) sink += _mm256_cvtss_f32(a);
  return gflops(iterations, 8, start, sink);
}
#endif

double fma_gflops_portable(std::int64_t iterations) {
  using Vector = float __attribute__((vector_size(16)));
  Vector accumulators[fma_chains];
  for (auto& a : accumulators) a = 1.0f - Vector{};
  const Vector scale = 0.999999f - Vector{}, shift = 1e-7f - Vector{};
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; i < iterations; ++i)
    for (auto& a : accumulators) a = a * scale + shift;
  float sink = 0;
  for (auto& a : accumulators) sink += a[0];
  return gflops(iterations, 4, start, sink);
}

double fma_gflops_one_thread(const std::string& isa, std::int64_t iterations) {
#if defined(__x86_64__) || defined(__i386__)
  const bool blas = isa == "blas";
  if (isa == "avx512" || (blas && __builtin_cpu_supports("avx512f"))) return fma_gflops_avx512(iterations);
  if (isa == "avx2" || (blas && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")))
    return fma_gflops_avx2(iterations);
#endif
  return fma_gflops_portable(iterations);
}

void run_fma_peak(int threads) {
  const std::string isa = kernel_isa();
  std::vector<double> per_thread(std::size_t(threads), 0.0);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      double best = 0;
      for (int trial = 0; trial < 5; ++trial) best = std::max(best, fma_gflops_one_thread(isa, 50'000'000));
      per_thread[std::size_t(t)] = best;
    });
  for (auto& worker : workers) worker.join();
  double total = 0;
  for (double gflops : per_thread) total += gflops;
  fmt::print("{}\n", nlohmann::json({{"framework", "machine"}, {"isa", isa}, {"threads", threads}, {"case", "fma_peak"}, {"gflops", total}})
                       .dump());
}

// 2·N·L_out·F·K·C/G, with L_out as the layer computes it; transposed, every input step meets
// every tap: 2·N·L_in·F·K·C; separable, the depthwise 2·N·L_out·C·K and the pointwise 2·N·L_out·C·F.
double forward_flops(const Shape1d& s) {
  if (s.kind == Kind::transposed) return 2.0 * double(s.batch * s.steps * s.filters * s.kernel * s.channels);
  if (s.kind == Kind::separable) {
    const std::int64_t output = layer_of(s)->compute_output_shape({s.batch, s.steps, s.channels})[1];
    return 2.0 * double(s.batch * output * s.channels * (s.kernel + s.filters));
  }
  const std::int64_t output = layer_of(s)->compute_output_shape({s.batch, s.steps, s.channels})[1];
  return 2.0 * double(s.batch * output * s.filters * s.kernel * (s.channels / s.groups));
}

// One kernel ISA's lines (those without an ISA: results from before the switch), measured with or
// without the busy neighbour of bench/run.sh --busy.
struct Lines {
  std::vector<const nlohmann::json*> lines;

  Lines(const std::vector<nlohmann::json>& all_lines, const std::string& isa, bool neighbour, const std::string& dtype = "float32") {
    for (const auto& line : all_lines)
      if (line.value("isa", std::string()) == isa && line.value("neighbour", false) == neighbour &&
          line.value("dtype", std::string("float32")) == dtype)
        lines.push_back(&line);
  }

  // The fastest line of a framework's case and pass (libtorch's: the better of oneDNN on and off).
  const nlohmann::json* find(const std::string& framework, int threads, const std::string& name, const std::string& pass) const {
    const nlohmann::json* best = nullptr;
    for (const auto* line : lines)
      if (line->at("framework") == framework && line->at("threads") == threads && line->at("case") == name &&
          line->at("pass") == pass && (!best || line->at("median_ms").get<double>() < best->at("median_ms").get<double>()))
        best = line;
    return best;
  }
};

// (case, pass) of every row of the summary and busy tables: each shape's two passes, then the TCN step.
std::vector<std::pair<std::string, std::string>> every_case_and_pass() {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& shape : shapes)
    for (const char* pass : {"forward", "forward_backward"}) rows.emplace_back(shape.name, pass);
  rows.emplace_back("tcn", "train_step");
  return rows;
}

void report_isa(const std::vector<nlohmann::json>& all_lines, const std::string& isa) {
  const Lines lines(all_lines, isa, false);
  std::map<int, double> peak;
  for (const auto* line : lines.lines)
    if (line->at("case") == "fma_peak") peak[line->at("threads").get<int>()] = line->at("gflops");
  for (const auto& [threads, gflops] : peak)
    fmt::print("{} peak at {} thread(s){}: {:.1f} GFLOP/s\n", isa == "portable" ? "Multiply-add" : "FMA", threads,
               isa.empty() ? "" : fmt::format(" ({})", isa), gflops);
  fmt::print("\n| case | pass | threads | minidl ms | libtorch ms (best of oneDNN on/off) | minidl / libtorch | minidl GFLOP/s (% of peak) | libtorch GFLOP/s |\n");
  fmt::print("|---|---|---|---|---|---|---|---|\n");
  for (int threads : {1, 2})
    for (const auto& shape : shapes)
      for (const char* pass : {"forward", "forward_backward"}) {
        const auto* ours = lines.find("minidl", threads, shape.name, pass);
        const auto* theirs = lines.find("libtorch", threads, shape.name, pass);
        if (!ours || !theirs) continue;
        const double flops = forward_flops(shape) * (std::string(pass) == "forward" ? 1 : 3);
        const double mine = ours->at("median_ms"), other = theirs->at("median_ms");
        const double my_gflops = flops / mine / 1e6, their_gflops = flops / other / 1e6;
        fmt::print("| {} | {} | {} | {:.3f} | {:.3f} ({}) | {:.2f} | {:.1f} ({:.0f}%) | {:.1f} |\n", shape.name, pass, threads, mine, other,
                   theirs->value("onednn", true) ? "oneDNN on" : "oneDNN off", mine / other, my_gflops,
                   peak.count(threads) ? 100 * my_gflops / peak[threads] : 0.0, their_gflops);
      }
  fmt::print("\n| TCN training step | threads | minidl ms | libtorch ms | ratio | minidl peak RSS MB | libtorch peak RSS MB |\n|---|---|---|---|---|---|---|\n");
  for (int threads : {1, 2}) {
    const auto* ours = lines.find("minidl", threads, "tcn", "train_step");
    const auto* theirs = lines.find("libtorch", threads, "tcn", "train_step");
    if (!ours || !theirs) continue;
    fmt::print("| (32, 1024, 1), 4 causal Conv1D + 1×1, Adam | {} | {:.2f} | {:.2f} | {:.2f} | {:.0f} | {:.0f} |\n", threads,
               ours->at("median_ms").get<double>(), theirs->at("median_ms").get<double>(),
               ours->at("median_ms").get<double>() / theirs->at("median_ms").get<double>(), ours->at("peak_rss_mb").get<double>(),
               theirs->at("peak_rss_mb").get<double>());
  }
}

// Under a busy neighbour: whether minidl's second thread still pays, and how it stands against
// libtorch's two threads.
void report_busy(const std::vector<nlohmann::json>& all_lines, const std::string& isa) {
  const Lines lines(all_lines, isa, true);
  if (lines.lines.empty()) return;
  fmt::print("\nWith a busy neighbour (another process spinning a third of one core){}:\n\n", isa.empty() ? "" : fmt::format(", {}", isa));
  fmt::print("| case | pass | minidl 1 thread ms | minidl 2 threads ms | 2-thread time / 1-thread | libtorch 2 threads ms | minidl / libtorch at 2 threads |\n");
  fmt::print("|---|---|---|---|---|---|---|\n");
  for (const auto& [name, pass] : every_case_and_pass()) {
    const auto *one = lines.find("minidl", 1, name, pass), *two = lines.find("minidl", 2, name, pass);
    const auto* theirs = lines.find("libtorch", 2, name, pass);
    if (!one || !two || !theirs) continue;
    const double mine_one = one->at("median_ms"), mine_two = two->at("median_ms"), other = theirs->at("median_ms");
    fmt::print("| {} | {} | {:.3f} | {:.3f} | {:.2f} | {:.3f} | {:.2f} |\n", name == "tcn" ? "TCN step" : name, pass, mine_one, mine_two,
               mine_two / mine_one, other, mine_two / other);
  }
}

// float64, the dtype of gradient checks: minidl's BLAS and ordered-gemm path against libtorch's.
void report_float64(const std::vector<nlohmann::json>& all_lines, const std::string& isa) {
  const Lines lines(all_lines, isa, false, "float64");
  if (lines.lines.empty()) return;
  fmt::print("\nfloat64 (the dtype of gradient checks){}:\n\n", isa.empty() ? "" : fmt::format(", {}", isa));
  fmt::print("| case | pass | threads | minidl ms | libtorch ms | minidl / libtorch |\n|---|---|---|---|---|---|\n");
  for (int threads : {1, 2})
    for (const auto& shape : shapes)
      for (const char* pass : {"forward", "forward_backward"}) {
        const auto *ours = lines.find("minidl", threads, shape.name, pass), *theirs = lines.find("libtorch", threads, shape.name, pass);
        if (!ours || !theirs) continue;
        const double mine = ours->at("median_ms"), other = theirs->at("median_ms");
        fmt::print("| {} | {} | {} | {:.3f} | {:.3f} | {:.2f} |\n", shape.name, pass, threads, mine, other, mine / other);
      }
}

// Every cell in one table, for the README: minidl / libtorch at each ISA and thread count, and the
// 2-thread speed-up of each.
void report_summary(const std::vector<nlohmann::json>& all_lines, const std::vector<std::string>& isas) {
  std::vector<Lines> tables;
  for (const auto& isa : isas) tables.emplace_back(all_lines, isa, false);
  fmt::print("| case | pass |");
  for (const auto& isa : isas) fmt::print(" {0} 1 thread | {0} 2 threads | {0} speed-up at 2 threads |", isa.empty() ? "minidl" : isa);
  fmt::print("\n|---|---|");
  for (std::size_t i = 0; i < isas.size(); ++i) fmt::print("---|---|---|");
  fmt::print("\n");
  for (const auto& [name, pass] : every_case_and_pass()) {
    fmt::print("| {} | {} |", name == "tcn" ? "TCN step" : name, pass == "forward_backward" ? "forward + backward" : pass);
    for (const auto& lines : tables) {
      double ours[3] = {0, 0, 0};
      for (int threads : {1, 2}) {
        const auto *mine = lines.find("minidl", threads, name, pass), *theirs = lines.find("libtorch", threads, name, pass);
        if (mine && theirs) {
          ours[threads] = mine->at("median_ms");
          fmt::print(" {:.2f} |", ours[threads] / theirs->at("median_ms").get<double>());
        } else {
          fmt::print(" |");
        }
      }
      if (ours[1] > 0 && ours[2] > 0) fmt::print(" {:.2f}× |", ours[1] / ours[2]);
      else fmt::print(" |");
    }
    fmt::print("\n");
  }
  fmt::print("\n");
}

int report(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    fmt::print(stderr, "cannot open {}\n", path);
    return 2;
  }
  std::vector<nlohmann::json> lines;
  for (std::string text; std::getline(file, text);)
    if (!text.empty() && text.front() == '{') lines.push_back(nlohmann::json::parse(text));
  // One table per kernel ISA, in the order run: libtorch's lines carry the ISA run.sh held it to.
  std::vector<std::string> isas;
  for (const auto& line : lines)
    if (const auto isa = line.value("isa", std::string()); std::find(isas.begin(), isas.end(), isa) == isas.end()) isas.push_back(isa);
  fmt::print("minidl / libtorch (below 1: minidl is faster) and minidl's 2-thread speed-up:\n\n");
  report_summary(lines, isas);
  for (std::size_t i = 0; i < isas.size(); ++i) {
    if (isas.size() > 1) fmt::print("{}Kernel ISA {}:\n\n", i > 0 ? "\n" : "", isas[i]);
    report_isa(lines, isas[i]);
    report_busy(lines, isas[i]);
    report_float64(lines, isas[i]);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  std::string which = "all", report_path, isa, dtype = "float32";
  std::size_t repetitions = 20;
  double seconds = 1.0;
  bool fma_peak = false;
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    const auto value = [&] {
      if (i + 1 >= argc) throw InvalidArgument(fmt::format("{} needs a value", argument));
      return std::string(argv[++i]);
    };
    if (argument == "--threads") threads = std::stoi(value());
    else if (argument == "--case") which = value();
    else if (argument == "--isa") isa = value();
    else if (argument == "--dtype") dtype = value();
    else if (argument == "--min-repetitions") repetitions = std::stoul(value());
    else if (argument == "--min-seconds") seconds = std::stod(value());
    else if (argument == "--fma-peak") fma_peak = true;
    else if (argument == "--report") report_path = value();
    else {
      fmt::print(stderr, "usage: conv1d_bench [--threads N] [--isa avx512|avx2|portable|blas] [--case all|B1..B6|D1..D3|T1..T3|S1|tcn] "
                         "[--dtype float32|float64] [--min-repetitions R] [--min-seconds S] | --fma-peak | --report results.jsonl\n");
      return 2;
    }
  }
  if (dtype != "float32" && dtype != "float64") {
    fmt::print(stderr, "conv1d_bench: --dtype is float32 or float64, not {}\n", dtype);
    return 2;
  }
  if (!report_path.empty()) return report(report_path);
  set_num_threads(threads);
  if (!isa.empty()) set_kernel_isa(isa);
  if (fma_peak) {
    run_fma_peak(threads);
    return 0;
  }
  if (which == "tcn") {
    run_tcn(threads, repetitions, seconds);
    return 0;
  }
  for (const auto& shape : shapes)
    if (which == "all" || which == shape.name) run_shape(shape, threads, dtype, repetitions, seconds);
  return 0;
}
