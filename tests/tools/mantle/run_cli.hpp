// Runs the built `mantle` binary with shell-quoted `args`; stdout and stderr together.
#pragma once
#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <chrono>
#include <cstdio>
#include <thread>
#include <string>

namespace mantle::test {

struct run_result {
  int code;
  std::string out;
};

inline run_result run_cli(const std::string& args) {
  std::string cmd = std::string(MANTLE_BINARY_DIR) + "/mantle " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

// Runs `args` until `done(result)` or 90 s pass; returns the last result (no timing asserted:
// the deadline only keeps a broken build from hanging).
template <class F>
run_result poll_cli(const std::string& args, F&& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  for (;;) {
    auto r = run_cli(args);
    if (done(r) || std::chrono::steady_clock::now() > deadline)
      return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

} // namespace mantle::test
