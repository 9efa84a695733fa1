#pragma once
// What fit needs from a strategy that trains one model on several processes at once, as Keras's
// keras.distribution.DataParallel: distributed::DataParallel (over MPI, built when MPI is found)
// implements it. Every process runs the same fit and calls these at the same points, in the same
// order, so each call is a collective step that every process takes together.
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace minidl {
class Tensor;
namespace layers {
class Variable;
}
}  // namespace minidl

namespace minidl::models {

class Distribution {
 public:
  virtual ~Distribution() = default;
  // This process's index among size(); rank 0 alone prints progress and writes files.
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Whether fit splits each batch of a dataset between the processes (true), or takes each
  // process's batches as its share already (a dataset sharded with Dataset::shard). Batches of
  // tensors are always split.
  virtual bool shards_datasets() const = 0;
  // The strategy's own settings that must be the same on every process (fit compares them).
  virtual std::string settings() const = 0;

  // Sums `values` element by element over the processes, in place; every process gets the same sums.
  virtual void sum(std::span<double> values) = 0;
  // Overwrites `bytes` with rank 0's; every process passes the same number of bytes.
  virtual void broadcast(std::span<std::byte> bytes) = 0;
  virtual void barrier() = 0;
  // Differentiates `loss` (undefined when this process had no samples this step) and leaves in
  // each weight's grad() the sum over the processes of `share` × its gradient. A gradient absent
  // on a process counts as zeros; absent on every process, it stays absent.
  virtual void backward(const Tensor& loss, const std::vector<std::shared_ptr<layers::Variable>>& weights, double share) = 0;
  // Ends every process of the job after printing `message`: what fit does when something fails on
  // one process during training, where the others would otherwise wait for it for ever.
  [[noreturn]] virtual void abort(const std::string& message) = 0;
};

}  // namespace minidl::models
