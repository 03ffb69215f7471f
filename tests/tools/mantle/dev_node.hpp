// A mantled process for CLI tests: dev chain (no --genesis, a block a second), RPC on a
// loopback port the kernel picks, output in a log file in its data dir's parent; killed when
// the test ends.
#pragma once
#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/types.h>
#include <fstream>
#include <string>
#include <vector>

namespace mantle::test {

struct dev_node {
  pid_t pid = -1;
  std::string api; // 127.0.0.1:PORT
  std::string log;

  // Starts mantled with its RPC on a port the kernel picks and reads that port from the log.
  // (Probing for a free port and passing it lost a race under parallel tests: another node's
  // port-0 gateway took the port, and the test then talked to the wrong server.)
  dev_node(const std::string& data_dir, const std::string& log_path) : log(log_path) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto from = log_size();
      launch(data_dir);
      for (int i = 0; i < 600 && alive(); ++i) { // 30 s for the RPC to listen
        if (auto a = rpc_address_in_log(from); !a.empty()) {
          api = a;
          return;
        }
        usleep(50000);
      }
      if (pid > 0 && alive())
        break;
      pid = -1;
    }
    FAIL("mantled did not start (log: " << log << ")");
  }

  void launch(const std::string& data_dir) {
    std::string bin = std::string(MANTLE_BINARY_DIR) + "/mantled";
    std::vector<std::string> args{bin, "--data-dir", data_dir, "--rpc-addr", "127.0.0.1:0", "--gateway-addr", "127.0.0.1:0", "--console-addr", "127.0.0.1:0",
                                  "--peer-addr", "127.0.0.1:0", "--threads", "2"};
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
      std::vector<char*> argv;
      for (auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
  }

  std::streamoff log_size() const {
    std::ifstream in(log, std::ios::binary | std::ios::ate);
    return in ? static_cast<std::streamoff>(in.tellg()) : 0;
  }

  // "127.0.0.1:PORT" from the node's "Kubo RPC API listening on http://…/api/v0" line written
  // after `from`; empty until it is there.
  std::string rpc_address_in_log(std::streamoff from) const {
    std::ifstream in(log, std::ios::binary);
    in.seekg(from);
    const std::string mark = "Kubo RPC API listening on http://";
    std::string line;
    while (std::getline(in, line)) {
      auto at = line.find(mark);
      if (at == std::string::npos)
        continue;
      auto addr = line.substr(at + mark.size());
      return addr.substr(0, addr.find('/'));
    }
    return {};
  }

  ~dev_node() {
    if (pid <= 0)
      return;
    kill(pid, SIGTERM);
    for (int i = 0; i < 200; ++i) { // a clean stop, or SIGKILL after 10 s
      if (waitpid(pid, nullptr, WNOHANG) == pid)
        return;
      usleep(50000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  dev_node(const dev_node&) = delete;
  dev_node& operator=(const dev_node&) = delete;

  bool alive() const { return pid > 0 && waitpid(pid, nullptr, WNOHANG) == 0; }
};

} // namespace mantle::test
