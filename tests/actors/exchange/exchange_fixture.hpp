// Exchange test nodes in one actor system: each with its own LMDB block store, block-store
// actor and exchange actor; peers are connected by sending peer_up by hand, as the peer actor
// will. Shared by the exchange actor and network-fallback tests.
#pragma once
#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "actors/block_store/block_store_actor.hpp"
#include "actors/exchange/exchange_actor.hpp"
#include "messages/errors.hpp"
#include "messages/exchange.hpp"
#include "messages/node_types.hpp"
#include "messages/peer.hpp"
#include "storage/block_store.hpp"
#include "storage/dag_pb.hpp"
#include "storage/multihash.hpp"
#include "storage/unixfs_importer.hpp"
#include "tests/temp_dir.hpp"
#include "tests/test_store.hpp"

namespace mantle::test {

using namespace mantle;

constexpr auto wait_limit = std::chrono::seconds(60);

template <class Pred>
inline bool wait_until(Pred p) {
  auto end = std::chrono::steady_clock::now() + wait_limit;
  while (!p()) {
    if (std::chrono::steady_clock::now() > end)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// What the fake "peer" actor was told about misbehaving peers.
struct reports {
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> list;
  size_t size() {
    std::lock_guard<std::mutex> g(mu);
    return list.size();
  }
};

inline caf::behavior report_sink(caf::event_based_actor*, std::shared_ptr<reports> r) {
  return {[=](peer_misbehaved_atom, const std::string& id, const std::string& reason) {
            std::lock_guard<std::mutex> g(r->mu);
            r->list.emplace_back(id, reason);
          },
          [=](p_resend_atom) {}}; // no peers to tell about
}

struct system_fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<reports> misbehaved = std::make_shared<reports>();
  caf::actor peer_probe;
  system_fixture() {
    cfg.set("scheduler.max-threads", size_t{3});
    register_types(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    peer_probe = sys->spawn(report_sink, misbehaved);
  }
};

struct node {
  test::temp_dir dir{"mantle-xch"};
  std::shared_ptr<block_store> store;
  caf::actor blocks;
  caf::actor exchange;
  caf::actor_system& sys;

  // ledger: the credit ledger resolver (none: serve everyone, count nothing).
  node(system_fixture& f, exchange::engine_limits lim = {}, std::function<caf::actor()> ledger = {})
      : sys(*f.sys) {
    store = open_test_store(dir.path, 1ull << 30);
    blocks = spawn_block_store_actor(sys, store);
    exchange_config xc;
    auto b = blocks;
    xc.store = [b] { return b; };
    auto probe = f.peer_probe;
    xc.peer = [probe] { return probe; };
    xc.limits = lim;
    xc.ledger = std::move(ledger);
    exchange = spawn_exchange_actor(sys, xc);
  }
  ~node() {
    caf::anon_send_exit(exchange, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(blocks, caf::exit_reason::user_shutdown);
  }

  cid add(const std::string& bytes, size_t chunk = 262144) {
    unixfs::import_options opt;
    opt.chunk_size = chunk;
    opt.width = 8; // several layers even for small tests
    auto r = unixfs::import_bytes(*store, opt, bytes);
    REQUIRE(r);
    REQUIRE(store->flush());
    return r->root;
  }

  void up(const std::string& id, caf::actor h) {
    caf::scoped_actor self{sys};
    self->send(exchange, peer_up{id, std::move(h)});
  }
  void down(const std::string& id) {
    caf::scoped_actor self{sys};
    self->send(exchange, peer_down{id, "test"});
  }

  exchange_stats stats() {
    caf::scoped_actor self{sys};
    exchange_stats out;
    self->request(exchange, wait_limit, stats_atom::value).receive([&](exchange_stats& s) { out = s; },
                                                                   [&](caf::error&) { FAIL("no stats"); });
    return out;
  }
};

inline void connect(node& a, const std::string& a_id, node& b, const std::string& b_id) {
  a.up(b_id, b.exchange);
  b.up(a_id, a.exchange);
}

inline result<std::string> fetch(node& n, const cid& c, uint64_t timeout_ms = 30000) {
  caf::scoped_actor self{n.sys};
  std::optional<result<std::string>> out;
  self->request(n.exchange, wait_limit, fetch_atom::value, c, timeout_ms)
    .receive([&](std::string& s) { out.emplace(std::move(s)); }, [&](caf::error& e) { out.emplace(from_caf(e)); });
  return std::move(*out);
}

inline result<uint64_t> fetch_dag(node& n, const cid& c, uint64_t timeout_ms = 30000) {
  caf::scoped_actor self{n.sys};
  std::optional<result<uint64_t>> out;
  self->request(n.exchange, wait_limit, fetch_dag_atom::value, c, timeout_ms)
    .receive([&](uint64_t k) { out.emplace(k); }, [&](caf::error& e) { out.emplace(from_caf(e)); });
  return std::move(*out);
}

// Every CID of the DAG under `root`, read from `store`.
inline std::vector<cid> dag_cids(block_store& store, const cid& root) {
  std::vector<cid> out{root};
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i].codec != codec::dag_pb)
      continue;
    auto bytes = store.get(out[i]);
    REQUIRE(bytes);
    auto n = dag_pb::decode(*bytes);
    REQUIRE(n);
    for (auto& l : n->links)
      out.push_back(l.target);
  }
  return out;
}

inline std::string pattern(size_t n, unsigned seed) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (auto& ch : s) {
    x = x * 1664525u + 1013904223u;
    ch = static_cast<char>(x >> 24);
  }
  return s;
}

} // namespace mantle::test
