// Another process on the machine, for bench/run.sh --busy: it spins for `share` of every period and
// sleeps the rest, so that it takes about that share of one core, until it is stopped.
//   busy_neighbour [--share 0.33] [--period-ms 3]
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <string>
#include <sys/prctl.h>
#include <thread>
#include <unistd.h>

int main(int argc, char** argv) {
  double share = 1.0 / 3.0, period_ms = 3.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string argument = argv[i];
    if (argument == "--share") share = std::stod(argv[i + 1]);
    else if (argument == "--period-ms") period_ms = std::stod(argv[i + 1]);
  }
  if (argc % 2 == 0 || share <= 0 || share > 1 || period_ms <= 0) {
    std::fputs("usage: busy_neighbour [--share S in (0, 1]] [--period-ms P > 0]\n", stderr);
    return 2;
  }
  // Ends with the script that started it, however the script ends.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() == 1) return 0;
  using clock = std::chrono::steady_clock;
  const auto period = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double, std::milli>(period_ms));
  const auto busy = std::chrono::duration_cast<clock::duration>(period * share);
  volatile std::uint64_t spins = 0;
  // Periods are laid end to end on the clock, so that a late wake-up shortens the next sleep
  // rather than lowering the share.
  for (auto start = clock::now();; start += period) {
    while (clock::now() < start + busy) spins = spins + 1;
    std::this_thread::sleep_until(start + period);
  }
}
