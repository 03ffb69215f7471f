// The IPFS Pinning Service API (OpenAPI "IPFS Pinning Service API" 1.0.0), served under a
// prefix (/psa) of the RPC port:
//   GET    /pins              list pin requests (filters: cid, name+match, status, before,
//                             after, limit, meta), newest first, {"count","results"}
//   POST   /pins              queue a pin                  -> 202 PinStatus
//   GET    /pins/{requestid}  one pin request              -> 200 PinStatus
//   POST   /pins/{requestid}  replace (new requestid)      -> 202 PinStatus
//   DELETE /pins/{requestid}  remove (unpins if no other request holds the CID) -> 202
// Every call needs `Authorization: Bearer <token>` (tokens from psa_store); errors are
// {"error":{"reason","details"}}. Pinning itself happens in the background (the pinner);
// this class only records requests and wakes it. Pure HTTP logic: no actors in here.
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "net/http_request.hpp"
#include "net/node_backend.hpp"
#include "net/response_writer.hpp"
#include "storage/psa_store.hpp"

namespace mantle {

class psa_api {
public:
  // `wake` tells the pinner that a request was queued (may be empty).
  psa_api(node_backend& node, psa::psa_store& store, std::function<void()> wake,
          std::string prefix = "/psa");

  // Handles any request whose path is the prefix or below it.
  void handle(http_request& r, response_writer& w);

  // Limits from the spec (and one of ours for the body).
  static constexpr size_t max_body = 4u << 20;
  static constexpr size_t max_name = 255;
  static constexpr size_t max_origins = 20;
  static constexpr size_t max_meta = 1000;
  static constexpr size_t max_cid_filter = 10;
  static constexpr size_t max_limit = 1000;

private:
  // Reads a Pin body and stores it as a queued request; on failure the error is sent.
  std::optional<psa::request_record> queue_from_body(http_request& r, response_writer& w);
  void list(http_request& r, response_writer& w);
  void add(http_request& r, response_writer& w);
  void get(const std::string& id, response_writer& w);
  void replace(const std::string& id, http_request& r, response_writer& w);
  void remove(const std::string& id, response_writer& w);
  // Unpins `cid` from the block store unless another request still wants it pinned.
  status release(const psa::request_record& gone);

  node_backend& node_;
  psa::psa_store& store_;
  std::function<void()> wake_;
  std::string prefix_;
};

} // namespace mantle
