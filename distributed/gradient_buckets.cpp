#include <minidl/distributed/gradient_buckets.hpp>

#include <minidl/autograd/engine.hpp>
#include <minidl/autograd/node.hpp>
#include <minidl/core/errors.hpp>

#include <algorithm>
#include <climits>
#include <cstring>
#include <fmt/format.h>

namespace minidl::distributed {

namespace {

MPI_Datatype mpi_type(DType dtype) { return dtype == DType::float32 ? MPI_FLOAT : MPI_DOUBLE; }

}  // namespace

GradientBuckets::GradientBuckets(MPI_Comm communicator, const Weights& weights, std::int64_t bucket_bytes)
    : communicator_(communicator) {
  for (const auto& weight : weights) {
    laid_out_.push_back(weight->value().autograd_meta());
    shapes_.push_back(weight->shape());
    dtypes_.push_back(weight->value().dtype());
  }
  // Backward finishes the last weights first: bucket them first, so the first bucket to fill is
  // the first one sent, on every process in the same order.
  for (std::size_t i = weights.size(); i-- > 0;) {
    const Tensor& value = weights[i]->value();
    const auto bytes = std::int64_t(dtype_size(value.dtype())) * value.size();
    // A bucket is one MPI message, counted in int: only a single weight can overflow one (refused below).
    const bool full = !buckets_.empty() && (std::int64_t(dtype_size(value.dtype())) * buckets_.back().elements + bytes > bucket_bytes ||
                                            buckets_.back().elements + value.size() + std::int64_t(buckets_.back().members.size()) >= INT_MAX);
    if (buckets_.empty() || buckets_.back().dtype != value.dtype() || (!buckets_.back().members.empty() && full))
      buckets_.push_back({.dtype = value.dtype()});
    Bucket& bucket = buckets_.back();
    bucket.members.push_back(i);
    bucket.offsets.push_back(bucket.elements);
    bucket.elements += value.size();
    bucket_of_[value.autograd_meta().get()] = buckets_.size() - 1;
  }
  for (auto& bucket : buckets_) {
    bucket.elements += std::int64_t(bucket.members.size());
    if (bucket.elements > INT_MAX)
      throw InvalidArgument(fmt::format("DataParallel: '{}' has {} values, more than the 2^31 − 1 one MPI message can sum",
                                        weights[bucket.members.back()]->path(), weights[bucket.members.back()]->value().size()));
    bucket.storage.resize(std::size_t(bucket.elements) * dtype_size(bucket.dtype));
  }
}

bool GradientBuckets::fits(const Weights& weights) const {
  if (weights.size() != laid_out_.size()) return false;
  for (std::size_t i = 0; i < weights.size(); ++i)
    if (weights[i]->value().autograd_meta() != laid_out_[i].lock() || weights[i]->shape() != shapes_[i] ||
        weights[i]->value().dtype() != dtypes_[i])
      return false;
  return true;
}

std::int64_t GradientBuckets::bytes() const {
  std::int64_t total = 0;
  for (const auto& bucket : buckets_) total += bucket.elements * std::int64_t(dtype_size(bucket.dtype));
  return total;
}

void GradientBuckets::start(Bucket& bucket, const Weights& weights, double share) {
  dispatch(bucket.dtype, [&]<class T>() {
    // (A std::byte array provides storage for the values, C++20's implicit object creation.)
    T* buffer = reinterpret_cast<T*>(bucket.storage.data());
    const std::int64_t flags = bucket.elements - std::int64_t(bucket.members.size());
    for (std::size_t m = 0; m < bucket.members.size(); ++m) {
      const Tensor& value = weights[bucket.members[m]]->value();
      T* out = buffer + bucket.offsets[m];
      const bool has = value.has_grad();
      buffer[flags + std::int64_t(m)] = has ? T(1) : T(0);
      if (!has) {
        std::fill(out, out + value.size(), T(0));
        continue;
      }
      const Tensor gradient = value.grad().contiguous();
      const T* in = gradient.data<T>();
      if (share == 1.0) std::memcpy(out, in, std::size_t(value.size()) * sizeof(T));
      else
        for (std::int64_t e = 0; e < value.size(); ++e) out[e] = in[e] * T(share);
    }
    MPI_Iallreduce(MPI_IN_PLACE, buffer, int(bucket.elements), mpi_type(bucket.dtype), MPI_SUM, communicator_, &bucket.request);
  });
}

void GradientBuckets::finish(Bucket& bucket, const Weights& weights) {
  MPI_Wait(&bucket.request, MPI_STATUS_IGNORE);
  dispatch(bucket.dtype, [&]<class T>() {
    const T* buffer = reinterpret_cast<const T*>(bucket.storage.data());
    const std::int64_t flags = bucket.elements - std::int64_t(bucket.members.size());
    for (std::size_t m = 0; m < bucket.members.size(); ++m) {
      const Tensor& value = weights[bucket.members[m]]->value();
      auto& slot = value.autograd_meta()->grad;
      if (buffer[flags + std::int64_t(m)] == T(0)) {
        slot = Tensor();
        continue;
      }
      if (!slot.defined() || !slot.is_contiguous() || slot.offset() != 0) slot = Tensor::empty(value.shape(), value.dtype());
      std::memcpy(slot.data<T>(), buffer + bucket.offsets[m], std::size_t(value.size()) * sizeof(T));
    }
  });
}

void GradientBuckets::backward_and_sum(const Tensor& loss, const Weights& weights, double share) {
  for (auto& bucket : buckets_) bucket.unfinished = int(bucket.members.size());
  std::size_t started = 0;
  const auto start_finished = [&] {
    while (started < buckets_.size() && buckets_[started].unfinished == 0) start(buckets_[started++], weights, share);
    // MPI moves a non-blocking collective on only inside MPI calls: test the ones in flight.
    for (std::size_t b = 0; b < started; ++b)
      if (buckets_[b].request != MPI_REQUEST_NULL) {
        int done = 0;
        MPI_Test(&buckets_[b].request, &done, MPI_STATUS_IGNORE);
      }
  };
  if (loss.defined())
    autograd::backward({loss}, {}, false, [&](const AutogradMeta& leaf) {
      const auto found = bucket_of_.find(&leaf);
      if (found == bucket_of_.end()) return;
      if (--buckets_[found->second].unfinished == 0) start_finished();
    });
  started_during_backward_ = int(started);
  // Weights backward never reached (unused here, or no samples here) go now, in bucket order.
  for (auto& bucket : buckets_) bucket.unfinished = 0;
  start_finished();
  for (auto& bucket : buckets_) finish(bucket, weights);
}

}  // namespace minidl::distributed
