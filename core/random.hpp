#pragma once
// Seedable random number generation, so that every run with the same seed is the same run.
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

namespace minidl {

class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0) : state_{std::mt19937_64(seed)} {}
  // A copy takes the state only: a copy of the global generator is a generator of one's own.
  Generator(const Generator& other) : state_(other.locked_state()) {}
  Generator& operator=(const Generator& other);
  void seed(std::uint64_t seed);
  // Uniform on [0, 1), from the top 53 bits of one draw.
  double uniform() {
    const auto held = lock();
    return static_cast<double>(state_.engine() >> 11) * 0x1.0p-53;
  }
  // Standard normal (Box–Muller, both values used).
  double normal();
  std::uint64_t next() {
    const auto held = lock();
    return state_.engine();
  }
  // Holds the global generator, which every thread shares, for a block of draws, so that no other
  // thread's draws come between them, and locks it once rather than per draw (as PyTorch locks its
  // default generator once per op). Every draw takes it too. Any other generator has no lock, and
  // belongs to one thread at a time.
  [[nodiscard]] std::unique_lock<std::recursive_mutex> lock() const {
    return mutex_ ? std::unique_lock(*mutex_) : std::unique_lock<std::recursive_mutex>();
  }

  // The whole state as text, and back: what a backup stores so that a resumed run draws the same
  // numbers. set_state throws InvalidArgument naming `where` for text state() did not write.
  std::string state() const;
  void set_state(const std::string& state, std::string_view where);

 private:
  friend Generator& global_generator();
  Generator(std::uint64_t seed, std::recursive_mutex& mutex) : state_{std::mt19937_64(seed)}, mutex_(&mutex) {}
  struct State {
    std::mt19937_64 engine;
    bool has_spare = false;
    double spare = 0.0;
  };
  State locked_state() const {
    const auto held = lock();
    return state_;
  }
  State state_;
  std::recursive_mutex* mutex_ = nullptr;
};

// The generator that unseeded random creation and initializers draw from, shared by every thread
// under a lock (Generator::lock): a seeded program draws the same numbers as long as one thread
// draws from it; draws from several threads at once are whole, but in no set order.
Generator& global_generator();
// Makes every later unseeded draw reproducible.
void seed_global_generator(std::uint64_t seed);

}  // namespace minidl
