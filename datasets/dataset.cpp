// The dataset nodes: sources (tensors, a user's callable) and the transformations that keep to
// one thread (map, batch, shuffle, take, repeat); prefetch is in prefetch.cpp.
#include <minidl/datasets/dataset.hpp>

#include <minidl/core/errors.hpp>
#include <minidl/core/random.hpp>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fmt/format.h>

namespace minidl::datasets {

Iterator::Iterator(std::unique_ptr<Source> source, std::shared_ptr<const void> owner)
    : owner_(std::move(owner)), source_(std::move(source)) {}
Iterator::Iterator(Iterator&&) noexcept = default;
Iterator& Iterator::operator=(Iterator&& other) noexcept {
  source_.reset();  // the pass first: it reads its node, which owner_ keeps alive
  owner_ = std::move(other.owner_);
  source_ = std::move(other.source_);
  return *this;
}
Iterator::~Iterator() = default;
std::optional<Element> Iterator::next() { return source_->next(); }

Dataset::Dataset(std::shared_ptr<const Node> node) : node_(std::move(node)) {}
Iterator Dataset::iterate() const { return Iterator(node_->start(), node_); }
std::int64_t Dataset::cardinality() const { return node_->cardinality(); }

namespace {

// Row `index` of `source` as a tensor of its own (the sample's shape, without the first axis).
Tensor row_of(const Tensor& source, std::int64_t index) {
  Shape shape(source.shape().begin() + 1, source.shape().end());
  Tensor row = Tensor::empty(shape, source.dtype());
  dispatch(source.dtype(), [&]<class T>() {
    std::memcpy(row.data<T>(), source.data<T>() + index * row.size(), std::size_t(row.size()) * sizeof(T));
  });
  return row;
}

class TensorSlices : public Dataset::Node {
 public:
  TensorSlices(std::vector<Tensor> x, std::vector<Tensor> y) {
    if (x.empty()) throw_invalid_argument("Dataset.from_tensor_slices", "x", "expected at least one tensor", "none");
    for (auto* list : {&x, &y})
      for (auto& tensor : *list) {
        if (!tensor.defined() || tensor.ndim() == 0)
          throw_invalid_argument("Dataset.from_tensor_slices", list == &x ? "x" : "y", "expected tensors with a first (sample) axis",
                                 tensor.defined() ? "a scalar" : "an undefined tensor");
        if (tensor.dim(0) != x[0].dim(0))
          throw ShapeError(fmt::format("Dataset.from_tensor_slices: every tensor needs the same number of samples, received {} and {}",
                                       shape_to_string(x[0].shape()), shape_to_string(tensor.shape())));
        tensor = tensor.contiguous();
      }
    x_ = std::move(x);
    y_ = std::move(y);
  }

  std::unique_ptr<Iterator::Source> start() const override {
    struct Pass : Iterator::Source {
      const TensorSlices& slices;
      std::int64_t index = 0;
      explicit Pass(const TensorSlices& owner) : slices(owner) {}
      std::optional<Element> next() override {
        if (index == slices.x_[0].dim(0)) return std::nullopt;
        Element element;
        for (const auto& tensor : slices.x_) element.x.push_back(row_of(tensor, index));
        for (const auto& tensor : slices.y_) element.y.push_back(row_of(tensor, index));
        ++index;
        return element;
      }
    };
    return std::make_unique<Pass>(*this);
  }
  std::int64_t cardinality() const override { return x_[0].dim(0); }

 private:
  std::vector<Tensor> x_, y_;
};

class FromGenerator : public Dataset::Node {
 public:
  FromGenerator(std::function<std::function<std::optional<Element>()>()> start, std::int64_t cardinality)
      : start_(std::move(start)), cardinality_(cardinality) {}
  std::unique_ptr<Iterator::Source> start() const override {
    struct Pass : Iterator::Source {
      std::function<std::optional<Element>()> function;
      std::optional<Element> next() override { return function(); }
    };
    auto pass = std::make_unique<Pass>();
    pass->function = start_();
    return pass;
  }
  std::int64_t cardinality() const override { return cardinality_; }

 private:
  std::function<std::function<std::optional<Element>()>()> start_;
  std::int64_t cardinality_;
};

// A node over one upstream dataset.
class Transformation : public Dataset::Node {
 public:
  explicit Transformation(Dataset upstream) : upstream_(std::move(upstream)) {}

 protected:
  Dataset upstream_;
};

class Map : public Transformation {
 public:
  Map(Dataset upstream, std::function<Element(Element)> function) : Transformation(std::move(upstream)), function_(std::move(function)) {}
  std::unique_ptr<Iterator::Source> start() const override {
    struct Pass : Iterator::Source {
      Iterator upstream;
      const std::function<Element(Element)>& function;
      Pass(Iterator iterator, const std::function<Element(Element)>& f) : upstream(std::move(iterator)), function(f) {}
      std::optional<Element> next() override {
        auto element = upstream.next();
        if (!element) return std::nullopt;
        return function(std::move(*element));
      }
    };
    return std::make_unique<Pass>(upstream_.iterate(), function_);
  }
  std::int64_t cardinality() const override { return upstream_.cardinality(); }

 private:
  std::function<Element(Element)> function_;
};

// Stacks the i-th tensor of each element along a new first axis.
Tensor stack_component(const std::vector<Element>& elements, bool targets, std::size_t component) {
  const auto pick = [&](const Element& element) -> const Tensor& { return targets ? element.y[component] : element.x[component]; };
  const Tensor& first = pick(elements[0]);
  Shape shape = first.shape();
  shape.insert(shape.begin(), std::int64_t(elements.size()));
  Tensor stacked = Tensor::empty(shape, first.dtype());
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const Tensor& part = pick(elements[i]);
    if (part.shape() != first.shape() || part.dtype() != first.dtype())
      throw ShapeError(fmt::format("Dataset.batch: element {} of a batch has {}[{}] of shape {} and dtype {}, where the first has {} and {}",
                                   i, targets ? "y" : "x", component, shape_to_string(part.shape()), dtype_name(part.dtype()),
                                   shape_to_string(first.shape()), dtype_name(first.dtype())));
    const Tensor packed = part.contiguous();
    dispatch(first.dtype(), [&]<class T>() {
      std::memcpy(stacked.data<T>() + std::int64_t(i) * first.size(), packed.data<T>(), std::size_t(first.size()) * sizeof(T));
    });
  }
  return stacked;
}

class Batch : public Transformation {
 public:
  Batch(Dataset upstream, std::int64_t batch_size, bool drop_remainder)
      : Transformation(std::move(upstream)), batch_size_(batch_size), drop_remainder_(drop_remainder) {
    if (batch_size < 1) throw_invalid_argument("Dataset.batch", "batch_size", "expected a positive integer", std::to_string(batch_size));
  }
  std::unique_ptr<Iterator::Source> start() const override {
    struct Pass : Iterator::Source {
      Iterator upstream;
      const Batch& batch;
      Pass(Iterator iterator, const Batch& owner) : upstream(std::move(iterator)), batch(owner) {}
      std::optional<Element> next() override {
        std::vector<Element> elements;
        while (std::int64_t(elements.size()) < batch.batch_size_)
          if (auto element = upstream.next()) elements.push_back(std::move(*element));
          else break;
        if (elements.empty() || (batch.drop_remainder_ && std::int64_t(elements.size()) < batch.batch_size_)) return std::nullopt;
        for (std::size_t i = 1; i < elements.size(); ++i)
          if (elements[i].x.size() != elements[0].x.size() || elements[i].y.size() != elements[0].y.size())
            throw ShapeError(fmt::format("Dataset.batch: element {} of a batch has {} x and {} y tensors, where the first has {} and {}", i,
                                         elements[i].x.size(), elements[i].y.size(), elements[0].x.size(), elements[0].y.size()));
        Element stacked;
        for (std::size_t i = 0; i < elements[0].x.size(); ++i) stacked.x.push_back(stack_component(elements, false, i));
        for (std::size_t i = 0; i < elements[0].y.size(); ++i) stacked.y.push_back(stack_component(elements, true, i));
        return stacked;
      }
    };
    return std::make_unique<Pass>(upstream_.iterate(), *this);
  }
  std::int64_t cardinality() const override {
    const std::int64_t n = upstream_.cardinality();
    if (n < 0) return n;
    return drop_remainder_ ? n / batch_size_ : n / batch_size_ + (n % batch_size_ != 0);
  }

 private:
  std::int64_t batch_size_;
  bool drop_remainder_;
};

class Shuffle : public Transformation {
 public:
  // Unseeded, the seed is drawn here, on the caller's thread: a pass may start on a prefetch
  // thread (inside repeat), which must not touch the global generator.
  Shuffle(Dataset upstream, std::int64_t buffer_size, std::optional<std::uint64_t> seed)
      : Transformation(std::move(upstream)), buffer_size_(buffer_size), seed_(seed ? *seed : global_generator().next()) {
    if (buffer_size < 1)
      throw_invalid_argument("Dataset.shuffle", "buffer_size", "expected a positive integer", std::to_string(buffer_size));
  }
  std::unique_ptr<Iterator::Source> start() const override {
    struct Pass : Iterator::Source {
      Iterator upstream;
      std::int64_t capacity;
      Generator generator;
      std::vector<Element> buffer;
      bool upstream_done = false;
      Pass(Iterator iterator, std::int64_t buffer_size, std::uint64_t seed)
          : upstream(std::move(iterator)), capacity(buffer_size), generator(seed) {}
      std::optional<Element> next() override {
        while (!upstream_done && std::int64_t(buffer.size()) < capacity) {
          if (auto element = upstream.next()) buffer.push_back(std::move(*element));
          else upstream_done = true;
        }
        if (buffer.empty()) return std::nullopt;
        const auto pick = std::size_t(generator.next() % buffer.size());
        std::swap(buffer[pick], buffer.back());
        Element element = std::move(buffer.back());
        buffer.pop_back();
        return element;
      }
    };
    // Each pass its own order, from the seed and the pass's number.
    return std::make_unique<Pass>(upstream_.iterate(), buffer_size_, seed_ * 0x9E3779B97F4A7C15ull + passes_++);
  }
  std::int64_t cardinality() const override { return upstream_.cardinality(); }

 private:
  std::int64_t buffer_size_;
  std::uint64_t seed_;
  mutable std::atomic<std::uint64_t> passes_ = 0;
};

class Take : public Transformation {
 public:
  Take(Dataset upstream, std::int64_t count) : Transformation(std::move(upstream)), count_(count) {
    if (count < -1) throw_invalid_argument("Dataset.take", "count", "expected a count >= 0, or -1 for all", std::to_string(count));
  }
  std::unique_ptr<Iterator::Source> start() const override {
    struct Pass : Iterator::Source {
      Iterator upstream;
      std::int64_t left;
      Pass(Iterator iterator, std::int64_t count) : upstream(std::move(iterator)), left(count) {}
      std::optional<Element> next() override {
        if (left == 0) return std::nullopt;
        if (left > 0) --left;
        return upstream.next();
      }
    };
    return std::make_unique<Pass>(upstream_.iterate(), count_);
  }
  std::int64_t cardinality() const override {
    const std::int64_t n = upstream_.cardinality();
    if (count_ == -1) return n;
    if (n == infinite_cardinality) return count_;
    return n == unknown_cardinality ? n : std::min(n, count_);
  }

 private:
  std::int64_t count_;
};

class Shard : public Transformation {
 public:
  Shard(Dataset upstream, std::int64_t shards, std::int64_t index) : Transformation(std::move(upstream)), shards_(shards), index_(index) {
    if (shards < 1) throw_invalid_argument("Dataset.shard", "num_shards", "expected a positive count", std::to_string(shards));
    if (index < 0 || index >= shards)
      throw_invalid_argument("Dataset.shard", "index", fmt::format("expected an index in [0, num_shards={})", shards), std::to_string(index));
  }
  std::unique_ptr<Iterator::Source> start() const override {
    struct Pass : Iterator::Source {
      Iterator upstream;
      std::int64_t shards, index;
      bool started = false;
      Pass(Iterator iterator, std::int64_t shard_count, std::int64_t shard_index)
          : upstream(std::move(iterator)), shards(shard_count), index(shard_index) {}
      std::optional<Element> next() override {
        // Skip to this shard's first element, then `shards` − 1 elements between each.
        for (std::int64_t skip = started ? shards - 1 : index; skip > 0; --skip)
          if (!upstream.next()) return std::nullopt;
        started = true;
        return upstream.next();
      }
    };
    return std::make_unique<Pass>(upstream_.iterate(), shards_, index_);
  }
  std::int64_t cardinality() const override {
    const std::int64_t n = upstream_.cardinality();
    if (n < 0) return n;
    return n / shards_ + (index_ < n % shards_);
  }

 private:
  std::int64_t shards_, index_;
};

class Repeat : public Transformation {
 public:
  Repeat(Dataset upstream, std::int64_t count) : Transformation(std::move(upstream)), count_(count) {
    if (count < -1) throw_invalid_argument("Dataset.repeat", "count", "expected a count >= 0, or -1 for ever", std::to_string(count));
  }
  std::unique_ptr<Iterator::Source> start() const override {
    struct Pass : Iterator::Source {
      const Repeat& repeat;
      std::optional<Iterator> upstream;
      std::int64_t passes_done = 0;
      explicit Pass(const Repeat& owner) : repeat(owner) {}
      std::optional<Element> next() override {
        while (repeat.count_ == -1 || passes_done < repeat.count_) {
          const bool fresh = !upstream;
          if (fresh) upstream = repeat.upstream_.iterate();
          if (auto element = upstream->next()) return element;
          upstream.reset();
          ++passes_done;
          // A pass that ends at once would end every pass at once: repeating it would spin for ever.
          if (fresh) return std::nullopt;
        }
        return std::nullopt;
      }
    };
    return std::make_unique<Pass>(*this);
  }
  std::int64_t cardinality() const override {
    const std::int64_t n = upstream_.cardinality();
    if (count_ == 0 || n == 0) return 0;
    if (count_ == -1 || n < 0) return count_ == -1 ? infinite_cardinality : n;
    return n * count_;
  }

 private:
  std::int64_t count_;
};

}  // namespace

std::shared_ptr<const Dataset::Node> prefetch_node(Dataset upstream, std::int64_t buffer_size);

Dataset Dataset::from_tensor_slices(std::vector<Tensor> x, std::vector<Tensor> y) {
  return Dataset(std::make_shared<TensorSlices>(std::move(x), std::move(y)));
}
Dataset Dataset::from_tensor_slices(const Tensor& x, const Tensor& y) {
  return from_tensor_slices(std::vector<Tensor>{x}, std::vector<Tensor>{y});
}
Dataset Dataset::from_generator(std::function<std::function<std::optional<Element>()>()> start, std::int64_t cardinality) {
  return Dataset(std::make_shared<FromGenerator>(std::move(start), cardinality));
}
Dataset Dataset::map(std::function<Element(Element)> function) const { return Dataset(std::make_shared<Map>(*this, std::move(function))); }
Dataset Dataset::batch(std::int64_t batch_size, bool drop_remainder) const {
  return Dataset(std::make_shared<Batch>(*this, batch_size, drop_remainder));
}
Dataset Dataset::shuffle(std::int64_t buffer_size, std::optional<std::uint64_t> seed) const {
  return Dataset(std::make_shared<Shuffle>(*this, buffer_size, seed));
}
Dataset Dataset::take(std::int64_t count) const { return Dataset(std::make_shared<Take>(*this, count)); }
Dataset Dataset::shard(std::int64_t num_shards, std::int64_t index) const {
  return Dataset(std::make_shared<Shard>(*this, num_shards, index));
}
Dataset Dataset::repeat(std::int64_t count) const { return Dataset(std::make_shared<Repeat>(*this, count)); }
Dataset Dataset::prefetch(std::int64_t buffer_size) const { return Dataset(prefetch_node(*this, buffer_size)); }

}  // namespace minidl::datasets
