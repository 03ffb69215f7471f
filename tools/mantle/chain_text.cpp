#include "tools/mantle/chain_text.hpp"

#include <algorithm>
#include <ctime>
#include <utility>
#include <vector>

#include "tools/mantle/amount.hpp"

namespace mantle::cli {
namespace {

using json = nlohmann::json;
using fields = std::vector<std::pair<std::string, std::string>>;

// "label   value" lines with the values in one column.
std::string lines(const fields& f) {
  size_t w = 0;
  for (const auto& [k, v] : f)
    w = std::max(w, k.size());
  std::string out;
  for (const auto& [k, v] : f)
    out += k + std::string(w - k.size() + 2, ' ') + v + "\n";
  return out;
}

// Columns separated by two spaces; `right` marks the right-aligned (numeric) ones.
std::string table(const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& right) {
  std::vector<size_t> width(rows.front().size(), 0);
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i)
      width[i] = std::max(width[i], r[i].size());
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      std::string pad(width[i] - r[i].size(), ' ');
      bool last = i + 1 == r.size();
      if (right[i])
        line += pad + r[i];
      else
        line += r[i] + (last ? "" : pad);
      if (!last)
        line += "  ";
    }
    out += line + "\n";
  }
  return out;
}

std::string str(const json& j, const char* k) {
  if (!j.contains(k) || j[k].is_null())
    return "-";
  if (j[k].is_string())
    return j[k].get<std::string>();
  return j[k].dump();
}

// A JSON number that is a whole non-negative value (the node's are parsed as unsigned; ones
// written in code are signed).
bool is_u64(const json& v) {
  return v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
}

uint64_t u64(const json& j, const char* k) {
  return j.contains(k) && is_u64(j[k]) ? j[k].get<uint64_t>() : 0;
}

std::string tokens(const json& j, const char* k) { return format_amount(u64(j, k)); }

// Typed labels for the arguments of known transaction types (actors/validator/tx.hpp).
fields tx_args(const std::string& type, const json& args) {
  auto at = [&](size_t i) -> json { return args.is_array() && i < args.size() ? args[i] : json(); };
  auto amount = [&](size_t i) { return is_u64(at(i)) ? format_amount(at(i).get<uint64_t>()) : at(i).dump(); };
  auto text = [&](size_t i) { return at(i).is_string() ? at(i).get<std::string>() : at(i).dump(); };
  if (type == "transfer")
    return {{"to", text(0)}, {"amount", amount(1)}};
  if (type == "bond" || type == "unbond")
    return {{"amount", amount(0)}};
  if (type == "validate")
    return {{"commission", is_u64(at(0)) ? format_commission(at(0).get<uint64_t>()) : at(0).dump()},
            {"node key", text(1)}};
  if (type == "guarantee")
    return {{"target", text(0)}, {"amount", amount(1)}};
  if (type == "unguarantee")
    return {{"target", text(0)}};
  if (type == "register_node")
    return {{"node key", text(0)}};
  if (type == "withdraw_unbonded" || type == "chill")
    return {};
  return {{"args", args.dump()}};
}

} // namespace

std::string format_time_ms(uint64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  char out[96];
  std::snprintf(out, sizeof out, "%s.%03u UTC", buf, static_cast<unsigned>(ms % 1000));
  return out;
}

std::string format_head(const json& h) {
  fields f{{"chain", str(h, "chain_id")},
           {"height", str(h, "height")},
           {"block id", str(h, "id")},
           {"time", format_time_ms(u64(h, "time_ms"))},
           {"state root", str(h, "state_root")}};
  if (h.contains("era"))
    f.push_back({"era", str(h, "era")});
  f.push_back({"validators", str(h, "validators")});
  f.push_back({"mempool", str(h, "mempool") + " tx"});
  if (h.contains("consensus") && h["consensus"].is_object()) {
    const auto& c = h["consensus"];
    f.push_back({"consensus", "height " + str(c, "height") + ", round " + str(c, "round") + ", " + str(c, "step")});
  }
  return lines(f);
}

std::string format_block(const json& b) {
  fields f{{"height", str(b, "height")},
           {"block id", str(b, "id")},
           {"time", format_time_ms(u64(b, "time_ms"))},
           {"previous", str(b, "prev_hash")},
           {"state root", str(b, "state_root")},
           {"proposer", str(b, "proposer")},
           {"size", str(b, "size") + " bytes"}};
  if (b.contains("commit") && b["commit"].is_object()) {
    const auto& c = b["commit"];
    size_t n = c.contains("signers") && c["signers"].is_array() ? c["signers"].size() : 0;
    f.push_back({"commit", "round " + str(c, "round") + ", " + std::to_string(n) + " signature" + (n == 1 ? "" : "s")});
  }
  if (u64(b, "evidence") > 0)
    f.push_back({"evidence", str(b, "evidence")});
  json txs = b.contains("txs") && b["txs"].is_array() ? b["txs"] : json::array();
  f.push_back({"txs", std::to_string(txs.size())});
  std::string out = lines(f);
  for (const auto& t : txs)
    out += "  " + (t.is_string() ? t.get<std::string>() : t.dump()) + "\n";
  return out;
}

std::string format_tx(const json& t) {
  fields f{{"hash", str(t, "hash")}};
  if (t.value("pending", false)) {
    f.push_back({"status", "pending (in the mempool)"});
  } else {
    std::string st = "in block " + str(t, "height") + " at index " + str(t, "index");
    if (t.contains("ok"))
      st += t["ok"].get<bool>() ? ", succeeded" : ", failed: " + str(t, "reason");
    f.push_back({"status", st});
  }
  if (t.contains("type"))
    f.push_back({"type", str(t, "type")});
  f.push_back({"sender", str(t, "sender")});
  f.push_back({"nonce", str(t, "nonce")});
  if (t.contains("fee"))
    f.push_back({"fee", tokens(t, "fee")});
  if (t.contains("type") && t["type"].is_string())
    for (auto& a : tx_args(t["type"].get<std::string>(), t.value("args", json::array())))
      f.push_back(std::move(a));
  return lines(f);
}

std::string format_validators(const json& v) {
  std::string out = "validators for height " + str(v, "height") + " (total power " + tokens(v, "total_power") + ")\n";
  std::vector<std::vector<std::string>> rows{{"NODE KEY", "POWER"}};
  for (const auto& x : v.value("validators", json::array()))
    rows.push_back({str(x, "node_key"), tokens(x, "power")});
  out += table(rows, {false, true});
  auto cands = v.value("candidates", json::array());
  if (!cands.empty()) {
    out += "\ncandidates\n";
    std::vector<std::vector<std::string>> c{
      {"OWNER", "NODE KEY", "COMMISSION", "OWN", "GUARANTEED", "LIMIT", "EFFECTIVE", "ELECTED"}};
    for (const auto& x : cands)
      c.push_back({str(x, "owner"), str(x, "node_key"), format_commission(u64(x, "commission_ppm")), tokens(x, "own"),
                   tokens(x, "guaranteed"), tokens(x, "stake_limit"), tokens(x, "effective"),
                   x.value("elected", false) ? "yes" : "no"});
    out += table(c, {false, false, true, true, true, true, true, false});
  }
  return out;
}

std::string format_era(const json& e) {
  fields f{{"era", str(e, "era")},
           {"blocks", str(e, "start_height") + " to " + str(e, "end_height")},
           {"slot", str(e, "slot")},
           {"staking pot", tokens(e, "pot")},
           {"issued", tokens(e, "issuance")},
           {"last reward", tokens(e, "last_reward")}};
  std::string out = lines(f);
  if (e.contains("params") && e["params"].is_object()) {
    fields p;
    for (auto& [k, val] : e["params"].items())
      p.push_back({"  " + k, val.dump()});
    out += "parameters\n" + lines(p);
  }
  return out;
}

std::string format_accounts(const json& list) {
  std::vector<std::vector<std::string>> rows{{"NAME", "KEY"}};
  for (const auto& a : list)
    rows.push_back({str(a, "name"), str(a, "key")});
  return table(rows, {false, false});
}

std::string format_account(const json& a, const std::string& name) {
  fields f{{"account", str(a, "key") + (name.empty() ? "" : " (" + name + ")")},
           {"balance", tokens(a, "balance")},
           {"bonded", tokens(a, "bonded")},
           {"own stake", tokens(a, "own_stake")},
           {"nonce", str(a, "nonce")}};
  if (u64(a, "pending_txs") > 0)
    f.push_back({"pending", str(a, "pending_txs") + " tx"});
  if (a.contains("storage_power") && u64(a, "storage_power") > 0)
    f.push_back({"storage power", str(a, "storage_power") + " bytes"});
  if (a.contains("candidate") && a["candidate"].is_object())
    f.push_back({"validating", "node " + str(a["candidate"], "node_key") + ", commission " +
                                 format_commission(u64(a["candidate"], "commission_ppm"))});
  for (const auto& g : a.value("guarantees", json::array()))
    f.push_back({"guarantees", tokens(g, "amount") + " to " + str(g, "target")});
  for (const auto& u : a.value("unbonding", json::array()))
    f.push_back({"unbonding", tokens(u, "amount") + " released at height " + str(u, "release_height")});
  return lines(f);
}

} // namespace mantle::cli

namespace mantle::cli {

std::string format_order(const json& o) {
  fields f{{"cid", str(o, "cid")}, {"status", str(o, "status")}, {"size", str(o, "size") + " bytes"},
           {"proof root", str(o, "root")}};
  if (o.contains("expiry_height") && is_u64(o["expiry_height"]))
    f.push_back({"expires", "at height " + str(o, "expiry_height") + " (" + str(o, "blocks_left") + " blocks left)"});
  f.push_back({"created", "at height " + str(o, "created_height")});
  f.push_back({"pool", tokens(o, "pool")});
  f.push_back({"prepaid", tokens(o, "prepaid")});
  f.push_back({"orders", str(o, "orders")});
  auto replicas = o.value("replicas", json::array());
  f.push_back({"replicas", std::to_string(replicas.size()) + " (" + str(o, "proven_replicas") + " proven)"});
  std::string out = lines(f);
  if (!replicas.empty()) {
    std::vector<std::vector<std::string>> rows{{"NODE KEY", "PEER", "SINCE SLOT", "LAST PROVEN", "FAILURES"}};
    for (const auto& r : replicas)
      rows.push_back({str(r, "node_key"), str(r, "peer_id"), str(r, "since_slot"),
                      r.contains("last_proven_slot") && !r["last_proven_slot"].is_null() ? str(r, "last_proven_slot")
                                                                                         : "never",
                      str(r, "failures")});
    out += table(rows, {false, false, true, true, true});
  }
  return out;
}

std::string format_orders(const json& list) {
  auto orders = list.value("Orders", json::array());
  if (orders.empty())
    return {};
  std::vector<std::vector<std::string>> rows{{"CID", "STATUS", "SIZE", "REPLICAS", "EXPIRES", "POOL"}};
  for (const auto& o : orders)
    rows.push_back({str(o, "cid"), str(o, "status"), str(o, "size"),
                    str(o, "proven_replicas") + "/" + std::to_string(o.value("replicas", json::array()).size()),
                    str(o, "expiry_height"), tokens(o, "pool")});
  return table(rows, {false, false, true, true, true, true});
}

} // namespace mantle::cli
