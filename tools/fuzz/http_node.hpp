// The node behind the HTTP fuzz targets (http_api, http_wire): the gateway over a small site in
// memory, the Kubo RPC commands and the Pinning Service API over a real LMDB block store and PSA
// store in a temp dir. One per process, its state kept across inputs like a live node's.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include "net/gateway_api.hpp"
#include "net/http_server.hpp"
#include "net/kubo_api.hpp"
#include "net/psa_api.hpp"
#include "storage/block_store.hpp"
#include "storage/memory_block_store.hpp"
#include "storage/psa_store.hpp"
#include "tests/net/store_backend.hpp"

namespace mantle::fuzz {

class http_node {
public:
  static http_node& get(); // created on first use, removed at exit

  // Routes by path as the node's two ports do: /api/v0/<cmd>, /psa..., else the gateway.
  void dispatch(http_request& req, response_writer& w);
  // A real http_server in front of dispatch(), started on first use.
  uint16_t port();
  size_t open_connections() const { return server_ ? server_->active_connections() : 0; }

  block_store& store() { return *store_; }
  const std::string& token() const { return token_; } // a valid pinning-service token
  const cid& site_root() const { return root_; }

  ~http_node();

private:
  http_node();
  std::string dir_;
  memory_block_store site_blocks_;
  cid root_;
  std::unique_ptr<block_store> store_;
  std::unique_ptr<psa::psa_store> psa_;
  std::unique_ptr<test::store_backend> backend_;
  std::unique_ptr<gateway_api> gateway_;
  std::unique_ptr<kubo_api> rpc_;
  std::unique_ptr<psa_api> pins_;
  std::unique_ptr<http_server> server_;
  std::string token_;
};

} // namespace mantle::fuzz
