// Access log: one line per HTTP request in the "combined" log format, extended with the
// response time:
//   127.0.0.1 - - [24/Nov/2026:07:35:47 +0000] "POST /api/v0/add?pin=true HTTP/1.1" 200 112 "-" "curl/7.88.1" 3.042
// (remote host, identity and user unknown, UTC time the request arrived, request line, status,
// body bytes or "-", Referer, User-Agent, duration in milliseconds).
#pragma once
#include <chrono>
#include <cstdint>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

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
// "access"); any other value is a file opened for appending. File lines are buffered and
// written by a background thread every 250 ms (or at 64 KiB), since one write() per request
// costs more than the rest of a small gateway request on a VM; the request path only appends
// to a string under a short lock. Lines of the last 250 ms are lost if the process is killed.
class access_log {
public:
  static result<std::shared_ptr<access_log>> open(const std::string& where);
  ~access_log(); // flushes
  access_log(const access_log&) = delete;
  access_log& operator=(const access_log&) = delete;
  void write(const std::string& line);
  // Writes out what is buffered now (tests, shutdown).
  void flush();

private:
  explicit access_log(int fd);
  void flusher();

  int fd_; // -1: config/log
  std::mutex mu_;            // guards buf_ and stop_
  std::mutex io_mu_;         // keeps flushes in order
  std::condition_variable cv_;
  std::string buf_;
  bool stop_ = false;
  std::thread thread_;
};

// Wraps `inner` so every request is logged once it has been answered (also when it throws).
// A null `log` returns `inner` unchanged.
http_handler with_access_log(std::shared_ptr<access_log> log, http_handler inner);

} // namespace mantle
