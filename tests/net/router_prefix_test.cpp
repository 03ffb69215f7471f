#include <catch2/catch.hpp>

#include "net/router.hpp"

using namespace mantle;

namespace {

struct string_sink : response_writer::byte_sink {
  std::string out;
  status write(std::string_view b) override {
    out.append(b);
    return {};
  }
};

// Which handler answered (its body), for a request with this method and path.
std::string route(const router& r, const std::string& method, const std::string& path) {
  http_request req;
  req.method = method;
  req.path = path;
  req.target = path;
  string_sink sink;
  response_writer w(sink, false);
  r.handle(req, w);
  return sink.out.substr(sink.out.find("\r\n\r\n") + 4);
}

http_handler answer(std::string body) {
  return [body](http_request&, response_writer& w) { w.send(body); };
}

} // namespace

TEST_CASE("prefix routes take the prefix and everything below it", "[psa_api][router]") {
  router r;
  r.add_prefix("/psa", answer("psa"));
  r.add("GET", "/psa/exact", answer("exact"));
  r.add_rpc("version", answer("rpc"));
  CHECK(route(r, "GET", "/psa") == "psa");
  CHECK(route(r, "DELETE", "/psa/pins/abc") == "psa");
  CHECK(route(r, "POST", "/psa/pins") == "psa");
  CHECK(route(r, "GET", "/psa/exact") == "exact"); // an exact route wins
  CHECK(route(r, "POST", "/psa/exact") == "psa");
  CHECK(route(r, "GET", "/psax") == "404 page not found\n");
  CHECK(route(r, "GET", "/") == "404 page not found\n");
  // The RPC prefix keeps Kubo's rules (GET is 405 there), untouched by prefixes.
  CHECK(route(r, "POST", "/api/v0/version") == "rpc");
  CHECK(route(r, "GET", "/api/v0/version") == "405 - Method Not Allowed\n");
}
