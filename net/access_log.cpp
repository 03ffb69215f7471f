#include "net/access_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "config/log.hpp"

namespace mantle {

namespace {

std::string host_of(const std::string& remote) {
  if (!remote.empty() && remote.front() == '[') {
    auto close = remote.find(']');
    return close == std::string::npos ? remote : remote.substr(1, close - 1);
  }
  auto colon = remote.rfind(':');
  if (colon == std::string::npos || remote.find(':') != colon) return remote; // bare IPv6: keep
  return remote.substr(0, colon);
}

void append_quoted(std::string& out, const std::string& v) {
  out.push_back('"');
  if (v.empty()) out.push_back('-');
  for (unsigned char c : v) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
}

} // namespace

std::string format_access_line(const access_record& r) {
  std::string out;
  out.reserve(128 + r.target.size() + r.user_agent.size());
  std::string host = host_of(r.remote);
  out += host.empty() ? "-" : host;
  out += " - - [";
  std::time_t t = std::chrono::system_clock::to_time_t(r.time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[40];
  std::strftime(stamp, sizeof stamp, "%d/%b/%Y:%H:%M:%S +0000", &tm);
  out += stamp;
  out += "] ";
  append_quoted(out, r.method + " " + r.target + " HTTP/1.1");
  out += " " + std::to_string(r.status) + " ";
  out += r.bytes ? std::to_string(r.bytes) : "-";
  out.push_back(' ');
  append_quoted(out, r.referer);
  out.push_back(' ');
  append_quoted(out, r.user_agent);
  char ms[32];
  std::snprintf(ms, sizeof ms, " %.3f", static_cast<double>(r.duration.count()) / 1000.0);
  out += ms;
  return out;
}

result<std::shared_ptr<access_log>> access_log::open(const std::string& where) {
  if (where == "-") return std::shared_ptr<access_log>(new access_log(-1));
  int fd = ::open(where.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    return make_error(errc::io_error, "cannot open access log '" + where + "': " + std::strerror(errno));
  return std::shared_ptr<access_log>(new access_log(fd));
}

namespace {
constexpr size_t flush_bytes = 64 * 1024;
constexpr auto flush_interval = std::chrono::milliseconds(250);
} // namespace

access_log::access_log(int fd) : fd_(fd) {
  if (fd_ >= 0) thread_ = std::thread([this] { flusher(); });
}

access_log::~access_log() {
  if (fd_ < 0) return;
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
  flush();
  ::close(fd_);
}

void access_log::write(const std::string& line) {
  if (fd_ < 0) {
    log::info("access", line);
    return;
  }
  bool full;
  {
    std::lock_guard<std::mutex> lk(mu_);
    buf_.append(line).push_back('\n');
    full = buf_.size() >= flush_bytes;
  }
  if (full) cv_.notify_one();
}

void access_log::flush() {
  std::lock_guard<std::mutex> io(io_mu_);
  std::string out;
  {
    std::lock_guard<std::mutex> lk(mu_);
    out.swap(buf_);
  }
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::write(fd_, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break; // a full disk: the requests were served, their lines are dropped
    done += static_cast<size_t>(n);
  }
}

void access_log::flusher() {
  std::unique_lock<std::mutex> lk(mu_);
  while (!stop_) {
    cv_.wait_for(lk, flush_interval, [this] { return stop_ || buf_.size() >= flush_bytes; });
    if (buf_.empty()) continue;
    lk.unlock();
    flush();
    lk.lock();
  }
}

http_handler with_access_log(std::shared_ptr<access_log> log, http_handler inner) {
  if (!log) return inner;
  return [log, inner = std::move(inner)](http_request& req, response_writer& w) {
    access_record r;
    r.time = std::chrono::system_clock::now();
    auto t0 = std::chrono::steady_clock::now();
    auto done = [&](unsigned status) {
      r.remote = req.remote;
      r.method = req.method;
      r.target = req.target;
      r.status = status;
      r.bytes = w.body_bytes();
      r.referer = req.header("Referer");
      r.user_agent = req.header("User-Agent");
      r.duration = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
      log->write(format_access_line(r));
    };
    try {
      inner(req, w);
    } catch (...) {
      done(w.started() ? w.status_code() : 500);
      throw;
    }
    done(w.status_code());
  };
}

} // namespace mantle
