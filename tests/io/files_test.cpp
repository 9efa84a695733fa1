// The savers' file primitives: a write replaces a file whole or not at all, and a read refuses
// what has no end or no size it could hold.
#include "../support/temporary.hpp"

#include <doctest/doctest.h>
#include <minidl/minidl.hpp>
#include <minidl/io/files.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace minidl;
namespace fs = std::filesystem;

namespace {

// The folder's entries other than `kept`: what a write left behind.
std::vector<std::string> leftovers(const fs::path& folder, const std::string& kept) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.path().filename() != kept) names.push_back(entry.path().filename().string());
  return names;
}

class AllocationLimitGuard {
 public:
  explicit AllocationLimitGuard(std::size_t bytes) : previous_(allocation_limit()) { set_allocation_limit(bytes); }
  ~AllocationLimitGuard() { set_allocation_limit(previous_); }

 private:
  std::size_t previous_;
};

}  // namespace

TEST_CASE("write_atomically replaces a file whole and leaves nothing else behind") {
  const fs::path folder = testing::temporary(("minidl_files_write_" + std::to_string(::getpid())).c_str());
  fs::remove_all(folder);
  fs::create_directories(folder);
  const std::string path = (folder / "state.bin").string();
  io::write_atomically(path, "first version", "test");
  CHECK(io::read_whole_file(path, "test") == "first version");
  const std::string longer(100000, 'x');
  io::write_atomically(path, longer, "test");
  CHECK(io::read_whole_file(path, "test") == longer);
  io::write_atomically(path, "", "test");
  CHECK(io::read_whole_file(path, "test").empty());
  CHECK(leftovers(folder, "state.bin").empty());
  fs::remove_all(folder);
}

TEST_CASE("write_atomically keeps a replaced file's permissions and a symbolic link, as a plain write would") {
  const fs::path folder = testing::temporary(("minidl_files_modes_" + std::to_string(::getpid())).c_str());
  fs::remove_all(folder);
  fs::create_directories(folder);
  const auto mode_of = [](const fs::path& path) {
    struct stat status {};
    REQUIRE(::stat(path.c_str(), &status) == 0);
    return status.st_mode & 07777;
  };
  // A replaced file keeps its mode, whatever the umask.
  const fs::path private_file = folder / "private.bin";
  io::write_atomically(private_file.string(), "old", "test");
  REQUIRE(::chmod(private_file.c_str(), 0600) == 0);
  io::write_atomically(private_file.string(), "new", "test");
  CHECK(mode_of(private_file) == 0600);
  CHECK(io::read_whole_file(private_file.string(), "test") == "new");
  // A new file gets 0666 less the umask.
  const mode_t previous = ::umask(027);
  io::write_atomically((folder / "fresh.bin").string(), "x", "test");
  ::umask(previous);
  CHECK(mode_of(folder / "fresh.bin") == 0640);
  // Through a link the target is replaced and the link stays a link.
  const fs::path link = folder / "latest.bin";
  fs::create_symlink("private.bin", link);
  io::write_atomically(link.string(), "through the link", "test");
  CHECK(fs::is_symlink(link));
  CHECK(io::read_whole_file(private_file.string(), "test") == "through the link");
  CHECK(mode_of(private_file) == 0600);
  // A dangling link: the file it names is created.
  const fs::path dangling = folder / "next.bin";
  fs::create_symlink("created.bin", dangling);
  io::write_atomically(dangling.string(), "made", "test");
  CHECK(fs::is_symlink(dangling));
  CHECK(io::read_whole_file((folder / "created.bin").string(), "test") == "made");
  fs::remove_all(folder);
}

TEST_CASE("remove_temporaries removes what a killed write left beside a file, and nothing else") {
  const fs::path folder = testing::temporary(("minidl_files_temporaries_" + std::to_string(::getpid())).c_str());
  fs::remove_all(folder);
  fs::create_directories(folder);
  // pid 999999999 is beyond any Linux pid, so no process owns its files; this process is alive.
  const std::string alive = "state.bin.tmp-" + std::to_string(::getpid()) + "-3";
  for (const std::string& name : {std::string("state.bin"), std::string("state.bin.tmp-999999999-0"),
                                  std::string("state.bin.tmp-999999999-12"), alive, std::string("state.bin.tmp-notes"),
                                  std::string("state.bin.old"), std::string("other.bin.tmp-999999999-0")})
    testing::write_file(folder / name, name);
  io::remove_temporaries((folder / "state.bin").string());
  std::vector<std::string> left = leftovers(folder, "state.bin");
  std::sort(left.begin(), left.end());
  CHECK(left == std::vector<std::string>{"other.bin.tmp-999999999-0", "state.bin.old", alive, "state.bin.tmp-notes"});
  CHECK(fs::exists(folder / "state.bin"));
  fs::remove_all(folder);
}

TEST_CASE("a write that fails names the step and leaves the old file and no temporary") {
  const fs::path folder = testing::temporary(("minidl_files_fail_" + std::to_string(::getpid())).c_str());
  fs::remove_all(folder);
  // The target is a folder that is not empty: every step succeeds but the rename.
  fs::create_directories(folder / "target" / "inside");
  const std::string target = (folder / "target").string();
  const std::string renaming = "save_weights: renaming " + target + ".tmp-";
  CHECK_THROWS_WITH_AS(io::write_atomically(target, "new", "save_weights"), doctest::Contains(renaming.c_str()), InvalidArgument);
  CHECK(fs::is_directory(folder / "target" / "inside"));
  CHECK(leftovers(folder, "target").empty());
  const std::string nowhere = (folder / "missing" / "state.bin").string();
  const std::string creating = "save_model: cannot create " + nowhere + ".tmp-";
  CHECK_THROWS_WITH_AS(io::write_atomically(nowhere, "new", "save_model"), doctest::Contains(creating.c_str()), InvalidArgument);
  fs::remove_all(folder);
}

TEST_CASE("read_whole_file refuses a missing path, a folder, a device, and a file over the allocation limit") {
  const fs::path folder = testing::temporary(("minidl_files_read_" + std::to_string(::getpid())).c_str());
  fs::remove_all(folder);
  fs::create_directories(folder);
  const std::string absent = (folder / "absent").string(), opening = "load_model: cannot open " + absent;
  CHECK_THROWS_WITH_AS(io::read_whole_file(absent, "load_model"), doctest::Contains(opening.c_str()), InvalidArgument);
  const std::string not_regular = "load_model: " + folder.string() + " is not a regular file";
  CHECK_THROWS_WITH_AS(io::read_whole_file(folder.string(), "load_model"), not_regular.c_str(), InvalidArgument);
  // Without O_NONBLOCK, opening a named pipe with no writer would wait forever.
  const std::string pipe = (folder / "pipe").string();
  REQUIRE(::mkfifo(pipe.c_str(), 0600) == 0);
  const std::string pipe_refused = "load_weights: " + pipe + " is not a regular file";
  // Without the check, reading /dev/zero would never end.
  models::Sequential model;
  model.add<layers::Dense>({.units = 2});
  model.build({1, 3});
  CHECK_THROWS_WITH_AS(models::load_weights(model, "/dev/zero"), "load_weights: /dev/zero is not a regular file", InvalidArgument);
  CHECK_THROWS_WITH_AS(models::load_weights(model, pipe), pipe_refused.c_str(), InvalidArgument);
  const std::string csv_refused = "load_csv: " + pipe + " is not a regular file";
  CHECK_THROWS_WITH_AS(io::load_csv(pipe), csv_refused.c_str(), InvalidArgument);
  const std::string csv_dataset_refused = "csv_dataset: " + pipe + " is not a regular file";
  CHECK_THROWS_WITH_AS(datasets::csv_dataset(pipe), csv_dataset_refused.c_str(), InvalidArgument);
  CHECK_THROWS_WITH_AS(datasets::csv_dataset("/dev/zero"), "csv_dataset: /dev/zero is not a regular file", InvalidArgument);

  const std::string path = (folder / "big.bin").string();
  std::ofstream(path, std::ios::binary) << std::string(4096, 'x');
  {
    const AllocationLimitGuard limit(1024);
    CHECK_THROWS_WITH_AS(io::read_whole_file(path, "load_weights"),
                         doctest::Contains("its 4096 bytes are over the allocation limit of 1024 bytes"), MemoryError);
  }
  CHECK(io::read_whole_file(path, "load_weights").size() == 4096);
  fs::remove_all(folder);
}
