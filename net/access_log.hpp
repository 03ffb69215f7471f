// Access log: one line per HTTP request in the "combined" log format, extended with the
// response time:
//   127.0.0.1 - - [24/Nov/2026:07:35:47 +0000] "POST /api/v0/add?pin=true HTTP/1.1" 200 112 "-" "curl/7.88.1" 3.042
// (remote host, identity and user unknown, UTC time the request arrived, request line, status,
// body bytes or "-", Referer, User-Agent, duration in milliseconds).
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "net/http_server.hpp"
#include "storage/result.hpp"

namespace mantle {

struct access_record {
  std::string remote; // "127.0.0.1:54321" or "[::1]:54321"; the port is dropped
  std::string method;
  std::string target;
  unsigned status = 0;
  uint64_t bytes = 0;
  std::string referer;    // empty: "-"
  std::string user_agent; // empty: "-"
  std::chrono::system_clock::time_point time;
  std::chrono::microseconds duration{0};
};

// The line without its newline. Quotes, backslashes, control and non-ASCII bytes inside the
// quoted fields are escaped (\" \\ \xHH), so a client cannot forge a line.
std::string format_access_line(const access_record& r);

// Where lines go: "-" writes them through config/log (stderr, level info, component
// "access"); any other value is a file opened for appending. Each line is one write() to an
// O_APPEND descriptor, so lines from concurrent requests never interleave and no lock is held.
class access_log {
public:
  static result<std::shared_ptr<access_log>> open(const std::string& where);
  ~access_log();
  access_log(const access_log&) = delete;
  access_log& operator=(const access_log&) = delete;
  void write(const std::string& line);

private:
  explicit access_log(int fd) : fd_(fd) {}
  int fd_; // -1: config/log
};

// Wraps `inner` so every request is logged once it has been answered (also when it throws).
// A null `log` returns `inner` unchanged.
http_handler with_access_log(std::shared_ptr<access_log> log, http_handler inner);

} // namespace mantle
