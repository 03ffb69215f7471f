// mantled: the Mantle node. Everything but the list of supervised children lives in
// actors/node/node.cpp.
#include <botan/base64.h>

#include <stdexcept>

#include "actors/block_store/block_store_actor.hpp"
#include "actors/console/console_child.hpp"
#include "actors/exchange/exchange_actor.hpp"
#include "actors/gateway/actor_backend.hpp"
#include "actors/block_store/block_store_proxy.hpp"
#include "actors/credit/credit_ledger_actor.hpp"
#include "actors/gateway/gateway_front_actor.hpp"
#include "actors/gateway/rpc_front_actor.hpp"
#include "actors/peer/dial_book.hpp"
#include "actors/peer/peer_actor.hpp"
#include "actors/market/market_actor.hpp"
#include "actors/plugin_host/plugin_host_actor.hpp"
#include "actors/node/node.hpp"
#include "actors/pinning/pinner_actor.hpp"
#include "actors/prover/prover_actor.hpp"
#include "actors/validator/validator_actor.hpp"
#include "messages/market.hpp"
#include "messages/pinner.hpp"
#include "messages/plugin.hpp"
#include "storage/psa_store.hpp"
#include "config/log.hpp"
#include "config/version.hpp"
#include "net/access_log.hpp"
#include "storage/block_store.hpp"
#include "storage/credit_store.hpp"

namespace {

// The node's LMDB block store.
std::shared_ptr<mantle::block_store> open_store(const mantle::node::environment& env) {
  using namespace mantle;
  store_options so;
  so.map_size = env.options.storage_max;
  // Opened once for the life of the process and shared by every incarnation of the actor.
  auto opened = block_store::open(env.options.data_dir, so);
  if (!opened)
    throw std::runtime_error("cannot open the block store in " + env.options.data_dir + ": " +
                             opened.err().message);
  std::shared_ptr<block_store> store = std::move(*opened);
  if (auto n = store->recovered_blocks(); n > 0)
    log::warning("mantled", "removed " + std::to_string(n) +
                           " blocks of adds interrupted by a crash (their roots were never pinned)");
  return store;
}

// --role block-store: the store actor, and a relay published on --listen that forwards to
// whichever incarnation of it is running.
std::vector<mantle::child_spec> block_store_children(const mantle::node::environment& env) {
  using namespace mantle;
  auto store = open_store(env);
  block_store_proxy_config relay;
  relay.local_name = "blocks";
  relay.publish_host = env.options.listen->host;
  relay.publish_port = env.options.listen->port;
  std::vector<child_spec> out;
  out.push_back({"blocks", [store](caf::actor_system& sys) { return spawn_block_store_actor(sys, store); }});
  out.push_back({"blk_serve", [relay](caf::actor_system& sys) { return spawn_block_store_proxy(sys, relay); }});
  return out;
}

// Supervised children in start order; they stop in reverse order, so the block store comes
// before the actors that use it. Names are CAF atoms (at most 10 of [A-Za-z0-9_]); blocking
// children are detached.
std::vector<mantle::child_spec> make_children(const mantle::node::environment& env) {
  using namespace mantle;
  if (env.options.role == config::node_role::block_store)
    return block_store_children(env);
  // With actors.block-store.remote the store lives in another process: no LMDB here, and the
  // "blocks" child is a proxy, so everything that talks to "blocks" works unchanged.
  std::shared_ptr<block_store> store;
  if (!env.options.block_store_remote)
    store = open_store(env);

  rpc_front_config rpc;
  rpc.address = env.options.rpc_addr.str();
  rpc.repo_path = env.options.data_dir;
  rpc.id.peer_id = env.identity.peer_id();
  auto pk = env.identity.public_key_protobuf();
  rpc.id.public_key_b64 = Botan::base64_encode(reinterpret_cast<const uint8_t*>(pk.data()), pk.size());
  rpc.id.agent_version = agent_version;
  rpc.store_name = "blocks";
  rpc.local_store = store;
  rpc.fault_injection = env.options.fault_injection;
  rpc.allowed_origins = env.options.api_cors_origins;
  if (!env.options.access_log.empty()) {
    auto log = access_log::open(env.options.access_log);
    if (!log)
      throw std::runtime_error(log.err().message);
    rpc.requests_log = *log; // shared with the gateway once it is served
  }

  gateway_front_config gw;
  gw.address = env.options.gateway_addr.str();
  gw.store_name = "blocks";
  gw.id = rpc.id;
  gw.local_store = store;
  gw.options.sites = env.options.sites;
  gw.cors_origins = env.options.gateway_cors_origins;
  gw.requests_log = rpc.requests_log;

  // Pinning Service API state: its own LMDB environment (blocks.lmdb belongs to the store),
  // opened once like the block store and shared by the RPC front and the pinner.
  auto psa_opened = psa::psa_store::open(env.options.data_dir + "/psa");
  if (!psa_opened)
    throw std::runtime_error("cannot open the pinning service store in " + env.options.data_dir +
                             "/psa: " + psa_opened.err().message);
  std::shared_ptr<psa::psa_store> psa_store = std::move(*psa_opened);
  rpc.psa_store = psa_store;
  rpc.pinner_name = pinner_name;
  pinner_config pin_cfg;
  pin_cfg.options.retry_interval = env.options.psa_retry_interval;
  pin_cfg.options.timeout = env.options.psa_pin_timeout;
  pin_cfg.options.min_replicas = env.options.chain ? env.options.psa_min_replicas : 0; // orders need the chain
  pin_cfg.store = psa_store;
  pin_cfg.store_name = rpc.store_name;
  pin_cfg.local_store = store;
  pin_cfg.id = rpc.id;

  // The credit ledger's counters: their own LMDB environment, opened once like the block store.
  auto ledger_opened = credit_store::open(env.options.data_dir + "/ledger");
  if (!ledger_opened)
    throw std::runtime_error("cannot open the credit ledger in " + env.options.data_dir + "/ledger: " +
                             ledger_opened.err().message);
  credit_ledger_config ledger;
  ledger.store = std::move(*ledger_opened);
  ledger.trusted.insert(env.options.trusted_peers.begin(), env.options.trusted_peers.end());
  ledger.limits.rate = env.options.serve_rate;
  ledger.credit_unit = env.options.credit_unit;
  if (env.options.chain) // nodes with a valid recent work report are trusted (chain_trust.hpp)
    ledger.chain_trust_interval = std::chrono::seconds(5);

  std::vector<child_spec> out;
  if (store) {
    out.push_back({"blocks", [store](caf::actor_system& sys) { return spawn_block_store_actor(sys, store); }});
  } else {
    block_store_proxy_config proxy;
    proxy.remote_host = env.options.block_store_remote->host;
    proxy.remote_port = env.options.block_store_remote->port;
    out.push_back({"blocks", [proxy](caf::actor_system& sys) { return spawn_block_store_proxy(sys, proxy); }});
  }
  out.push_back({"ledger", [ledger](caf::actor_system& sys) { return spawn_credit_ledger(sys, ledger); }});
  auto fetch_timeout = env.options.fetch_timeout;
  out.push_back({"exchange", [fetch_timeout](caf::actor_system& sys) {
    exchange_config xc;
    xc.store = registry_resolver(sys, "blocks");
    xc.ledger = registry_resolver(sys, "ledger");
    xc.peer = registry_resolver(sys, "peer");
    xc.fetch_timeout = fetch_timeout;
    return spawn_exchange_actor(sys, xc);
  }});
  peer_actor_config peer;
  peer.identity = &env.identity;
  peer.listen = env.options.peer_addr;
  peer.tls = env.options.peer_tls;
  peer.book = std::make_shared<dial_book>(); // kept across restarts of the peer actor
  peer.bound_port = std::make_shared<uint16_t>(0); // likewise: restarts listen where peers know it
  for (const auto& b : env.options.bootstrap)
    if (auto a = config::parse_peer_address(b))
      peer.bootstrap.push_back(*a); // already checked when the options were read
  if (env.options.chain) {
    // Before the peer actor, so peers that connect find it registered.
    validator_actor_config vc;
    vc.data_dir = env.options.data_dir;
    vc.genesis_path = env.options.genesis;
    vc.identity = &env.identity;
    vc.byzantine = env.options.chain_byzantine;
    if (vc.byzantine && !env.options.fault_injection)
      throw std::runtime_error("--chain-byzantine is a test drill and needs --fault-injection 1");
    out.push_back({"validator", [vc](caf::actor_system& sys) { return spawn_validator_actor(sys, vc); }});
    if (env.options.prover && store) {
      prover_actor_config pc;
      pc.data_dir = env.options.data_dir;
      pc.identity = &env.identity;
      pc.store = store;
      pc.reserve_bytes = env.options.reserve_bytes;
      out.push_back({prover_name, [pc](caf::actor_system& sys) { return spawn_prover_actor(sys, pc); }});
    } else if (env.options.prover) {
      log::warning("mantled", "no prover: it reads pinned files from the block store in this process, and "
                              "this node uses a remote one (actors.block-store.remote)");
    }
  }
  out.push_back({"peer", [peer](caf::actor_system& sys) { return spawn_peer_actor(sys, peer); }});
  out.push_back({"rpc", [rpc](caf::actor_system& sys) { return spawn_rpc_front(sys, rpc); }});
  out.push_back({"gateway", [gw](caf::actor_system& sys) { return spawn_gateway_front(sys, gw); }});
  out.push_back({pinner_name, [pin_cfg](caf::actor_system& sys) { return spawn_pinner(sys, pin_cfg); }});
  if (env.options.chain && env.options.market) {
    // Last: it drives the exchange, block store, validator and prover, all started before it.
    market_actor_config mc;
    mc.node_key = env.identity.public_key();
    mc.data_dir = env.options.data_dir;
    mc.local_store = store;
    mc.policy.take_ppm = env.options.market_take_ppm;
    mc.policy.max_fetches = env.options.market_max_fetches;
    mc.policy.min_slots_left = env.options.market_min_slots;
    mc.capacity = env.options.market_capacity;
    mc.fetch_timeout = env.options.market_fetch_timeout;
    mc.policy_name = env.options.market_policy;
    out.push_back({market_name, [mc](caf::actor_system& sys) mutable {
      mc.chain = registry_resolver(sys, "validator");
      mc.exchange = registry_resolver(sys, "exchange");
      mc.store = registry_resolver(sys, "blocks");
      mc.prover = registry_resolver(sys, prover_name);
      if (!mc.policy_name.empty())
        mc.order_policy = registry_resolver(sys, mc.policy_name);
      return spawn_market_actor(sys, mc);
    }});
  }
  {
    // Plugin host (actors/plugin_host): after the market, so a policy plugin's first answers
    // find it running; the book keeps the loaded plugins across restarts of the host.
    plugin_host_config ph;
    ph.paths = env.options.plugins;
    ph.configs = env.options.plugin_config;
    ph.peer_id = env.identity.peer_id();
    ph.data_dir = env.options.data_dir;
    ph.book = std::make_shared<plugin_book>();
    out.push_back({plugin_host_name, [ph](caf::actor_system& sys) { return spawn_plugin_host(sys, ph); }});
  }
  // Remote actor console: last, so it starts once the actors it shows run.
  if (auto console = console_child(env.options, env.identity.peer_id()))
    out.push_back(std::move(*console));
  return out;
}

} // namespace

int main(int argc, char** argv) { return mantle::node::run(argc, argv, make_children); }
