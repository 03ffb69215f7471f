#include "tools/fuzz/http_node.hpp"
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include "tools/fuzz/sample_site.hpp"

namespace mantle::fuzz {

http_node& http_node::get() {
  static http_node n;
  return n;
}

http_node::http_node() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "mantle-fuzz-http-XXXXXX").string();
  if (!mkdtemp(tmpl.data()))
    throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  root_ = make_sample_site(site_blocks_).root;
  store_options so;
  so.map_size = uint64_t{1} << 30;
  so.durable_commits = false;
  auto s = block_store::open(dir_ + "/blocks", so);
  auto p = psa::psa_store::open(dir_ + "/psa", false);
  if (!s || !p)
    throw std::runtime_error("cannot open the fuzz stores in " + dir_);
  store_ = std::move(*s);
  psa_ = std::move(*p);
  make_sample_site(*store_);
  (void)store_->pin(root_, pin_type::recursive, "site");
  backend_ = std::make_unique<test::store_backend>(*store_);
  gateway_ = std::make_unique<gateway_api>(site_blocks_, gateway_options{});
  rpc_ = std::make_unique<kubo_api>(*backend_, rpc_info{dir_ + "/blocks"});
  pins_ = std::make_unique<psa_api>(*backend_, *psa_, [] {});
  auto t = psa_->create_token("fuzz", 1);
  if (!t)
    throw std::runtime_error("cannot create a pinning-service token: " + t.err().describe());
  token_ = t->secret;
}

http_node::~http_node() {
  if (server_)
    server_->stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void http_node::dispatch(http_request& req, response_writer& w) {
  const std::string rpc_prefix = "/api/v0/";
  if (req.path.rfind(rpc_prefix, 0) == 0) {
    if (const auto* h = rpc_->find(req.path.substr(rpc_prefix.size())))
      return (*h)(req, w);
    w.status(404);
    w.send("404 page not found\n");
    return;
  }
  if (req.path.rfind("/psa", 0) == 0)
    return pins_->handle(req, w);
  gateway_->handle(req, w);
}

uint16_t http_node::port() {
  if (!server_) {
    http_server_options o;
    o.idle_timeout = std::chrono::milliseconds(500);
    o.max_drain_bytes = 64 * 1024;
    server_ = std::make_unique<http_server>([this](http_request& q, response_writer& w) { dispatch(q, w); }, o);
    if (!server_->start("127.0.0.1:0"))
      throw std::runtime_error("cannot start the fuzz HTTP server");
  }
  return server_->port();
}

} // namespace mantle::fuzz
