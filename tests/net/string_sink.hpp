// Response bytes captured in a string, for tests of handlers and wrappers without a socket.
#pragma once
#include <string>
#include "net/http_server.hpp"

namespace mantle::test {

struct string_sink : response_writer::byte_sink {
  std::string out;
  status write(std::string_view b) override {
    out.append(b);
    return {};
  }
};

// Runs `h` on `req` and returns the raw response (status line, headers, body).
inline std::string run_handler(const http_handler& h, http_request req) {
  string_sink sink;
  response_writer w(sink, true);
  h(req, w);
  return sink.out;
}

inline bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

} // namespace mantle::test
