#include "actors/peer/peer_actor.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/openssl/manager.hpp>

#include <ifaddrs.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <map>
#include <memory>
#include <set>
#include <stdexcept>

#include "actors/peer/dial_book.hpp"
#include "actors/peer/handshake.hpp"
#include "actors/peer/tls_error_queue.hpp"
#include "config/log.hpp"
#include "messages/block_store.hpp" // fault_atom
#include "messages/errors.hpp"
#include "messages/node_types.hpp"
#include "messages/events.hpp"
#include "messages/peer.hpp"
#include "actors/introspection.hpp"

namespace mantle {
namespace {

constexpr const char* component = "peer";
// The ledger's (cut, peer_id): its credit is cut (messages/credit.hpp, owned by the ledger).
using ledger_cut_atom = caf::atom_constant<caf::atom("cut")>;

constexpr auto connect_timeout = std::chrono::seconds(10);
constexpr auto handshake_timeout = std::chrono::seconds(5);
constexpr auto heartbeat_timeout = std::chrono::seconds(3); // a silent peer is dropped after this
constexpr auto tick_interval = std::chrono::seconds(1);
constexpr uint64_t gossip_every_ticks = 5;
constexpr size_t gossip_max_entries = 32;
constexpr size_t max_pending_handshakes = 64;
constexpr auto ban_duration = std::chrono::minutes(10);

struct pending_inbound {
  handshake::session hs;
  caf::actor remote;
  caf::actor remote_exchange;
  std::string listen;
};

struct session {
  std::string peer_id;
  caf::actor remote; // the remote peer actor
  caf::actor remote_exchange;
  std::string addr; // multiaddr without /p2p/
  bool inbound = false;
  std::string dial_key; // dial_book key when we redial it after a loss
  bool ping_outstanding = false;
  uint32_t latency_ms = 0;
  uint64_t generation = 0; // tells a late reply for an earlier session with the same actor apart
};

struct peer_state {
  peer_actor_config cfg;
  caf::io::middleman_actor mm;
  uint16_t port = 0;
  std::string listen_addr; // multiaddr without /p2p/, as others should dial it
  std::shared_ptr<dial_book> books; // survives restarts of this actor (see peer_actor_config)
  std::map<caf::actor_addr, pending_inbound> pending;
  std::map<std::string, session> peers; // authenticated, by peer id
  std::map<std::string, peer_clock::time_point> banned;
  std::map<std::string, std::vector<caf::response_promise>> waiters; // swarm/connect by dial key
  uint64_t ticks = 0;
  uint64_t sessions_made = 0;
  std::set<caf::actor_addr> dead; // remote peer actors seen going down (bounded)
  caf::group events;              // node event group: peer_up / peer_down for the console and plugins
  static inline const char* name = "peer";
};

using peer_self = caf::stateful_actor<peer_state>*;

// Self-message: try to open the peer endpoint again (see listen()).
using p_listen_atom = caf::atom_constant<caf::atom("p_listen")>;
constexpr auto listen_retry_interval = std::chrono::milliseconds(100);
constexpr int listen_attempts = 100; // 10 s

caf::error refuse(std::string msg) { return to_caf(make_error(errc::invalid_input, std::move(msg))); }
caf::error unavailable(std::string msg) { return to_caf(make_error(errc::unavailable, std::move(msg))); }

std::string render(peer_self self, const caf::error& e) {
  if (!e) // an actor that quit without a reason
    return "normal";
  if (e.category() == caf::atom("mantle"))
    return from_caf(e).message;
  return self->system().render(e);
}

caf::actor local_named(peer_self self, const char* name) {
  return caf::actor_cast<caf::actor>(self->system().registry().get(caf::atom_from_string(name)));
}

bool unspecified_host(const std::string& host) { return host == "0.0.0.0" || host == "::" || host.empty(); }

bool is_banned(peer_self self, const std::string& id) {
  auto i = self->state.banned.find(id);
  return i != self->state.banned.end() && i->second > peer_clock::now();
}

void settle_waiters(peer_self self, const std::string& key, const std::string& peer_id, const std::string& failure) {
  auto i = self->state.waiters.find(key);
  if (i == self->state.waiters.end())
    return;
  for (auto& rp : i->second) {
    if (failure.empty())
      rp.deliver(peer_id);
    else
      rp.deliver(unavailable("connect " + key + " failure: " + failure));
  }
  self->state.waiters.erase(i);
}

void dial_failed(peer_self self, const std::string& key, const std::string& reason) {
  auto& st = self->state;
  auto* t = st.books->find(key);
  log::info(component, "cannot connect to " + (t ? t->addr.multiaddr() : key) + ": " + reason);
  settle_waiters(self, key, {}, reason);
  st.books->dial_failed(key, peer_clock::now());
}

void ask_for_peers(peer_self self, const std::string& id);

void publish(peer_self self, std::string kind, std::string text) {
  if (!self->state.events)
    self->state.events = self->system().groups().get_local(node_event_group);
  self->send(self->state.events, node_event{std::move(kind), 0, std::move(text)});
}

void drop_session(peer_self self, std::string id, const std::string& reason) {
  auto& st = self->state;
  auto i = st.peers.find(id);
  if (i == st.peers.end())
    return;
  session s = std::move(i->second);
  st.peers.erase(i);
  if (!s.dial_key.empty())
    st.books->disconnected(s.dial_key, peer_clock::now());
  log::info(component, "peer down: " + id + " (" + reason + ")");
  publish(self, "peer_down", id + " (" + reason + ")");
  for (const char* name : {"exchange", "validator"})
    if (auto to = local_named(self, name))
      self->send(to, peer_down{id, reason});
}

// Learns where an inbound peer listens (for peer exchange and for redialing it after a loss).
void note_listen_address(peer_self self, const std::string& id, const config::peer_address& a) {
  auto& st = self->state;
  auto i = st.peers.find(id);
  if (i == st.peers.end())
    return;
  i->second.addr = a.multiaddr();
  config::peer_address with_id = a;
  with_id.peer_id = id;
  auto key = dial_book::key_of(with_id);
  if (st.books->find(key) || st.books->learn(with_id, peer_clock::now())) {
    st.books->connected(key, id);
    i->second.dial_key = key;
  }
}

void authenticated(peer_self self, const std::string& id, caf::actor remote, caf::actor remote_exchange,
                   const std::string& addr, bool inbound, const std::string& dial_key) {
  auto& st = self->state;
  if (!dial_key.empty()) {
    st.books->connected(dial_key, id);
    settle_waiters(self, dial_key, id, {});
  }
  if (auto i = st.peers.find(id); i != st.peers.end()) {
    // Both sides dialed at once; CAF shares one connection, so keep the first session.
    if (i->second.dial_key.empty())
      i->second.dial_key = dial_key;
    return;
  }
  session s;
  s.peer_id = id;
  s.remote = remote;
  s.remote_exchange = remote_exchange;
  s.addr = addr;
  s.inbound = inbound;
  s.dial_key = dial_key;
  s.generation = ++st.sessions_made;
  st.peers.emplace(id, s);
  log::info(component, "peer up: " + id + " " + addr + (inbound ? " (inbound)" : " (outbound)"));
  publish(self, "peer_up", id + " " + addr + (inbound ? " (inbound)" : " (outbound)"));
  for (const char* name : {"exchange", "validator"})
    if (auto to = local_named(self, name))
      self->send(to, peer_up{id, remote_exchange, remote});
  ask_for_peers(self, id);
}

void handshake_as_initiator(peer_self self, const std::string& key, caf::actor remote) {
  auto& st = self->state;
  auto hs = std::make_shared<handshake::session>();
  hs->initiator_nonce = handshake::make_nonce();
  hs->initiator_key = st.cfg.identity->public_key();
  self->monitor(remote);
  self->request(remote, handshake_timeout, p_hello_atom::value, hs->initiator_key, hs->initiator_nonce,
                local_named(self, "exchange"), st.listen_addr)
    .then(
      [=](p_welcome_atom, const std::string& rkey, const std::string& rnonce, const std::string& sig,
          const caf::actor& rex, const std::string&) {
        auto& st = self->state;
        hs->responder_key = rkey;
        hs->responder_nonce = rnonce;
        auto* t = st.books->find(key);
        if (!t)
          return; // forgotten meanwhile
        auto id = handshake::verify_remote(*hs, handshake::role::responder, sig, t->addr.peer_id);
        if (!id) {
          log::warning(component, "refused " + t->addr.multiaddr() + ": " + id.err().message);
          self->send(remote, p_bye_atom::value, "handshake refused: " + id.err().message);
          return dial_failed(self, key, id.err().message);
        }
        if (is_banned(self, *id))
          return dial_failed(self, key, *id + " is banned");
        auto addr = t->addr;
        addr.peer_id.clear();
        self->request(remote, handshake_timeout, p_proof_atom::value,
                      handshake::sign(*st.cfg.identity, handshake::role::initiator, *hs))
          .then([=](p_ok_atom) { authenticated(self, *id, remote, rex, addr.multiaddr(), false, key); },
                [=](caf::error& e) { dial_failed(self, key, "handshake: " + render(self, e)); });
      },
      [=](caf::error& e) { dial_failed(self, key, "handshake: " + render(self, e)); });
}

// Asks the middleman to drop its cached entry for `gone`, an actor this actor saw go down.
// The middleman actor's down handler (CAF 0.17 middleman_actor_impl) erases every cache entry
// naming the down_msg's source; its typed interface does not list down_msg, hence the cast.
void forget_cached(peer_self self, const caf::actor& gone) {
  caf::anon_send(caf::actor_cast<caf::actor>(self->state.mm),
                 caf::down_msg{gone.address(), caf::exit_reason::remote_link_unreachable});
}

void dial(peer_self self, const std::string& key) {
  auto& st = self->state;
  auto* t = st.books->find(key);
  if (!t)
    return;
  auto target = t->addr;
  log::debug(component, "dialing " + target.multiaddr());
  self->request(st.mm, connect_timeout, caf::connect_atom::value, target.addr.host, target.addr.port)
    .then(
      [=](const caf::node_id& nid, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
        if (!ptr)
          return dial_failed(self, key, "no peer endpoint at that address");
        if (nid == self->system().node()) {
          log::warning(component, "not connecting to " + target.multiaddr() + ": it is this node itself");
          settle_waiters(self, key, {}, "it is this node itself");
          self->state.books->forget(key);
          return;
        }
        auto remote = caf::actor_cast<caf::actor>(ptr);
        if (self->state.dead.count(remote.address())) {
          // CAF's middleman caches the actor it found at each address and forgets it only when
          // its own monitor reports it down; until then every dial of the address gets the
          // dead actor back (and its requests time out), so a restarted peer would never be
          // reached again. We saw it go down: tell the middleman, which drops the entry, and
          // the next dial opens a fresh connection.
          forget_cached(self, remote);
          return dial_failed(self, key, "the middleman returned the remote's previous peer actor (cache entry dropped)");
        }
        handshake_as_initiator(self, key, remote);
      },
      [=](caf::error& e) { dial_failed(self, key, render(self, e)); });
}

void dial_due(peer_self self) {
  for (auto& key : self->state.books->take_due(peer_clock::now()))
    dial(self, key);
}

void ask_for_peers(peer_self self, const std::string& id) {
  auto i = self->state.peers.find(id);
  if (i == self->state.peers.end())
    return;
  self->request(i->second.remote, heartbeat_timeout, p_peers_atom::value)
    .then(
      [=](const std::vector<std::string>& list) {
        auto& st = self->state;
        size_t n = 0;
        for (const auto& text : list) {
          if (++n > gossip_max_entries)
            break;
          auto a = config::parse_peer_address(text);
          if (!a || a->peer_id.empty() || a->peer_id == st.cfg.identity->peer_id() || st.peers.count(a->peer_id) ||
              is_banned(self, a->peer_id) || unspecified_host(a->addr.host))
            continue;
          if (st.books->learn(*a, peer_clock::now()))
            log::info(component, "learned " + a->multiaddr() + " from " + id);
        }
        dial_due(self);
      },
      [=](caf::error&) {}); // the heartbeat notices a dead peer
}

void heartbeat(peer_self self) {
  for (auto& [id, s] : self->state.peers) {
    if (s.ping_outstanding)
      continue;
    s.ping_outstanding = true;
    auto start = peer_clock::now();
    auto gen = s.generation;
    auto pid = id;
    self->request(s.remote, heartbeat_timeout, ping_atom::value)
      .then(
        [=](pong_atom) {
          auto i = self->state.peers.find(pid);
          if (i == self->state.peers.end() || i->second.generation != gen)
            return;
          i->second.ping_outstanding = false;
          i->second.latency_ms = static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(peer_clock::now() - start).count());
        },
        [=](caf::error& e) {
          auto i = self->state.peers.find(pid);
          if (i == self->state.peers.end() || i->second.generation != gen)
            return;
          drop_session(self, pid, "heartbeat failed: " + render(self, e));
        });
  }
}

void on_tick(peer_self self) {
  auto& st = self->state;
  auto now = peer_clock::now();
  for (auto i = st.banned.begin(); i != st.banned.end();)
    i = i->second <= now ? st.banned.erase(i) : std::next(i);
  heartbeat(self);
  if (++st.ticks % gossip_every_ticks == 0) {
    std::vector<std::string> ids;
    for (auto& kv : st.peers)
      ids.push_back(kv.first);
    for (auto& id : ids)
      ask_for_peers(self, id);
  }
  dial_due(self);
  self->delayed_send(self, tick_interval, p_tick_atom::value);
}

// The IPv4 addresses of this host's interfaces, for a node listening on 0.0.0.0.
std::vector<std::string> interface_addresses() {
  std::vector<std::string> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0)
    return out;
  for (auto* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
      continue;
    char buf[INET_ADDRSTRLEN];
    auto* in = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
    if (::inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf))
      out.push_back(buf);
  }
  ::freeifaddrs(list);
  return out;
}

const session* session_of(peer_self self, const caf::actor_addr& remote) {
  for (auto& kv : self->state.peers)
    if (kv.second.remote.address() == remote)
      return &kv.second;
  return nullptr;
}

// Opens the peer endpoint. After a restart of this actor the previous incarnation's endpoint
// may still hold the port for a moment (the middleman closes it asynchronously, after the old
// actor is gone), so a port that cannot be opened is tried again for a while instead of
// failing at once and using up the supervisor's restart budget.
void listen(peer_self self, int attempt) {
  auto& st = self->state;
  const std::string host = st.cfg.listen.host;
  // A restarted actor takes the port its predecessor bound (with port 0 in the options too),
  // so that peers can still dial the address they know.
  const bool earlier_incarnation = st.cfg.bound_port && *st.cfg.bound_port != 0;
  uint16_t want = earlier_incarnation ? *st.cfg.bound_port : st.cfg.listen.port;
  self->request(st.mm, std::chrono::seconds(30), caf::publish_atom::value, want,
                caf::actor_cast<caf::strong_actor_ptr>(self), std::set<std::string>{}, host, true)
    .then(
      [=](uint16_t port) {
        auto& st = self->state;
        st.port = port;
        if (st.cfg.bound_port)
          *st.cfg.bound_port = port;
        st.listen_addr = config::peer_address{config::host_port{host, port}, {}}.multiaddr();
        self->attach_functor([mm = st.mm, addr = self->address(), port] {
          caf::anon_send(mm, caf::unpublish_atom::value, addr, port);
        });
        log::info(component, "peer endpoint listening on " + st.listen_addr + "/p2p/" + st.cfg.identity->peer_id() +
                                 (st.cfg.tls ? " (TLS)" : " (plaintext)"));
        self->send(self, p_tick_atom::value);
      },
      [=](caf::error& e) {
        auto where = config::host_port{host, want}.str();
        // Only a port an earlier incarnation held is waited for: at first start a port in use
        // is another program's, and the node says so at once.
        if (e == caf::sec::cannot_open_port && earlier_incarnation && attempt < listen_attempts) {
          if (attempt == 1)
            log::info(component, "port " + where + " is still in use (a previous peer endpoint closing?): retrying");
          self->delayed_send(self, listen_retry_interval, p_listen_atom::value, attempt + 1);
          return;
        }
        log::error(component, "cannot listen on " + where + ": " + render(self, e));
        self->quit(e);
      });
}

caf::behavior peer_actor(peer_self self, peer_actor_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.books = st.cfg.book ? st.cfg.book : std::make_shared<dial_book>();
  st.books->restart(peer_clock::now()); // an earlier incarnation's sessions are gone
  auto& sys = self->system();
  if (st.cfg.tls && !sys.has_openssl_manager()) {
    // Never publish a "TLS" endpoint that is not: refuse instead.
    log::error(component, "peer TLS is on but the openssl module is not loaded");
    self->quit(unavailable("peer TLS is on but the openssl module is not loaded"));
    return {};
  }
  st.mm = st.cfg.tls ? sys.openssl_manager().actor_handle() : sys.middleman().actor_handle();
  for (const auto& b : st.cfg.bootstrap)
    if (!st.books->find(dial_book::key_of(b)))
      st.books->add_bootstrap(b);
  if (st.cfg.tls && !tls::error_queue_guard_active())
    log::warning(component, "the OpenSSL error-queue guard is not linked in: a peer whose TLS connection breaks "
                            "may take healthy connections down with it (tls_error_queue.hpp)");
  self->set_down_handler([=](caf::down_msg& dm) {
    self->state.pending.erase(dm.source);
    if (self->state.dead.size() > 256)
      self->state.dead.clear();
    self->state.dead.insert(dm.source);
    std::vector<std::string> gone;
    for (auto& kv : self->state.peers)
      if (kv.second.remote.address() == dm.source)
        gone.push_back(kv.first);
    for (auto& id : gone)
      drop_session(self, id, "connection lost: " + render(self, dm.reason));
  });
  self->set_exit_handler([=](caf::exit_msg& em) {
    for (auto& kv : self->state.peers)
      self->send(kv.second.remote, p_bye_atom::value, std::string("node shutting down"));
    self->quit(em.reason);
  });
  listen(self, 1);
  return with_mailbox_probe(self, {
    [=](p_tick_atom) { on_tick(self); },
    [=](p_listen_atom, int attempt) { listen(self, attempt); },
    [=](p_hello_atom, const std::string& ikey, const std::string& inonce, const caf::actor& iex,
        const std::string& ilisten) {
      // Before make_response_promise(), which takes the sender out of the current message.
      auto sender = caf::actor_cast<caf::actor>(self->current_sender());
      auto rp = self->make_response_promise();
      auto& st = self->state;
      if (!sender)
        return rp.deliver(refuse("anonymous hello"));
      if (ikey.size() != node_identity::public_key_size || inonce.size() != handshake::nonce_size)
        return rp.deliver(refuse("malformed hello"));
      if (st.pending.size() >= max_pending_handshakes)
        return rp.deliver(unavailable("too many handshakes in progress"));
      pending_inbound p;
      p.hs = handshake::session{inonce, handshake::make_nonce(), ikey, st.cfg.identity->public_key()};
      p.remote = sender;
      p.remote_exchange = iex;
      p.listen = ilisten;
      auto sig = handshake::sign(*st.cfg.identity, handshake::role::responder, p.hs);
      auto rnonce = p.hs.responder_nonce;
      self->monitor(sender);
      st.pending[sender.address()] = std::move(p);
      rp.deliver(p_welcome_atom::value, st.cfg.identity->public_key(), rnonce, sig, local_named(self, "exchange"),
                 st.listen_addr);
    },
    [=](p_proof_atom, const std::string& sig) {
      // Before make_response_promise(), which takes the sender out of the current message.
      auto sender = caf::actor_cast<caf::actor>(self->current_sender());
      auto rp = self->make_response_promise();
      auto& st = self->state;
      auto i = sender ? st.pending.find(sender.address()) : st.pending.end();
      if (i == st.pending.end())
        return rp.deliver(refuse("proof without hello"));
      pending_inbound p = std::move(i->second);
      st.pending.erase(i);
      auto id = handshake::verify_remote(p.hs, handshake::role::initiator, sig);
      if (!id) {
        log::warning(component, "refused an inbound peer: " + id.err().message);
        return rp.deliver(refuse(id.err().message));
      }
      if (is_banned(self, *id))
        return rp.deliver(refuse("banned"));
      rp.deliver(p_ok_atom::value);
      auto advertised = config::parse_peer_address(p.listen);
      authenticated(self, *id, p.remote, p.remote_exchange, advertised ? advertised->multiaddr() : std::string{},
                    true, {});
      if (!advertised)
        return;
      if (!unspecified_host(advertised->addr.host))
        return note_listen_address(self, *id, *advertised);
      // It listens on every interface: dial it where its connection came from.
      auto a = *advertised;
      auto pid = *id;
      self->request(st.mm, heartbeat_timeout, caf::get_atom::value, p.remote.node())
        .then(
          [=](const caf::node_id&, const std::string& host, uint16_t) {
            auto fixed = a;
            fixed.addr.host = host;
            if (!host.empty())
              note_listen_address(self, pid, fixed);
          },
          [=](caf::error&) {});
    },
    [=](ping_atom) { return pong_atom::value; },
    [=](p_peers_atom) -> caf::result<std::vector<std::string>> {
      auto& st = self->state;
      auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
      const session* asker = session_of(self, sender);
      if (!asker)
        return refuse("peer exchange needs a finished handshake");
      std::vector<std::string> out;
      for (auto& kv : st.peers) {
        if (kv.first == asker->peer_id || kv.second.addr.empty() || out.size() >= gossip_max_entries)
          continue;
        out.push_back(kv.second.addr + "/p2p/" + kv.first);
      }
      return out;
    },
    [=](p_bye_atom, const std::string& reason) {
      auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
      if (const session* s = session_of(self, sender)) {
        std::string id = s->peer_id; // drop_session moves the session away
        drop_session(self, id, "closed by the peer: " + reason);
      }
    },
    [=](peer_misbehaved_atom, const std::string& id, const std::string& reason) {
      auto& st = self->state;
      auto until = peer_clock::now() + ban_duration;
      st.banned[id] = until;
      st.books->hold(id, until);
      log::warning(component, "peer " + id + " misbehaved (" + reason + "): disconnected and banned for 10 minutes");
      if (auto i = st.peers.find(id); i != st.peers.end())
        self->send(i->second.remote, p_bye_atom::value, "misbehaved: " + reason);
      drop_session(self, id, "misbehaved: " + reason);
      if (auto ledger = local_named(self, "ledger"))
        self->send(ledger, ledger_cut_atom::value, id);
    },
    [=](p_list_atom) {
      std::vector<peer_entry> out;
      for (auto& [id, s] : self->state.peers)
        out.push_back(peer_entry{id, s.addr, s.inbound, s.latency_ms});
      return out;
    },
    [=](p_addrs_atom) {
      auto& st = self->state;
      std::vector<std::string> out;
      if (st.port == 0)
        return out;
      const auto suffix = "/p2p/" + st.cfg.identity->peer_id();
      if (st.cfg.listen.host == "0.0.0.0") {
        for (auto& ip : interface_addresses())
          out.push_back(config::peer_address{config::host_port{ip, st.port}, {}}.multiaddr() + suffix);
      }
      if (out.empty())
        out.push_back(st.listen_addr + suffix);
      return out;
    },
    [=](p_connect_atom, const std::string& text) {
      auto rp = self->make_response_promise();
      auto& st = self->state;
      auto a = config::parse_peer_address(text);
      if (!a)
        return rp.deliver(to_caf(a.err()));
      if (a->peer_id == st.cfg.identity->peer_id())
        return rp.deliver(refuse("connect " + text + " failure: it is this node itself"));
      if (auto i = st.peers.find(a->peer_id); !a->peer_id.empty() && i != st.peers.end())
        return rp.deliver(a->peer_id);
      auto key = dial_book::key_of(*a);
      for (auto& kv : st.peers)
        if (kv.second.dial_key == key && (a->peer_id.empty() || a->peer_id == kv.first))
          return rp.deliver(kv.first);
      if (auto* t = st.books->find(key); t && t->active && t->addr.peer_id != a->peer_id && !a->peer_id.empty())
        return rp.deliver(unavailable("connect " + text + " failure: a dial to that address is in progress"));
      if (auto* t = st.books->find(key); !t || !t->active)
        st.books->add_manual(*a, peer_clock::now());
      st.waiters[key].push_back(rp);
      if (st.port != 0)
        dial_due(self);
    },
    [=](fault_atom) { throw std::runtime_error("fault injected into peer"); }, // supervision drills
    [=](p_resend_atom) {
      auto to = caf::actor_cast<caf::actor>(self->current_sender());
      if (!to)
        return;
      for (auto& [id, s] : self->state.peers)
        self->send(to, peer_up{id, s.remote_exchange, s.remote});
    },
    // An authenticated peer asks for one of our actors by name (only those meant for peers).
    [=](p_lookup_atom, const std::string& name) -> caf::result<caf::actor> {
      auto from = self->current_sender();
      bool known = false;
      // Any actor of an authenticated peer's node may ask (its validator asks, not its peer actor).
      for (auto& [id, s] : self->state.peers)
        known = known || (s.remote && from && s.remote.node() == from->node());
      if (!known)
        return to_caf(make_error(errc::unavailable, "lookup refused: not an authenticated peer"));
      if (name != "validator")
        return to_caf(make_error(errc::invalid_input, "lookup refused: '" + name + "' is not offered to peers"));
      auto a = local_named(self, name.c_str());
      if (!a)
        return to_caf(make_error(errc::not_found, "this node runs no " + name));
      return a;
    },
  });
}

} // namespace

caf::actor spawn_peer_actor(caf::actor_system& sys, peer_actor_config cfg) {
  return sys.spawn(peer_actor, std::move(cfg));
}

} // namespace mantle
