#pragma once
// The gradients of a model's trainable weights, grouped into buckets of one dtype in the order
// backward finishes them (the last layers' first), each summed between the processes with one
// non-blocking MPI_Iallreduce as soon as it is complete.
#include <minidl/core/dtype.hpp>
#include <minidl/core/tensor.hpp>
#include <minidl/layers/variable.hpp>

#include <mpi.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

namespace minidl::distributed {

class GradientBuckets {
 public:
  using Weights = std::vector<std::shared_ptr<layers::Variable>>;
  GradientBuckets(MPI_Comm communicator, const Weights& weights, std::int64_t bucket_bytes);
  // Whether these buckets were laid out for `weights` (the same tensors, in the same order).
  bool fits(const Weights& weights) const;

  // Runs loss.backward() (loss may be undefined: no samples here), summing each bucket between
  // the processes as soon as backward has finished its gradients; then writes the sums, each
  // gradient scaled by `share` first, into the weights' grad(). `weights` must fit().
  void backward_and_sum(const Tensor& loss, const Weights& weights, double share);
  std::int64_t bytes() const;
  int count() const { return int(buckets_.size()); }
  // Of the last backward_and_sum's buckets, those started before backward returned.
  int started_during_backward() const { return started_during_backward_; }

 private:
  struct Bucket {
    DType dtype;
    // Indexes into the weights, and where each one's gradient starts in the buffer; after the
    // gradients, one element per weight says whether that process had a gradient for it.
    std::vector<std::size_t> members = {};
    std::vector<std::int64_t> offsets = {};
    std::int64_t elements = 0;
    std::vector<std::byte> storage = {};  // `elements` values of `dtype`
    int unfinished = 0;
    MPI_Request request = MPI_REQUEST_NULL;
  };
  void start(Bucket& bucket, const Weights& weights, double share);
  void finish(Bucket& bucket, const Weights& weights);

  MPI_Comm communicator_;
  // The weights laid out, held weakly: a DataParallel kept for later fits does not keep a finished
  // model's weights alive.
  std::vector<std::weak_ptr<AutogradMeta>> laid_out_;
  std::vector<Shape> shapes_;
  std::vector<DType> dtypes_;
  std::vector<Bucket> buckets_;
  std::unordered_map<const AutogradMeta*, std::size_t> bucket_of_;
  int started_during_backward_ = 0;
};

}  // namespace minidl::distributed
