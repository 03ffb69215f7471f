// Whole HTTP requests through the handlers the node serves (tools/fuzz/http_node.hpp), routed
// by path: the gateway, the Kubo RPC commands (/api/v0/) and the Pinning Service API (/psa, with
// a valid token unless the selector's low bit is set). The request is built as
// http_server builds it; a handler must answer every input with a well-formed status line and
// never let an exception escape. Input: selector, then "METHOD TARGET\n", header lines, a blank
// line and the body.
#include <cstdlib>
#include "storage/car.hpp"
#include "tools/fuzz/fuzz_target.hpp"
#include "tools/fuzz/http_node.hpp"

namespace mantle::fuzz {

namespace {

struct body_from_string : http_request::body_reader {
  std::string_view rest;
  result<size_t> read(char* buf, size_t cap) override {
    size_t n = std::min(cap, rest.size());
    std::copy_n(rest.data(), n, buf);
    rest.remove_prefix(n);
    return n;
  }
  bool done() const override { return rest.empty(); }
};

struct sink_to_string : response_writer::byte_sink {
  std::string out;
  status write(std::string_view b) override {
    if (out.size() < 4096)
      out.append(b.substr(0, 4096 - out.size())); // the status line is all we check
    return {};
  }
};

} // namespace

void http_api(std::string_view in) {
  unsigned char sel = take_selector(in);
  http_node& n = http_node::get();
  http_request req;
  auto line_end = in.find('\n');
  std::string_view first = in.substr(0, line_end);
  in.remove_prefix(line_end == std::string_view::npos ? in.size() : line_end + 1);
  auto sp = first.find(' ');
  req.method = std::string(first.substr(0, sp));
  req.target = sp == std::string_view::npos ? "/" : std::string(first.substr(sp + 1));
  while (!in.empty()) {
    auto e = in.find('\n');
    std::string_view line = in.substr(0, e);
    in.remove_prefix(e == std::string_view::npos ? in.size() : e + 1);
    if (line.empty())
      break;
    auto colon = line.find(':');
    if (colon == std::string_view::npos)
      continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
    req.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  if ((sel & 1) == 0) // the pinning service's token, unless the input goes without
    req.headers.emplace_back("Authorization", "Bearer " + n.token());
  body_from_string body;
  body.rest = in;
  req.set_body_reader(&body);
  auto qpos = req.target.find('?');
  req.path = req.target.substr(0, qpos);
  if (qpos != std::string::npos) {
    auto q = query_args::parse(std::string_view(req.target).substr(qpos + 1));
    if (!q)
      return; // http_server answers 400 before any handler runs
    req.query = std::move(*q);
  }
  sink_to_string sink;
  response_writer w(sink, true, req.method == "HEAD");
  try {
    n.dispatch(req, w);
  } catch (const violation&) {
    throw;
  } catch (const std::exception& e) {
    throw violation(std::string("a handler threw: ") + e.what());
  }
  if (!w.started())
    return; // a handler that answered nothing: http_server closes the connection
  check(sink.out.rfind("HTTP/1.1 ", 0) == 0 && sink.out.size() >= 12, "response without a status line");
  int code = std::atoi(sink.out.c_str() + 9);
  check(code >= 100 && code <= 599, "response with an invalid status code");
  if (req.path.rfind("/ipfs", 0) == 0 || req.path.rfind("/ipns", 0) == 0)
    return; // the gateway reads the site in memory
  // Nothing a client sends may corrupt the store: every recursive pin's DAG stays whole and
  // matches its hashes (export_dag checks both).
  auto pinned = n.store().pins(pin_type::recursive);
  check(pinned.ok(), "pins cannot be listed after a request");
  size_t walked = 0;
  for (const auto& p : *pinned) {
    if (++walked > 4)
      break;
    auto st = car::export_dag(n.store(), {p.id}, [](std::string_view) { return status{}; });
    check(st.ok() || st.err().code == errc::unsupported, "a recursively pinned DAG is incomplete or corrupt");
  }
}

} // namespace mantle::fuzz
