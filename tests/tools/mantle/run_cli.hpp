// Runs the built `mantle` binary with shell-quoted `args`; stdout and stderr together.
#pragma once
#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <cstdio>
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

} // namespace mantle::test
