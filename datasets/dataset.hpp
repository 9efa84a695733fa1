#pragma once
// Datasets after tf.data and keras.utils: a source of elements — (x, y) pairs of tensor lists — read
// a piece at a time, so that data larger than memory can train a model, with the transformations
// people chain on them:
//   auto train = datasets::Dataset::from_tensor_slices(x, y).shuffle(1024, 42).batch(32).prefetch(2);
//   model.fit(train, {.epochs = 10});
//   for (auto batches = train.iterate(); auto element = batches.next();) { ... element->x[0] ... }
// A Dataset is a cheap-to-copy handle: transformations make new datasets and leave theirs alone.
// Each iterate() is a fresh pass from the start (a shuffle draws a new order each pass).
#include <minidl/core/tensor.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace minidl::datasets {

// One element: the model's inputs in input order, and its targets in output order (empty when the
// dataset has none). Before batch() a tensor is one sample; after, a batch.
struct Element {
  std::vector<Tensor> x;
  std::vector<Tensor> y;
};

// What cardinality() returns when a dataset never ends, or when it cannot tell without reading.
inline constexpr std::int64_t infinite_cardinality = -1;
inline constexpr std::int64_t unknown_cardinality = -2;

// One pass over a dataset.
class Iterator {
 public:
  class Source {
   public:
    virtual ~Source() = default;
    virtual std::optional<Element> next() = 0;
  };
  // `owner` (the dataset's node) is kept alive as long as the pass, which reads it.
  explicit Iterator(std::unique_ptr<Source> source, std::shared_ptr<const void> owner = nullptr);
  Iterator(Iterator&&) noexcept;
  Iterator& operator=(Iterator&&) noexcept;
  ~Iterator();
  // The next element, or nothing at the end of the pass.
  std::optional<Element> next();

 private:
  std::shared_ptr<const void> owner_;  // declared first: destroyed after the pass
  std::unique_ptr<Source> source_;
};

class Dataset {
 public:
  // What a dataset is made of: how to start a pass, and how many elements a pass gives.
  class Node {
   public:
    virtual ~Node() = default;
    virtual std::unique_ptr<Iterator::Source> start() const = 0;
    virtual std::int64_t cardinality() const = 0;
  };
  explicit Dataset(std::shared_ptr<const Node> node);

  // One element per sample of x and y, as tf.data's from_tensor_slices: row i of every tensor. All
  // tensors must have the same number of samples; y may be empty.
  static Dataset from_tensor_slices(std::vector<Tensor> x, std::vector<Tensor> y = {});
  static Dataset from_tensor_slices(const Tensor& x, const Tensor& y);
  // The elements a user's callable returns, until it returns nothing. `start` is called at the
  // beginning of each pass and returns the pass's callable.
  static Dataset from_generator(std::function<std::function<std::optional<Element>()>()> start,
                                std::int64_t cardinality = unknown_cardinality);

  // Each element through `function` (in the thread that reads the dataset: after prefetch(), its thread).
  Dataset map(std::function<Element(Element)> function) const;
  // Elements stacked `batch_size` at a time along a new first axis; the last batch is short unless
  // `drop_remainder`. Every element of a batch must have the same shapes and dtypes.
  Dataset batch(std::int64_t batch_size, bool drop_remainder = false) const;
  // tf.data's shuffle: a buffer of `buffer_size` elements, from which each element out is drawn at
  // random and replaced by the next one in. Each pass draws anew, from the seed and the pass's
  // number; without a seed, one is drawn from the global generator here.
  Dataset shuffle(std::int64_t buffer_size, std::optional<std::uint64_t> seed = std::nullopt) const;
  // The first `count` elements (all of them when count is −1).
  Dataset take(std::int64_t count) const;
  // tf.data's shard: the elements whose position is `index` modulo `num_shards`. What each
  // process of a data-parallel fit reads (docs/distributed.md): shard before batch, so that the
  // k-th batches of all shards together hold the elements of one process's k-th batch.
  Dataset shard(std::int64_t num_shards, std::int64_t index) const;
  // The dataset `count` times over (forever when −1); a pass that ends at once ends the repetition.
  Dataset repeat(std::int64_t count = -1) const;
  // Reads up to `buffer_size` elements ahead on a thread of its own, so that reading and the
  // transformations before this overlap with the caller's work. Errors reach the caller at next().
  Dataset prefetch(std::int64_t buffer_size = 2) const;

  Iterator iterate() const;
  // Elements in a pass: a count, infinite_cardinality or unknown_cardinality.
  std::int64_t cardinality() const;

 private:
  std::shared_ptr<const Node> node_;
};

}  // namespace minidl::datasets
