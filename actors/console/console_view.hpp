// What the console's commands answer, as JSON, built from the replies of the node's actors
// (no CAF here: only their message structs). Arrays of objects print as tables on the client,
// objects as key/value lines.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "messages/block_store.hpp"
#include "messages/plugin.hpp"
#include "messages/supervisor.hpp"

namespace mantle {
struct peer_entry;
}

namespace mantle::console {

// `status`. Parts whose actor did not answer are null, with the reason under "unavailable".
struct node_status {
  std::string peer_id;
  std::string version;
  std::string data_dir;
  int64_t uptime_ms = 0;
  std::optional<uint64_t> chain_height;
  std::optional<uint64_t> peers;
  std::optional<repo_stat> repo;
  std::optional<uint64_t> pins;
  std::map<std::string, std::string> unavailable; // field -> why
};
nlohmann::ordered_json status_json(const node_status& s);

// A child's mailbox: a size, or nullopt when it did not answer the probe in time ("busy") or is
// not running.
using mailbox_sizes = std::map<std::string, std::optional<uint64_t>>;

// `tree`: one row per supervised child ("kind":"actor") then per plugin ("kind":"plugin"; none
// when no plugin host runs or it did not answer).
nlohmann::ordered_json tree_json(const supervisor_stats& s, const mailbox_sizes& mbox, const std::vector<plugin_info>& plugins);

nlohmann::ordered_json peers_json(const std::vector<peer_entry>& peers);
nlohmann::ordered_json pins_json(const std::vector<pin_entry>& pins);
nlohmann::ordered_json plugins_json(const std::vector<plugin_info>& plugins);
nlohmann::ordered_json plugin_json(const plugin_info& p);

// `chain`: the validator's head and validator set answers (their JSON texts) merged.
result<nlohmann::ordered_json> chain_json(const std::string& head, const std::string& validators);

// A duration for people: "3d 4h", "2h 5m", "42s".
std::string format_uptime(int64_t ms);

} // namespace mantle::console
