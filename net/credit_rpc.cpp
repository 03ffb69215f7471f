#include "net/credit_rpc.hpp"

#include <cmath>

#include "net/kubo_rpc.hpp"
#include "storage/identity.hpp"

namespace mantle {

namespace {

// A debt ratio as Go's encoding/json writes a float64: whole values without a fraction
// ("2", not "2.0"), so the bytes match Kubo's. `unit` bytes count as one (Kubo's ledger value
// counts bytes; Mantle's listing shows the ratio its policy uses, in credit units).
nlohmann::json ratio(const ledger_entry& e, uint64_t unit = 1) {
  const double u = static_cast<double>(unit == 0 ? 1 : unit);
  double r = (static_cast<double>(e.sent) / u) / (static_cast<double>(e.received) / u + 1.0);
  if (r == std::floor(r) && r < 0x1.0p53)
    return static_cast<uint64_t>(r);
  return r;
}

void ledger_command(const ledger_source& source, http_request& r, response_writer& w) {
  auto args = r.query.args();
  if (args.size() != 1) {
    kubo::send_error(w, make_error(errc::invalid_input, args.empty() ? "argument \"peer\" is required"
                                                                     : "expected one argument \"peer\""));
    return;
  }
  // Either text form of a peer id; the ledger keys peers by base58btc.
  auto mh = peer_id::parse(args.front());
  if (!mh) {
    kubo::send_error(w, make_error(errc::invalid_input, "invalid peer id '" + args.front() + "': " + mh.err().message));
    return;
  }
  auto entries = source();
  if (!entries) {
    kubo::send_error(w, entries.err());
    return;
  }
  kubo::send_json(w, kubo_ledger_json(peer_id::to_base58(*mh), *entries));
}

void list_command(const ledger_source& source, http_request&, response_writer& w) {
  auto entries = source();
  if (!entries) {
    kubo::send_error(w, entries.err());
    return;
  }
  kubo::send_json(w, credit_list_json(*entries));
}

} // namespace

nlohmann::json kubo_ledger_json(const std::string& peer, const std::vector<ledger_entry>& entries) {
  ledger_entry e{peer, 0, 0, false, 0, false};
  for (const auto& x : entries)
    if (x.peer_id == peer)
      e = x;
  return {{"Peer", peer}, {"Value", ratio(e)}, {"Sent", e.sent}, {"Recv", e.received}, {"Exchanged", e.exchanged}};
}

nlohmann::json credit_list_json(const std::vector<ledger_entry>& entries) {
  auto peers = nlohmann::json::array();
  for (const auto& e : entries)
    peers.push_back({{"Peer", e.peer_id}, {"Sent", e.sent}, {"Recv", e.received}, {"Ratio", ratio(e, e.unit)},
                     {"Exchanged", e.exchanged}, {"Trusted", e.trusted}, {"Cut", e.cut}, {"Refused", e.refused},
                     {"Unit", e.unit == 0 ? 1 : e.unit}});
  return {{"Peers", peers}};
}

std::vector<std::string> credit_rpc_commands() { return {"bitswap/ledger", "mantle/credit/ls"}; }

void add_credit_rpc(router& routes, ledger_source source) {
  routes.add_rpc("bitswap/ledger", [source](http_request& r, response_writer& w) { ledger_command(source, r, w); });
  routes.add_rpc("mantle/credit/ls", [source](http_request& r, response_writer& w) { list_command(source, r, w); });
}

} // namespace mantle
