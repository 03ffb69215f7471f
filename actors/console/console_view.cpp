#include "actors/console/console_view.hpp"

#include "messages/peer.hpp"
#include "storage/pin_record.hpp"

namespace mantle::console {

using json = nlohmann::ordered_json;

std::string format_uptime(int64_t ms) {
  int64_t s = ms / 1000;
  int64_t d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60;
  if (d > 0)
    return std::to_string(d) + "d " + std::to_string(h) + "h";
  if (h > 0)
    return std::to_string(h) + "h " + std::to_string(m) + "m";
  if (m > 0)
    return std::to_string(m) + "m " + std::to_string(s % 60) + "s";
  return std::to_string(s) + "s";
}

json status_json(const node_status& s) {
  json j{{"peer_id", s.peer_id},
         {"version", s.version},
         {"uptime", format_uptime(s.uptime_ms)},
         {"uptime_ms", s.uptime_ms},
         {"data_dir", s.data_dir}};
  j["chain_height"] = s.chain_height ? json(*s.chain_height) : json(nullptr);
  j["peers"] = s.peers ? json(*s.peers) : json(nullptr);
  j["repo_size"] = s.repo ? json(s.repo->repo_size) : json(nullptr);
  j["repo_objects"] = s.repo ? json(s.repo->num_objects) : json(nullptr);
  j["storage_max"] = s.repo ? json(s.repo->storage_max) : json(nullptr);
  j["pins"] = s.pins ? json(*s.pins) : json(nullptr);
  if (!s.unavailable.empty())
    j["unavailable"] = s.unavailable;
  return j;
}

json tree_json(const supervisor_stats& s, const mailbox_sizes& mbox, const std::vector<plugin_info>& plugins) {
  json rows = json::array();
  for (const auto& c : s.children) {
    json mb = c.running ? json("busy") : json(nullptr);
    if (auto it = mbox.find(c.name); it != mbox.end() && it->second)
      mb = *it->second;
    rows.push_back({{"name", c.name},
                    {"kind", "actor"},
                    {"state", c.running ? "running" : "stopped"},
                    {"restarts", c.restarts},
                    {"last_exit", c.last_exit},
                    {"mailbox", mb}});
  }
  for (const auto& p : plugins)
    rows.push_back({{"name", p.name},
                    {"kind", "plugin"},
                    {"state", p.state},
                    {"restarts", p.restarts},
                    {"last_exit", p.last_exit},
                    {"mailbox", nullptr}});
  return rows;
}

json peers_json(const std::vector<peer_entry>& peers) {
  json rows = json::array();
  for (const auto& p : peers)
    rows.push_back({{"peer_id", p.peer_id},
                    {"addr", p.addr},
                    {"direction", p.inbound ? "inbound" : "outbound"},
                    {"latency_ms", p.latency_ms}});
  return rows;
}

json pins_json(const std::vector<pin_entry>& pins) {
  json rows = json::array();
  for (const auto& p : pins)
    rows.push_back({{"cid", p.cid.str()}, {"type", to_string(static_cast<pin_type>(p.type))}, {"name", p.name}});
  return rows;
}

json plugin_json(const plugin_info& p) {
  return {{"name", p.name},       {"version", p.version},   {"path", p.path},          {"abi", p.abi},
          {"state", p.state},     {"restarts", p.restarts}, {"last_exit", p.last_exit}};
}

json plugins_json(const std::vector<plugin_info>& plugins) {
  json rows = json::array();
  for (const auto& p : plugins)
    rows.push_back(plugin_json(p));
  return rows;
}

result<json> chain_json(const std::string& head, const std::string& validators) {
  json h = json::parse(head, nullptr, false);
  json v = json::parse(validators, nullptr, false);
  if (h.is_discarded() || !h.is_object() || v.is_discarded() || !v.is_object())
    return make_error(errc::corrupt, "the validator answered something that is not a JSON object");
  json out{{"height", h.value("height", json(nullptr))},
           {"hash", h.value("id", json(nullptr))},
           {"chain_id", h.value("chain_id", json(nullptr))},
           {"era", h.value("era", json(nullptr))},
           {"mempool", h.value("mempool", json(nullptr))},
           {"total_power", v.value("total_power", json(nullptr))}};
  json vals = json::array();
  std::map<std::string, json> elected; // node key -> candidate row, to show owner and stake
  if (v.contains("candidates") && v["candidates"].is_array())
    for (auto& c : v["candidates"])
      if (c.is_object() && c.contains("node_key"))
        elected[c.value("node_key", "")] = c;
  if (v.contains("validators") && v["validators"].is_array())
    for (auto& x : v["validators"]) {
      json row{{"node_key", x.value("node_key", "")}, {"power", x.value("power", json(nullptr))}};
      if (auto it = elected.find(x.value("node_key", "")); it != elected.end()) {
        row["owner"] = it->second.value("owner", "");
        row["effective"] = it->second.value("effective", json(nullptr));
      }
      vals.push_back(std::move(row));
    }
  out["validators"] = std::move(vals);
  return out;
}

} // namespace mantle::console
