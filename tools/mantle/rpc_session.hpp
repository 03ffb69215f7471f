// One RPC call of `mantle` to a node's Kubo-compatible API: POST /api/v0/<cmd>?<query>, the
// node's error message on a non-200 answer, then the body as bytes, ndjson values or one JSON.
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <vector>
#include <nlohmann/json.hpp>
#include "net/http_client.hpp"
#include "net/multipart_writer.hpp"
#include "net/ndjson.hpp"
#include "net/query_args.hpp"

namespace mantle::cli {

struct session {
  std::string api;
  http_client c;
  client_response head;

  // Sends and reads the head; on a non-200 answer returns the node's message.
  status start(const std::string& cmd, const query_args& q, multipart_body* body) {
    auto st = c.connect(api);
    if (!st.ok()) return st;
    std::string target = "/api/v0/" + cmd + (q.items().empty() ? "" : "?" + q.encode());
    if (body) {
      // Sized: the node reads the body straight into its buffers, and files go out by sendfile.
      // A pipe or device among the files has no length ahead: then the body goes chunked.
      auto length = body->length();
      if (length.ok())
        st = c.send_sized("POST", target, {{"Content-Type", body->content_type()}}, *body);
      else if (length.err().code == errc::unsupported)
        st = c.send_streamed("POST", target, {{"Content-Type", body->content_type()}},
                             [body](char* b, size_t n) { return body->read(b, n); });
      else
        return length.err();
    } else {
      st = c.send("POST", target, {});
    }
    if (!st.ok()) {
      // A node that refuses an upload (a bad option) answers before reading it all and hangs
      // up: its answer says more than the broken pipe.
      if (body) {
        if (auto h = c.read_head(); h.ok() && h->status != 200) {
          head = std::move(h.value());
          return error_from_body();
        }
      }
      return st;
    }
    auto h = c.read_head();
    if (!h.ok()) return h.err();
    head = std::move(h.value());
    if (head.status != 200) return error_from_body();
    return status::success();
  }
  // The node's error message from a non-200 answer's body.
  error error_from_body() {
    std::string text;
    char buf[4096];
    for (;;) {
      auto n = c.read_body(buf, sizeof buf);
      if (!n.ok() || n.value() == 0 || text.size() > 65536) break;
      text.append(buf, n.value());
    }
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_object() && j.contains("Message") && j["Message"].is_string())
      return error{errc::unavailable, j["Message"].get<std::string>()};
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return error{errc::unavailable, text.empty() ? "HTTP status " + std::to_string(head.status) : text};
  }
  // Body pieces to fn; then the X-Stream-Error trailer, if any, becomes the error.
  status pump(const std::function<status(std::string_view)>& fn) {
    std::vector<char> buf(256 * 1024);
    for (;;) {
      auto n = c.read_body(buf.data(), buf.size());
      if (!n.ok()) return n.err();
      if (n.value() == 0) break;
      auto s = fn(std::string_view(buf.data(), n.value()));
      if (!s.ok()) return s;
    }
    std::string e = c.trailer("X-Stream-Error");
    if (!e.empty()) return error{errc::unavailable, e};
    return status::success();
  }
  status values(const std::function<status(const nlohmann::json&)>& fn) {
    ndjson_reader r([&](const nlohmann::json& j) {
      if (j.is_object() && j.value("Type", "") == "error" && j.contains("Message"))
        return status(error{errc::unavailable, j["Message"].get<std::string>()});
      return fn(j);
    });
    auto s = pump([&](std::string_view d) { return r.feed(d); });
    if (!s.ok()) return s;
    return r.finish();
  }
  result<nlohmann::json> single() {
    std::string text;
    auto s = pump([&](std::string_view d) { text.append(d); return status::success(); });
    if (!s.ok()) return s.err();
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) return error{errc::invalid_input, "node sent invalid JSON"};
    return j;
  }
};

} // namespace mantle::cli
