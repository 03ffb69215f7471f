// The IPFS HTTP gateway: path gateway (/ipfs/<cid>[/path]) with UnixFS files, directories,
// ranges and cache headers, the trustless gateway's raw blocks and CARs, tar downloads, and
// websites served by host name with a _redirects file. Plain logic over a block_source: it
// runs on the HTTP connection's thread, the source decides where blocks come from.
#pragma once
#include <string>
#include <vector>

#include "config/options.hpp"
#include "net/http_request.hpp"
#include "net/response_writer.hpp"
#include "storage/block_io.hpp"
#include "storage/cid.hpp"

namespace mantle {

struct gateway_options {
  // Host names whose "/" is a site root, with _redirects (--site HOST=CID).
  std::vector<config::site_mapping> sites;
};

class gateway_api {
public:
  gateway_api(block_source& blocks, gateway_options opts);
  void handle(http_request& req, response_writer& w);

  struct request_state; // one request's parsed view; defined in the .cpp

private:
  void serve(request_state& rq, response_writer& w, unsigned status_code = 200);
  void serve_site(request_state& rq, response_writer& w);
  void serve_resolved(request_state& rq, response_writer& w, unsigned status_code);
  void serve_file(request_state& rq, response_writer& w, const cid& file, const std::string& name,
                  unsigned status_code);
  void serve_directory(request_state& rq, response_writer& w, unsigned status_code);
  void serve_raw(request_state& rq, response_writer& w);
  void serve_car(request_state& rq, response_writer& w);
  void serve_tar(request_state& rq, response_writer& w);

  block_source& src_;
  gateway_options opts_;
};

} // namespace mantle
