// Blocking HTTP/1.1 client on Boost.Beast for the CLI and tests: request bodies streamed from
// a pull function (chunked) and response bodies read in pieces, trailers included.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>
#include "storage/result.hpp"

namespace mantle {

using headers_list = std::vector<std::pair<std::string, std::string>>;
// Fills buf with the next body bytes; 0 means the end.
using body_pull = std::function<result<size_t>(char* buf, size_t cap)>;

// A request body of known length whose file contents may be sent straight from the file.
class sized_body {
public:
  struct piece {
    size_t bytes = 0;     // bytes copied into the caller's buffer, or
    int fd = -1;          // a span of an open file to send as is
    uint64_t offset = 0, len = 0;
  };
  virtual ~sized_body() = default;
  virtual result<uint64_t> length() = 0;
  // The next piece: at most `cap` bytes copied into buf, or a file span of any length; one
  // with neither is the end.
  virtual result<piece> next(char* buf, size_t cap) = 0;
};

struct client_response {
  unsigned status = 0;
  headers_list headers;  // trailers are appended once the body is done
  std::string body;
  std::string header(std::string_view name) const; // case-insensitive, empty if absent
};

class http_client {
public:
  http_client();
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  // "127.0.0.1:5001", "[::1]:5001", "localhost:5001" or "/ip4/127.0.0.1/tcp/5001".
  status connect(const std::string& address);
  void close();

  // Sends a request with a whole body (Content-Length).
  status send(const std::string& method, const std::string& target, const headers_list& headers,
              std::string_view body = {});
  // Sends a request whose body is pulled in pieces and sent chunked.
  status send_streamed(const std::string& method, const std::string& target,
                       const headers_list& headers, const body_pull& body);

  // Sends a request with a body of known length (Content-Length): the server reads it straight
  // into its buffers, and file spans go out with sendfile(2), never through this process.
  status send_sized(const std::string& method, const std::string& target,
                    const headers_list& headers, sized_body& body);

  // Reads the status line and headers of the response.
  result<client_response> read_head();
  // Next piece of the response body; 0 at the end. Trailers are added to the head's headers
  // copy kept here (see trailer()).
  result<size_t> read_body(char* buf, size_t cap);
  // A trailer field after the body ended (e.g. X-Stream-Error); empty if absent.
  std::string trailer(std::string_view name) const;

  // Convenience: send, then read the whole response (body up to max_body bytes).
  result<client_response> request(const std::string& method, const std::string& target,
                                  const headers_list& headers = {}, std::string_view body = {},
                                  size_t max_body = 64 * 1024 * 1024);

  const std::string& host_header() const { return host_; }

private:
  struct impl;
  std::unique_ptr<impl> p_;
  std::string host_;
};

} // namespace mantle
