// A kill at any moment of a save leaves the old file or the new one, whole: a process replacing a
// file in a loop is killed with SIGKILL at random moments, most of them inside a write.
#include "../support/child_process.hpp"
#include "../support/temporary.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using minidl::testing::ChildProcess;
using minidl::testing::read_file;

bool holds_temporary(const fs::path& folder) {
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.path().filename().string().find(".tmp-") != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("a save killed at any moment leaves the old file or the new one, whole") {
  const fs::path folder = fs::temp_directory_path() / ("minidl_kill_write_" + std::to_string(::getpid()));
  fs::remove_all(folder);
  fs::create_directories(folder);
  const fs::path target = folder / "state.bin";
  constexpr std::size_t size = std::size_t{4} << 20;  // as write_worker.cpp writes
  std::string whole[] = {std::string(size, 'a'), std::string(size, 'b')};
  whole[0][0] = 'A';
  whole[1][0] = 'B';

  const auto seed = std::random_device{}();
  INFO("kill-moment seed " << seed);
  std::mt19937 moments(seed);
  std::uniform_int_distribution<int> microseconds(0, 20000);
  constexpr int kills = 40;
  int inside_a_write = 0;
  for (int kill = 0; kill < kills; ++kill) {
    const fs::path started = folder / "started";
    ChildProcess worker({MINIDL_WRITE_WORKER, target.string(), started.string()});
    // The kill comes at a random moment after the worker's first write is complete: inside one
    // of the next, or between two.
    const auto begun = std::chrono::steady_clock::now();
    while (!fs::exists(started) && std::chrono::steady_clock::now() - begun < std::chrono::seconds(20))
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    REQUIRE(fs::exists(started));
    std::this_thread::sleep_for(std::chrono::microseconds(microseconds(moments)));
    const int status = worker.kill_now();
    REQUIRE((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));  // not a crash of its own
    if (holds_temporary(folder)) ++inside_a_write;
    const std::string found = read_file(target);
    CHECK((found == whole[0] || found == whole[1]));
    for (const auto& entry : fs::directory_iterator(folder))
      if (entry.path() != target) fs::remove(entry.path());  // the temporary file and `started`
  }
  MESSAGE("kills: " << kills << ", of which inside a write (a temporary file was left): " << inside_a_write);
  CHECK(inside_a_write >= kills / 4);
  fs::remove_all(folder);
}
