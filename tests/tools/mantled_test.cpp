// Runs the built mantled binary as a process: start, identity, lock, signals, exit codes.
#include <catch2/catch.hpp>
#include "tests/temp_dir.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

struct process {
  pid_t pid = -1;
  int out = -1; // child's stdout
  int err = -1; // child's stderr
  std::string out_text, err_text;

  explicit process(std::vector<std::string> args) {
    std::string bin = std::string(MANTLE_BINARY_DIR) + "/mantled";
    int o[2], e[2];
    REQUIRE(pipe2(o, O_CLOEXEC) == 0);
    REQUIRE(pipe2(e, O_CLOEXEC) == 0);
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      dup2(o[1], 1);
      dup2(e[1], 2);
      std::vector<char*> argv{const_cast<char*>(bin.c_str())};
      for (auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
    close(o[1]);
    close(e[1]);
    out = o[0];
    err = e[0];
  }

  ~process() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    close(out);
    close(err);
  }

  // Reads both pipes until `needle` shows up on stdout, EOF, or the deadline.
  bool wait_for_stdout(const std::string& needle, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (out_text.find(needle) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !pump(static_cast<int>(left.count())))
        return out_text.find(needle) != std::string::npos;
    }
    return true;
  }

  // One poll round; false when both pipes are closed or nothing arrived in time.
  bool pump(int timeout_ms) {
    pollfd fds[2] = {{out, POLLIN, 0}, {err, POLLIN, 0}};
    if (poll(fds, 2, timeout_ms) <= 0)
      return false;
    bool any = false;
    char buf[4096];
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP)))
        continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? out_text : err_text).append(buf, static_cast<size_t>(n));
        any = true;
      }
    }
    return any;
  }

  // Waits for the exit code (-1 on timeout or a signal death), draining output meanwhile.
  int wait_exit(std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      int st = 0;
      pid_t r = waitpid(pid, &st, WNOHANG);
      if (r == pid) {
        pid = -1;
        while (pump(0)) {
        }
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
      }
      pump(20);
    }
    return -1;
  }

  std::string peer_id() const {
    auto at = out_text.find("peer identity: ");
    if (at == std::string::npos)
      return {};
    auto start = at + 15;
    return out_text.substr(start, out_text.find('\n', start) - start);
  }
};

} // namespace

TEST_CASE("mantled starts, prints its peer id, refuses a shared data dir, stops on SIGTERM", "[tools][mantled]") {
  mantle::test::temp_dir dir{"mantled-test"};
  std::string data = dir.path + "/node";
  std::string first_id;
  {
    process node({"--data-dir", data, "--threads", "2", "--rpc-addr", "127.0.0.1:0", "--gateway-addr", "127.0.0.1:0", "--console-addr", "127.0.0.1:0", "--peer-addr", "127.0.0.1:0"});
    REQUIRE(node.wait_for_stdout("\n", std::chrono::seconds(10)));
    first_id = node.peer_id();
    CHECK(first_id.substr(0, 8) == "12D3KooW");
    CHECK(first_id.size() == 52);

    process second({"--data-dir", data});
    CHECK(second.wait_exit(std::chrono::seconds(10)) == 1);
    CHECK_THAT(second.err_text, Catch::Contains("in use by another mantled"));

    REQUIRE(kill(node.pid, SIGTERM) == 0);
    CHECK(node.wait_exit(std::chrono::seconds(10)) == 0);
    CHECK_THAT(node.err_text, Catch::Contains("stopped cleanly"));
  }
  {
    process again({"--data-dir", data, "--rpc-addr", "127.0.0.1:0", "--gateway-addr", "127.0.0.1:0", "--console-addr", "127.0.0.1:0", "--peer-addr", "127.0.0.1:0"});
    REQUIRE(again.wait_for_stdout("\n", std::chrono::seconds(10)));
    CHECK(again.peer_id() == first_id); // the key file is loaded, not regenerated
    REQUIRE(kill(again.pid, SIGINT) == 0);
    CHECK(again.wait_exit(std::chrono::seconds(10)) == 0);
  }
}

TEST_CASE("mantled exits 2 on bad options and 0 on --help/--version", "[tools][mantled]") {
  process bad({"--no-such-option"});
  CHECK(bad.wait_exit(std::chrono::seconds(10)) == 2);
  CHECK_THAT(bad.err_text, Catch::Contains("unknown option '--no-such-option'"));

  process bad_value({"--storage-max", "lots"});
  CHECK(bad_value.wait_exit(std::chrono::seconds(10)) == 2);
  CHECK_THAT(bad_value.err_text, Catch::Contains("--storage-max: invalid size 'lots'"));

  process help({"--help"});
  CHECK(help.wait_exit(std::chrono::seconds(10)) == 0);
  CHECK_THAT(help.out_text, Catch::Contains("--restart-window") && Catch::Contains("[default: 10s]"));

  process version({"--version"});
  CHECK(version.wait_exit(std::chrono::seconds(10)) == 0);
  CHECK_THAT(version.out_text, Catch::StartsWith("mantled "));
}

TEST_CASE("mantled refuses an identity key readable by others", "[tools][mantled]") {
  mantle::test::temp_dir dir{"mantled-test"};
  {
    process node({"--data-dir", dir.path, "--rpc-addr", "127.0.0.1:0", "--gateway-addr", "127.0.0.1:0", "--console-addr", "127.0.0.1:0", "--peer-addr", "127.0.0.1:0"});
    REQUIRE(node.wait_for_stdout("\n", std::chrono::seconds(10)));
    kill(node.pid, SIGTERM);
    REQUIRE(node.wait_exit(std::chrono::seconds(10)) == 0);
  }
  REQUIRE(chmod((dir.path + "/identity.key").c_str(), 0644) == 0);
  process node({"--data-dir", dir.path, "--rpc-addr", "127.0.0.1:0", "--gateway-addr", "127.0.0.1:0", "--console-addr", "127.0.0.1:0", "--peer-addr", "127.0.0.1:0"});
  CHECK(node.wait_exit(std::chrono::seconds(10)) == 1);
  CHECK_THAT(node.err_text, Catch::Contains("chmod 600"));
  CHECK(node.out_text.empty());
}
