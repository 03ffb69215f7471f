// A mantled process for CLI tests: dev chain (no --genesis, a block a second), RPC on a free
// loopback port, output in a log file in its data dir's parent; killed when the test ends.
#pragma once
#include <catch2/catch.hpp>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/types.h>
#include <string>
#include <vector>

namespace mantle::test {

inline int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

struct dev_node {
  pid_t pid = -1;
  std::string api; // 127.0.0.1:PORT
  std::string log;

  // Starts mantled and waits until its RPC answers. The free port is only probed, so another
  // program may take it first: a node that exits at start is started again on another port.
  dev_node(const std::string& data_dir, const std::string& log_path) : log(log_path) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      launch(data_dir);
      for (int i = 0; i < 600 && alive(); ++i) { // 30 s for the RPC to answer
        if (rpc_answers())
          return;
        usleep(50000);
      }
      if (pid > 0 && alive())
        break;
      pid = -1;
    }
    FAIL("mantled did not start (log: " << log << ")");
  }

  void launch(const std::string& data_dir) {
    api = "127.0.0.1:" + std::to_string(free_loopback_port());
    std::string bin = std::string(MANTLE_BINARY_DIR) + "/mantled";
    std::vector<std::string> args{bin, "--data-dir", data_dir, "--rpc-addr", api, "--gateway-addr", "127.0.0.1:0", "--console-addr", "127.0.0.1:0",
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

  bool rpc_answers() const {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
      return false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(std::stoi(api.substr(api.find(':') + 1))));
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
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
