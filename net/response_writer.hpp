// Writes one HTTP/1.1 response: either whole (`send`) or streamed (`begin_chunked` / `write` /
// `finish`). Chunked responses can end with an X-Stream-Error trailer, which is how Kubo
// reports a failure after the 200 status line is already on the wire.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include "storage/result.hpp"

namespace mantle {

class response_writer {
public:
  // Where the bytes go; the server implements it over its socket, tests over a string.
  class byte_sink {
  public:
    virtual ~byte_sink() = default;
    virtual status write(std::string_view bytes) = 0;
    // Several pieces in one go; sockets override it with a gather write so a chunk's framing
    // never forces a copy of its payload.
    virtual status write_parts(const std::string_view* parts, size_t n) {
      for (size_t i = 0; i < n; ++i)
        if (auto s = write(parts[i]); !s)
          return s;
      return {};
    }
  };

  response_writer(byte_sink& sink, bool keep_alive, bool head_request = false)
      : sink_(sink), keep_alive_(keep_alive), head_(head_request) {}

  response_writer& status(unsigned code) { code_ = code; return *this; }
  // Sets (replaces) a header. Content-Length, Transfer-Encoding and Connection are managed here.
  response_writer& header(std::string name, std::string value);
  // Asks for the connection to be closed after this response.
  void close_connection() { keep_alive_ = false; }

  // Whole response with a Content-Length.
  mantle::status send(std::string_view body, std::string_view content_type = "text/plain; charset=utf-8");
  // Streamed response with Transfer-Encoding: chunked.
  mantle::status begin_chunked();
  // Streamed response of a length known in advance (no chunk framing). Its head goes out with
  // the first body bytes, in one write.
  mantle::status begin_fixed(uint64_t length);
  mantle::status write(std::string_view data);
  // Ends a streamed response normally.
  mantle::status finish();
  // Ends a chunked response with an X-Stream-Error trailer carrying the message.
  mantle::status finish_with_error(std::string_view message);

  unsigned status_code() const { return code_; }
  bool started() const { return state_ != state::idle; }
  bool finished() const { return state_ == state::done; }
  bool streaming() const { return state_ == state::chunked || state_ == state::fixed; }
  bool chunked() const { return chunked_; }
  bool failed() const { return failed_; }
  bool keep_alive() const { return keep_alive_; }
  uint64_t body_bytes() const { return written_; }

private:
  enum class state { idle, chunked, fixed, done };
  std::string head(std::string_view extra) const;
  mantle::status emit(std::string_view bytes);
  mantle::status flush_head();

  byte_sink& sink_;
  bool keep_alive_;
  bool head_;
  unsigned code_ = 200;
  std::vector<std::pair<std::string, std::string>> headers_;
  state state_ = state::idle;
  bool chunked_ = false;
  bool failed_ = false;
  uint64_t fixed_left_ = 0;
  uint64_t written_ = 0;
  std::string pending_head_; // a fixed response's head, sent with its first body bytes
};

} // namespace mantle
