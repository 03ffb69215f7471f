// The Kubo RPC API subset (POST /api/v0/<command>), answered as Kubo answers: field names,
// NDJSON streams, errors as {"Message","Code","Type":"error"}. Commands run on the HTTP
// connection's thread and reach the node only through node_backend.
#pragma once
#include <functional>
#include <map>
#include <string>

#include "net/http_request.hpp"
#include "net/node_backend.hpp"
#include "net/response_writer.hpp"

namespace mantle {

struct rpc_info {
  std::string repo_path;
};

class kubo_api {
public:
  using handler = std::function<void(http_request&, response_writer&)>;

  kubo_api(node_backend& node, rpc_info info);

  // "add", "pin/ls" ... -> handler; nullptr when unknown.
  const handler* find(const std::string& command) const;
  std::vector<std::string> commands() const;

  // Kubo's error body and status; a trailer when the stream already started.
  static void send_error(response_writer& w, const error& e);

private:
  void add(http_request& r, response_writer& w);
  void cat(http_request& r, response_writer& w);
  void get(http_request& r, response_writer& w);
  void ls(http_request& r, response_writer& w);
  void pin_add(http_request& r, response_writer& w);
  void pin_rm(http_request& r, response_writer& w);
  void pin_ls(http_request& r, response_writer& w);
  void block_get(http_request& r, response_writer& w);
  void block_put(http_request& r, response_writer& w);
  void block_stat(http_request& r, response_writer& w);
  void block_rm(http_request& r, response_writer& w);
  void dag_export(http_request& r, response_writer& w);
  void dag_import(http_request& r, response_writer& w);
  void id(http_request& r, response_writer& w);
  void version(http_request& r, response_writer& w);
  void repo_stat(http_request& r, response_writer& w);
  void repo_gc(http_request& r, response_writer& w);

  result<cid> resolve(const std::string& path);
  result<cid> resolve_arg(http_request& r, const char* what); // the one positional argument
  void pin_each(http_request& r, response_writer& w,
                const std::function<status(const cid&, bool recursive)>& action);

  node_backend& node_;
  rpc_info info_;
  std::map<std::string, handler> routes_;
};

} // namespace mantle
