#pragma once
// Data-parallel training over MPI, as Keras's keras.distribution.DataParallel: every process
// (an MPI rank) holds the whole model, takes its share of every global batch, and the gradients
// are summed between the processes before each optimizer step, so every process takes the same
// step. Give it to fit:
//   distributed::DataParallel data_parallel;        // MPI_COMM_WORLD
//   model.fit(x, y, {.batch_size = 64, .distribution = &data_parallel});
// and launch the program with mpirun (docs/distributed.md). Built when CMake finds MPI; link
// minidl::distributed.
#include <minidl/models/distribution.hpp>

#include <cstdint>
#include <memory>

namespace minidl::distributed {

struct DataParallelOptions {
  // Gradients travel in buckets of about this many bytes, each summed (in place, without
  // blocking) as soon as backward has finished every gradient in it, while backward goes on
  // with the layers before. Larger buckets: fewer messages; smaller: an earlier start.
  std::int64_t bucket_bytes = std::int64_t{1} << 20;
  // Whether fit splits each batch of a dataset between the processes (each reads every batch);
  // false when each process's dataset gives its own share already: Dataset::shard(size, rank)
  // before batch(global batch / size).
  bool shard_datasets = true;
};

class DataParallel final : public models::Distribution {
 public:
  // Over MPI_COMM_WORLD. Initializes MPI when the program has not, and then finalizes it when
  // destroyed (make it the first object of main, or call MPI_Init yourself).
  explicit DataParallel(DataParallelOptions options = {});
  ~DataParallel() override;
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  int rank() const override;
  int size() const override;
  bool shards_datasets() const override;
  std::string settings() const override;
  void sum(std::span<double> values) override;
  void broadcast(std::span<std::byte> bytes) override;
  void barrier() override;
  void backward(const Tensor& loss, const std::vector<std::shared_ptr<layers::Variable>>& weights, double share) override;
  // Prints the message to stderr and ends every rank with MPI_Abort.
  [[noreturn]] void abort(const std::string& message) override;

  // What the last training step sent: the gradients' bytes (with one flag per weight), in how
  // many buckets, and how many of those were started while backward was still running.
  struct StepTraffic {
    std::int64_t bytes = 0;
    int buckets = 0;
    int started_during_backward = 0;
  };
  StepTraffic last_step() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace minidl::distributed
