#include "net/response_writer.hpp"
#include <strings.h>
#include <ostream>
#include <boost/beast/http/status.hpp>

namespace mantle {
namespace {
bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}
// Header values must not smuggle in CR/LF (an error message may contain anything).
std::string clean(std::string_view v) {
  std::string out(v);
  for (char& c : out)
    if (c == '\r' || c == '\n') c = ' ';
  return out;
}
} // namespace

response_writer& response_writer::header(std::string name, std::string value) {
  if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") ||
      iequals(name, "Connection"))
    return *this;
  for (auto& kv : headers_) {
    if (iequals(kv.first, name)) {
      kv.second = clean(value);
      return *this;
    }
  }
  headers_.emplace_back(clean(name), clean(value));
  return *this;
}

std::string response_writer::head(std::string_view extra) const {
  auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(code_));
  std::string h = "HTTP/1.1 " + std::to_string(code_) + " " + std::string(reason.data(), reason.size()) + "\r\n";
  for (auto& kv : headers_) h += kv.first + ": " + kv.second + "\r\n";
  h += extra;
  if (!keep_alive_) h += "Connection: close\r\n";
  h += "\r\n";
  return h;
}

status response_writer::emit(std::string_view bytes) {
  if (failed_) return error{errc::io_error, "connection already failed"};
  auto st = sink_.write(bytes);
  if (!st.ok()) failed_ = true;
  return st;
}

status response_writer::send(std::string_view body, std::string_view content_type) {
  if (started()) return error{errc::internal, "response already started"};
  if (!content_type.empty()) // 304 and 204 answers carry no type
    header("Content-Type", std::string(content_type));
  state_ = state::done;
  std::string out = head("Content-Length: " + std::to_string(body.size()) + "\r\n");
  if (!head_) out.append(body.data(), body.size());
  written_ = body.size();
  return emit(out);
}

status response_writer::begin_chunked() {
  if (started()) return error{errc::internal, "response already started"};
  state_ = state::chunked;
  chunked_ = true;
  return emit(head("Transfer-Encoding: chunked\r\n"));
}

status response_writer::begin_fixed(uint64_t length) {
  if (started()) return error{errc::internal, "response already started"};
  state_ = state::fixed;
  fixed_left_ = length;
  auto h = head("Content-Length: " + std::to_string(length) + "\r\n");
  if (length == 0 || head_) {
    state_ = state::done;
    return emit(h);
  }
  // The head waits for the first body bytes so both leave in one gather write: a small file
  // is then one segment, not a head the peer must ACK before the body (Nagle plus delayed ACK
  // cost 40 ms per small response on Linux loopback when they went out as two writes).
  pending_head_ = std::move(h);
  return mantle::status::success();
}

status response_writer::flush_head() {
  if (pending_head_.empty()) return mantle::status::success();
  std::string h;
  h.swap(pending_head_);
  return emit(h);
}

status response_writer::write(std::string_view data) {
  if (state_ == state::idle) {
    auto st = begin_chunked();
    if (!st.ok()) return st;
  }
  if (data.empty()) return mantle::status::success();
  if (state_ == state::done && head_) return mantle::status::success();
  if (state_ == state::fixed) {
    if (data.size() > fixed_left_)
      return error{errc::internal, "response body longer than its Content-Length"};
    fixed_left_ -= data.size();
    written_ += data.size();
    if (fixed_left_ == 0) state_ = state::done;
    if (failed_) return error{errc::io_error, "connection already failed"};
    if (pending_head_.empty()) return emit(data);
    std::string h;
    h.swap(pending_head_);
    const std::string_view parts[] = {h, data};
    auto st = sink_.write_parts(parts, 2);
    if (!st.ok()) failed_ = true;
    return st;
  }
  if (state_ != state::chunked) return error{errc::internal, "response already finished"};
  written_ += data.size();
  if (head_) return mantle::status::success();
  char size_line[32];
  int n = snprintf(size_line, sizeof size_line, "%zx\r\n", data.size());
  if (failed_) return error{errc::io_error, "connection already failed"};
  const std::string_view parts[] = {std::string_view(size_line, n), data, "\r\n"};
  auto st = sink_.write_parts(parts, 3);
  if (!st.ok()) failed_ = true;
  return st;
}

status response_writer::finish() {
  if (state_ == state::idle) return send("");
  if (state_ == state::done) return mantle::status::success();
  if (state_ == state::fixed) {
    flush_head(); // the peer sees the status line, then a body cut short
    state_ = state::done;
    failed_ = true; // the peer now waits for bytes that never come: the connection must close
    keep_alive_ = false;
    return error{errc::internal, "response ended " + std::to_string(fixed_left_) +
                                     " bytes before its Content-Length"};
  }
  state_ = state::done;
  if (head_) return mantle::status::success();
  return emit("0\r\n\r\n");
}

status response_writer::finish_with_error(std::string_view message) {
  if (state_ == state::idle) {
    status(500);
    return send(message);
  }
  if (state_ != state::chunked) {
    // No way to tell the client in-band: cut the connection so it sees a truncated body.
    if (state_ == state::fixed) flush_head();
    state_ = state::done;
    failed_ = true;
    keep_alive_ = false;
    return error{errc::io_error, "cannot report an error on a fixed-length response"};
  }
  state_ = state::done;
  if (head_) return mantle::status::success();
  return emit("0\r\nX-Stream-Error: " + clean(message) + "\r\n\r\n");
}

} // namespace mantle
