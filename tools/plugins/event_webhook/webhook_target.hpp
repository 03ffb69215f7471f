// The event_webhook sample plugin's pure parts (no actor): its config and the JSON body of one
// event. Config keys (plugin.webhook.<key>):
//   url      http://HOST:PORT/PATH the events are POSTed to (required; plain HTTP only)
//   kinds    comma-separated event kinds to send (messages/events.hpp); empty: every kind
//   queue    most events kept while the receiver is down or slow (default 1000; the oldest
//            are dropped, and counted, past it)
//   timeout  one POST's limit in milliseconds (default 5000)
//   retry    wait before sending a failed event again, in milliseconds (default 1000)
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "messages/events.hpp"
#include "storage/result.hpp"

namespace mantle::plugins {

struct webhook_config {
  std::string host;
  std::string port = "80";
  std::string target = "/"; // path and query
  std::set<std::string> kinds; // empty: all
  size_t queue = 1000;
  uint64_t timeout_ms = 5000;
  uint64_t retry_ms = 1000;
  bool wants(const std::string& kind) const { return kinds.empty() || kinds.count(kind) != 0; }
};

result<webhook_config> parse_webhook_config(const std::map<std::string, std::string>& config);

// {"kind":...,"height":...,"text":...,"node":<peer id>,"seq":<n>}
std::string event_json(const node_event& e, const std::string& node, uint64_t seq);

} // namespace mantle::plugins
