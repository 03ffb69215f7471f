// One HTTP request as a handler sees it: the head parsed up front, the body read on demand in
// pieces so an upload of any size streams through without sitting in memory.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include "net/query_args.hpp"
#include "storage/result.hpp"

namespace mantle {

class http_request {
public:
  // Where body bytes come from; the server implements it over its socket.
  class body_reader {
  public:
    virtual ~body_reader() = default;
    // Up to `cap` bytes into buf; 0 means the body is complete.
    virtual result<size_t> read(char* buf, size_t cap) = 0;
    virtual bool done() const = 0;
  };

  std::string method;      // "POST"
  std::string target;      // "/api/v0/add?pin=false"
  std::string path;        // "/api/v0/add" (not decoded: Kubo routes on the raw path)
  query_args query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string remote;      // "127.0.0.1:54321"

  // Case-insensitive lookup; empty if absent.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  std::optional<uint64_t> content_length() const;

  // Reads the next piece of the body (0 = end). Errors mean the client sent a broken body
  // or went away; the handler should stop and answer with an error if it still can.
  result<size_t> read_body(char* buf, size_t cap);
  // Whole body for small requests; fails with invalid_input past `limit` bytes.
  result<std::string> read_body_all(size_t limit);
  bool body_done() const { return body_ == nullptr || body_->done(); }

  void set_body_reader(body_reader* r) { body_ = r; }

private:
  body_reader* body_ = nullptr;
};

} // namespace mantle
