#include "tools/mantle/bitswap_text.hpp"

namespace mantle::cli {

namespace {

std::string count(const nlohmann::json& j, const char* key) {
  return std::to_string(j.value(key, uint64_t{0}));
}

// The CIDs of a Kubo list of {"/": cid}; anything else in it is skipped.
std::vector<std::string> cids_of(const nlohmann::json& list) {
  std::vector<std::string> out;
  if (list.is_array())
    for (const auto& k : list)
      if (k.is_object() && k.contains("/") && k["/"].is_string())
        out.push_back(k["/"].get<std::string>());
  return out;
}

} // namespace

std::string format_bitswap_stat(const nlohmann::json& stat, bool verbose) {
  std::string out = "bitswap status\n";
  out += "\tblocks received: " + count(stat, "BlocksReceived") + "\n";
  out += "\tblocks sent: " + count(stat, "BlocksSent") + "\n";
  out += "\tdata received: " + count(stat, "DataReceived") + "\n";
  out += "\tdata sent: " + count(stat, "DataSent") + "\n";
  out += "\tdup blocks received: " + count(stat, "DupBlksReceived") + "\n";
  out += "\tdup data received: " + count(stat, "DupDataReceived") + "\n";
  auto wanted = cids_of(stat.value("Wantlist", nlohmann::json::array()));
  out += "\twantlist [" + std::to_string(wanted.size()) + " keys]\n";
  for (const auto& c : wanted)
    out += "\t\t" + c + "\n";
  std::vector<std::string> peers;
  if (auto p = stat.find("Peers"); p != stat.end() && p->is_array())
    for (const auto& id : *p)
      if (id.is_string())
        peers.push_back(id.get<std::string>());
  out += "\tpartners [" + std::to_string(peers.size()) + "]\n";
  if (verbose)
    for (const auto& id : peers)
      out += "\t\t" + id + "\n";
  return out;
}

std::string format_bitswap_wantlist(const nlohmann::json& wantlist) {
  std::string out;
  for (const auto& c : cids_of(wantlist.value("Keys", nlohmann::json::array())))
    out += c + "\n";
  return out;
}

} // namespace mantle::cli
