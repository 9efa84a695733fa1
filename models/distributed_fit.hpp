#pragma once
// The steps fit takes on every process when a Distribution is given (models/distribution.hpp):
// what is shared from rank 0, how a batch is split, how the logs are summed.
#include <minidl/core/random.hpp>
#include <minidl/core/tensor.hpp>
#include <minidl/metrics/metrics.hpp>
#include <minidl/models/distribution.hpp>

#include <string>
#include <utility>
#include <vector>

namespace minidl::models {

class Model;

namespace distributed_fit {

// Refuses on every process (InvalidArgument naming the ranks and the first difference) a fit whose
// `signature` — one line per weight's shape and dtype, the compile settings, fit's options, the
// distribution's settings — differs from rank 0's, rather than hanging in a reduction of
// mismatched sizes or mixing sums of different things.
void require_same_fit(Distribution& distribution, const std::string& where, const std::vector<std::string>& signature);

// Gives every process rank 0's weights, optimizer state and constant learning rate (what
// BackupAndRestore restored there, or rank 0's initial values), and returns rank 0's first epoch.
int share_start(Distribution& distribution, Model& model, int first_epoch);

// Gives every process rank 0's values of the weights training updates without gradients
// (BatchNormalization's moving statistics), as PyTorch's DistributedDataParallel does its buffers.
void share_statistics(Distribution& distribution, Model& model);

// Gives every process rank 0's states of `generators`, so that every process draws the same
// shuffle of the epoch.
void share_generators(Distribution& distribution, const std::vector<Generator*>& generators);
// Then, past the shuffle, reseeds them on every rank but 0 from their state and the rank, so that
// the shards' Dropout masks are independent of each other (rank 0 draws as one process would).
void diverge_generators(const Distribution& distribution, const std::vector<Generator*>& generators);

// This process's rows of a batch's tensors (undefined ones stay so): rows
// [n·rank/size, n·(rank+1)/size) of their n.
std::vector<Tensor> shard(const std::vector<Tensor>& tensors, std::int64_t rows, const Distribution& distribution);

// Gives every metric whose state is still empty here the size its state has on the processes where
// it is not (zeros); returns whether every metric now has a state on every process, after which
// sizes no longer change.
bool agree_state_sizes(Distribution& distribution, const std::vector<metrics::Metric*>& metrics);

// Sums a step's `sums` over the processes; the metrics' states, each `before` plus its increments
// (from `sums[first_metric]` on, one per sum of each metric's state in turn), become the sums' too.
void sum_step(Distribution& distribution, std::vector<double>& sums, const std::vector<metrics::Metric*>& metrics,
              const std::vector<metrics::Metric::State>& before, std::size_t first_metric);

// Whether any process asks to stop (a callback's stop_training on one rank stops them all).
bool any(Distribution& distribution, bool flag);

}  // namespace distributed_fit
}  // namespace minidl::models
