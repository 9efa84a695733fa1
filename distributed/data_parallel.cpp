#include <minidl/distributed/data_parallel.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/distributed/gradient_buckets.hpp>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <mpi.h>
#include <optional>

namespace minidl::distributed {

struct DataParallel::State {
  DataParallelOptions options;
  bool initialized_mpi = false;
  // A communicator of its own, so that fit's collectives never match a program's own.
  MPI_Comm communicator = MPI_COMM_NULL;
  int rank = 0, size = 1;
  std::optional<GradientBuckets> buckets;
};

DataParallel::DataParallel(DataParallelOptions options) : state_(std::make_unique<State>()) {
  if (options.bucket_bytes < 1)
    throw_invalid_argument("DataParallel", "bucket_bytes", "expected a positive number of bytes", std::to_string(options.bucket_bytes));
  state_->options = options;
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (finalized) throw StateError("DataParallel: MPI was finalized already; create the DataParallel before MPI_Finalize");
  if (!initialized) {
    int provided = 0;
    // Only the thread that runs fit calls MPI.
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    state_->initialized_mpi = true;
  }
  MPI_Comm_dup(MPI_COMM_WORLD, &state_->communicator);
  // A failed MPI call ends the job with MPI's message, even where the program chose to get error
  // codes back on its own communicators: fit cannot go on with ranks out of step.
  MPI_Comm_set_errhandler(state_->communicator, MPI_ERRORS_ARE_FATAL);
  MPI_Comm_rank(state_->communicator, &state_->rank);
  MPI_Comm_size(state_->communicator, &state_->size);
}

DataParallel::~DataParallel() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;
  state_->buckets.reset();
  MPI_Comm_free(&state_->communicator);
  if (state_->initialized_mpi) MPI_Finalize();
}

int DataParallel::rank() const { return state_->rank; }
int DataParallel::size() const { return state_->size; }
bool DataParallel::shards_datasets() const { return state_->options.shard_datasets; }

std::string DataParallel::settings() const {
  return fmt::format("DataParallel over {} ranks, bucket_bytes {}, shard_datasets {}", state_->size, state_->options.bucket_bytes,
                     state_->options.shard_datasets);
}

void DataParallel::abort(const std::string& message) {
  fmt::print(stderr, "{}\nDataParallel: ending every rank of the job (MPI_Abort), as the others would wait for this one for ever\n",
             message);
  std::fflush(stderr);
  MPI_Abort(state_->communicator, 1);
  std::abort();  // MPI_Abort does not return; this tells the compiler so
}

void DataParallel::sum(std::span<double> values) {
  for (std::size_t begin = 0; begin < values.size(); begin += INT_MAX) {
    const int count = int(std::min<std::size_t>(INT_MAX, values.size() - begin));
    MPI_Allreduce(MPI_IN_PLACE, values.data() + begin, count, MPI_DOUBLE, MPI_SUM, state_->communicator);
  }
}

void DataParallel::broadcast(std::span<std::byte> bytes) {
  for (std::size_t begin = 0; begin < bytes.size(); begin += INT_MAX) {
    const int count = int(std::min<std::size_t>(INT_MAX, bytes.size() - begin));
    MPI_Bcast(bytes.data() + begin, count, MPI_BYTE, 0, state_->communicator);
  }
}

void DataParallel::barrier() { MPI_Barrier(state_->communicator); }

void DataParallel::backward(const Tensor& loss, const std::vector<std::shared_ptr<layers::Variable>>& weights, double share) {
  if (!state_->buckets || !state_->buckets->fits(weights)) state_->buckets.emplace(state_->communicator, weights, state_->options.bucket_bytes);
  state_->buckets->backward_and_sum(loss, weights, share);
}

DataParallel::StepTraffic DataParallel::last_step() const {
  if (!state_->buckets) return {};
  return {.bytes = state_->buckets->bytes(), .buckets = state_->buckets->count(), .started_during_backward = state_->buckets->started_during_backward()};
}

}  // namespace minidl::distributed
