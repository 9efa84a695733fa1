// prefetch(): a pass of the upstream dataset runs on a thread of its own and fills a bounded queue
// that next() empties; the thread stops when the pass ends, fails, or the iterator is destroyed.
#include <minidl/datasets/dataset.hpp>

#include <minidl/core/errors.hpp>

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

namespace minidl::datasets {

namespace {

class PrefetchPass : public Iterator::Source {
 public:
  PrefetchPass(Iterator upstream, std::int64_t capacity) : capacity_(std::size_t(capacity)) {
    worker_ = std::thread([this, upstream = std::move(upstream)]() mutable { fill(upstream); });
  }

  ~PrefetchPass() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    worker_.join();
  }

  std::optional<Element> next() override {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !queue_.empty() || finished_; });
    if (!queue_.empty()) {
      Element element = std::move(queue_.front());
      queue_.pop_front();
      changed_.notify_all();
      return element;
    }
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
    return std::nullopt;
  }

 private:
  void fill(Iterator& upstream) {
    for (;;) {
      std::optional<Element> element;
      try {
        element = upstream.next();
      } catch (...) {
        std::lock_guard lock(mutex_);
        error_ = std::current_exception();
        finished_ = true;
        changed_.notify_all();
        return;
      }
      std::unique_lock lock(mutex_);
      if (!element) {
        finished_ = true;
        changed_.notify_all();
        return;
      }
      changed_.wait(lock, [&] { return queue_.size() < capacity_ || stopping_; });
      if (stopping_) return;
      queue_.push_back(std::move(*element));
      changed_.notify_all();
    }
  }

  std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Element> queue_;
  bool finished_ = false, stopping_ = false;
  std::exception_ptr error_;
  std::thread worker_;
};

class Prefetch : public Dataset::Node {
 public:
  Prefetch(Dataset upstream, std::int64_t buffer_size) : upstream_(std::move(upstream)), buffer_size_(buffer_size) {
    if (buffer_size < 1)
      throw_invalid_argument("Dataset.prefetch", "buffer_size", "expected a positive integer", std::to_string(buffer_size));
  }
  std::unique_ptr<Iterator::Source> start() const override { return std::make_unique<PrefetchPass>(upstream_.iterate(), buffer_size_); }
  std::int64_t cardinality() const override { return upstream_.cardinality(); }

 private:
  Dataset upstream_;
  std::int64_t buffer_size_;
};

}  // namespace

std::shared_ptr<const Dataset::Node> prefetch_node(Dataset upstream, std::int64_t buffer_size) {
  return std::make_shared<Prefetch>(std::move(upstream), buffer_size);
}

}  // namespace minidl::datasets
