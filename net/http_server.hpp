// Blocking HTTP/1.1 server on Boost.Beast: a listening thread and one thread per connection,
// so a handler may block (waiting on an actor, reading a 10 GiB upload) without stalling
// other clients. Keep-alive, a connection cap (excess refused with 503), idle timeout.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include "net/http_request.hpp"
#include "net/response_writer.hpp"
#include "storage/result.hpp"

namespace mantle {

using http_handler = std::function<void(http_request&, response_writer&)>;

struct http_server_options {
  size_t max_connections = 256;
  size_t max_header_bytes = 64 * 1024;
  // A keep-alive connection waiting this long for its next request is closed.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  // After a handler returns without reading the whole body, up to this much is drained so
  // the connection can be reused; past it the connection is closed instead.
  uint64_t max_drain_bytes = 4 * 1024 * 1024;
};

class http_server {
public:
  explicit http_server(http_handler handler, http_server_options opts = {});
  ~http_server(); // stops
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  // Binds "host:port" ("127.0.0.1:5001", "[::1]:0", "localhost:8080") and starts accepting.
  // Port 0 picks a free port (see port()). Fails if the address is taken or invalid.
  status start(const std::string& address);
  // Closes the listener, shuts down open connections and waits up to `timeout` for their
  // threads. Handlers still running after that keep the shared state alive until they end.
  void stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  uint16_t port() const;
  bool running() const;
  size_t active_connections() const;

  struct state; // shared with connection threads

private:
  std::shared_ptr<state> st_;
};

// "host:port" split; IPv6 hosts in brackets. Also accepts "/ip4/H/tcp/P" multiaddrs.
struct host_port {
  std::string host;
  uint16_t port = 0;
  static result<host_port> parse(std::string_view text);
};

} // namespace mantle
