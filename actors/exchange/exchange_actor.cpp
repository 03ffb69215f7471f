#include "actors/exchange/exchange_actor.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "config/log.hpp"
#include "messages/errors.hpp"
#include "messages/exchange.hpp"
#include "messages/node_types.hpp"
#include "messages/peer.hpp"
#include "storage/dag_pb.hpp"
#include "storage/multihash.hpp"
#include "actors/introspection.hpp"

namespace mantle {
namespace {

using exchange::clock;
using exchange::want_engine;

constexpr const char* component = "exchange";
constexpr auto store_timeout = std::chrono::seconds(60);
constexpr auto tick_interval = std::chrono::milliseconds(250);

// Who waits for a wanted block: a fetch request or a DAG walk.
struct waiter {
  uint64_t id;
  bool dag;
};

struct fetch_request {
  cid id;
  caf::typed_response_promise<std::string> rp;
};

struct dag_job {
  cid root;
  caf::typed_response_promise<uint64_t> rp;
  std::unordered_set<std::string> seen;       // multihashes already walked or being walked
  std::unordered_map<std::string, cid> wanted; // asked from the network, not yet here
  size_t outstanding = 0;                     // local look-ups plus network wants
  uint64_t fetched = 0;
  std::chrono::milliseconds timeout{0};
  clock::time_point last_progress;
};

// A verified block on its way into the block store. Its links are read before the write so
// the bytes can move into the store: they are kept only while a fetch request waits for them.
struct arrived {
  block b;
  std::vector<std::string> holders;
  result<std::vector<dag_pb::link>> links = std::vector<dag_pb::link>{};
  bool has_bytes = true;
};

struct exchange_state {
  exchange_config cfg;
  want_engine engine;
  std::map<std::string, caf::actor> peers;        // by peer id
  std::map<caf::actor_addr, std::string> by_addr; // sender handle -> peer id
  std::unordered_map<std::string, std::vector<waiter>> waiters; // by multihash
  std::unordered_map<uint64_t, fetch_request> fetches;
  std::unordered_map<uint64_t, dag_job> jobs;
  uint64_t next_id = 1;
  std::vector<arrived> write_buf;
  size_t write_buf_bytes = 0;
  bool writing = false;
  // Want-blocks being answered, per peer; a cancel removes the entry and the block is not sent.
  std::map<std::string, std::unordered_set<std::string>> serving;
  std::map<std::string, size_t> checking; // want-haves being looked up, per peer
  // While a configured ledger is not running (being restarted by the supervisor), blocks to
  // serve wait for its decision, and bytes exchanged are counted here until it is back: a
  // peer never gets unaccounted blocks out of a ledger restart.
  struct awaiting_decision {
    std::string peer;
    cid id;
    std::string data;
    clock::time_point deadline;
  };
  std::vector<awaiting_decision> awaiting_ledger;
  std::map<std::string, std::pair<uint64_t, uint64_t>> unrecorded; // peer -> (sent, received)
  exchange_stats stats;
  bool tick_scheduled = false;
  static inline const char* name = "exchange";
};

using actor_t = caf::stateful_actor<exchange_state>;

caf::actor resolve(const std::function<caf::actor()>& f) { return f ? f() : caf::actor{}; }

std::string seconds_text(std::chrono::milliseconds d) {
  auto ms = d.count();
  if (ms % 1000 == 0)
    return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

// Sends what the engine scheduled and fails the waiters of blocks nobody has.
void flush_engine(actor_t* self);
void ensure_tick(actor_t* self);
void job_block(actor_t* self, uint64_t id, const cid& c, const std::string& data,
               const std::vector<std::string>& holders, bool fetched);
void job_links(actor_t* self, uint64_t id, const cid& c, const result<std::vector<dag_pb::link>>& links,
               const std::vector<std::string>& holders, bool fetched);

result<std::vector<dag_pb::link>> links_of(const cid& c, std::string_view data) {
  if (c.codec != codec::dag_pb)
    return std::vector<dag_pb::link>{};
  return dag_pb::decode_links(data);
}

void drop_waiter(actor_t* self, const cid& c, uint64_t id, bool dag) {
  auto it = self->state.waiters.find(c.mh);
  if (it == self->state.waiters.end())
    return;
  auto& ws = it->second;
  ws.erase(std::remove_if(ws.begin(), ws.end(), [&](const waiter& w) { return w.id == id && w.dag == dag; }),
           ws.end());
  if (ws.empty()) {
    self->state.waiters.erase(it);
    self->state.engine.drop(c);
  }
}

void fail_job(actor_t* self, uint64_t id, const error& err) {
  auto it = self->state.jobs.find(id);
  if (it == self->state.jobs.end())
    return;
  auto job = std::move(it->second);
  self->state.jobs.erase(it);
  log::warning(component, "fetching DAG " + job.root.str() + " failed: " + err.message);
  job.rp.deliver(to_caf(err));
  for (auto& [mh, c] : job.wanted)
    drop_waiter(self, c, id, true);
}

void want_from_network(actor_t* self, const cid& c, waiter w, const std::vector<std::string>& hints) {
  auto& st = self->state;
  st.waiters[c.mh].push_back(w);
  st.engine.want(c, hints);
  flush_engine(self);
  ensure_tick(self);
}

void deliver_fetch(actor_t* self, uint64_t id, std::string data) {
  auto f = self->state.fetches.find(id);
  if (f == self->state.fetches.end())
    return;
  f->second.rp.deliver(std::move(data));
  self->state.fetches.erase(f);
}

// Hands a stored block to everyone waiting for it.
void deliver(actor_t* self, const arrived& a) {
  auto it = self->state.waiters.find(a.b.cid.mh);
  if (it == self->state.waiters.end())
    return;
  auto ws = std::move(it->second);
  self->state.waiters.erase(it);
  for (auto& w : ws) {
    if (w.dag) {
      if (auto j = self->state.jobs.find(w.id); j != self->state.jobs.end())
        j->second.wanted.erase(a.b.cid.mh);
      job_links(self, w.id, a.b.cid, a.links, a.holders, true);
      continue;
    }
    if (a.has_bytes) {
      deliver_fetch(self, w.id, a.b.data);
      continue;
    }
    // A fetch that came while the bytes were on their way into the store: read them back.
    auto id = w.id;
    auto c = a.b.cid;
    auto store = resolve(self->state.cfg.store);
    if (!store) {
      if (auto f = self->state.fetches.find(id); f != self->state.fetches.end()) {
        f->second.rp.deliver(to_caf(make_error(errc::unavailable, "the block store is not running")));
        self->state.fetches.erase(f);
      }
      continue;
    }
    self->request(store, store_timeout, blk_get_atom::value, c)
      .then([=](std::string& data) { deliver_fetch(self, id, std::move(data)); },
            [=](caf::error& e) {
              auto f = self->state.fetches.find(id);
              if (f == self->state.fetches.end())
                return;
              f->second.rp.deliver(e);
              self->state.fetches.erase(f);
            });
  }
}

// Whether a fetch request (not only DAG walks) waits for this block's bytes.
bool bytes_wanted(actor_t* self, const std::string& mh) {
  auto it = self->state.waiters.find(mh);
  if (it == self->state.waiters.end())
    return false;
  for (auto& w : it->second)
    if (!w.dag)
      return true;
  return false;
}

void fail_waiters(actor_t* self, const std::string& mh, const error& err) {
  auto it = self->state.waiters.find(mh);
  if (it == self->state.waiters.end())
    return;
  auto ws = std::move(it->second);
  self->state.waiters.erase(it);
  for (auto& w : ws) {
    if (w.dag) {
      if (auto j = self->state.jobs.find(w.id); j != self->state.jobs.end()) {
        j->second.wanted.erase(mh);
        fail_job(self, w.id, error{err.code, "DAG " + j->second.root.str() + ": " + err.message});
      }
      continue;
    }
    auto f = self->state.fetches.find(w.id);
    if (f == self->state.fetches.end())
      continue;
    f->second.rp.deliver(to_caf(err));
    self->state.fetches.erase(f);
  }
}

// Writes verified blocks through the block store, one batch at a time; waiters get a block
// only once it is stored.
void start_write(actor_t* self) {
  auto& st = self->state;
  if (st.writing || st.write_buf.empty())
    return;
  auto batch = std::make_shared<std::vector<arrived>>(std::move(st.write_buf));
  st.write_buf.clear();
  st.write_buf_bytes = 0;
  auto store = resolve(st.cfg.store);
  if (!store) {
    auto err = make_error(errc::unavailable, "the block store is not running");
    for (auto& a : *batch)
      fail_waiters(self, a.b.cid.mh, err);
    return;
  }
  put_blocks req;
  req.blocks.reserve(batch->size());
  for (auto& a : *batch) {
    if (bytes_wanted(self, a.b.cid.mh)) {
      req.blocks.push_back(a.b);
    } else {
      req.blocks.push_back(block{a.b.cid, std::move(a.b.data)});
      a.has_bytes = false;
    }
  }
  st.writing = true;
  self->request(store, store_timeout, blk_put_atom::value, std::move(req))
    .then(
      [=](uint64_t) {
        self->state.writing = false;
        for (auto& a : *batch)
          deliver(self, a);
        start_write(self);
        flush_engine(self);
      },
      [=](caf::error& e) {
        self->state.writing = false;
        auto err = from_caf(e);
        log::warning(component, "storing fetched blocks failed: " + err.message);
        for (auto& a : *batch)
          fail_waiters(self, a.b.cid.mh, error{err.code, "cannot store block " + a.b.cid.str() + ": " + err.message});
        start_write(self);
        flush_engine(self);
      });
}

void queue_write(actor_t* self, arrived a) {
  auto& st = self->state;
  st.write_buf_bytes += a.b.data.size();
  st.write_buf.push_back(std::move(a));
  start_write(self);
}

// Looks a DAG node up locally; asks the network when it is missing.
void walk(actor_t* self, uint64_t id, const cid& c, const std::vector<std::string>& hints) {
  auto store = resolve(self->state.cfg.store);
  if (!store) {
    fail_job(self, id, make_error(errc::unavailable, "the block store is not running"));
    return;
  }
  auto on_missing = [=](caf::error& e) {
    auto err = from_caf(e);
    auto j = self->state.jobs.find(id);
    if (j == self->state.jobs.end())
      return;
    if (err.code != errc::not_found) {
      fail_job(self, id, err);
      return;
    }
    j->second.wanted.emplace(c.mh, c);
    want_from_network(self, c, waiter{id, true}, hints);
  };
  if (c.codec != codec::dag_pb) {
    // Leaves have no links: presence is all the walk needs.
    self->request(store, store_timeout, blk_has_atom::value, c)
      .then(
        [=](bool present) mutable {
          if (present) {
            job_block(self, id, c, std::string{}, hints, false);
          } else {
            caf::error e = to_caf(make_error(errc::not_found, "absent"));
            on_missing(e);
          }
        },
        on_missing);
    return;
  }
  self->request(store, store_timeout, blk_get_atom::value, c)
    .then([=](std::string& data) { job_block(self, id, c, data, hints, false); }, on_missing);
}

void job_block(actor_t* self, uint64_t id, const cid& c, const std::string& data,
               const std::vector<std::string>& holders, bool fetched) {
  job_links(self, id, c, links_of(c, data), holders, fetched);
}

void job_links(actor_t* self, uint64_t id, const cid& c, const result<std::vector<dag_pb::link>>& links,
               const std::vector<std::string>& holders, bool fetched) {
  auto it = self->state.jobs.find(id);
  if (it == self->state.jobs.end())
    return;
  auto& job = it->second;
  --job.outstanding;
  if (fetched)
    ++job.fetched;
  job.last_progress = clock::now();
  if (!links) {
    fail_job(self, id, make_error(errc::invalid_input, "block " + c.str() + " of DAG " + job.root.str() +
                                                           " is not valid dag-pb: " + links.err().message));
    return;
  }
  for (auto& l : *links) {
    if (!job.seen.insert(l.target.mh).second)
      continue;
    ++job.outstanding;
    walk(self, id, l.target, holders);
  }
  if (job.outstanding == 0) {
    log::debug(component, "DAG " + job.root.str() + " complete: " + std::to_string(job.fetched) + " blocks fetched");
    job.rp.deliver(job.fetched);
    self->state.jobs.erase(it);
  }
}

void flush_engine(actor_t* self) {
  auto& st = self->state;
  for (auto& out : st.engine.take_outgoing(clock::now())) {
    auto p = st.peers.find(out.peer);
    if (p == st.peers.end())
      continue;
    for (auto& cids : exchange::split_cids(std::move(out.cids), st.cfg.serve_limits.max_cids)) {
      switch (out.kind) {
        case exchange::msg_kind::want_have:
          self->send(p->second, want_have{std::move(cids)});
          break;
        case exchange::msg_kind::want_block:
          self->send(p->second, want_block{std::move(cids)});
          break;
        case exchange::msg_kind::cancel:
          self->send(p->second, cancel{std::move(cids)});
          break;
      }
    }
  }
  for (auto& f : st.engine.take_failures())
    fail_waiters(self, f.id.mh, f.err);
}

void ensure_tick(actor_t* self) {
  auto& st = self->state;
  if (st.tick_scheduled || (st.engine.wants() == 0 && st.jobs.empty() && st.awaiting_ledger.empty() &&
                            st.unrecorded.empty()))
    return;
  st.tick_scheduled = true;
  self->delayed_send(self, tick_interval, xch_tick_atom::value);
}

// The peer a message came from, by its sender handle; empty for strangers.
std::string sender_peer(actor_t* self) {
  auto addr = caf::actor_cast<caf::actor_addr>(self->current_sender());
  auto it = self->state.by_addr.find(addr);
  return it == self->state.by_addr.end() ? std::string{} : it->second;
}

// peer_up / peer_down must come from this process (the peer actor), never from a remote node.
bool from_local(actor_t* self) {
  auto& s = self->current_sender();
  return s && s->node() == self->node();
}

void forget_peer(actor_t* self, const std::string& id) {
  auto& st = self->state;
  auto it = st.peers.find(id);
  if (it == st.peers.end())
    return;
  st.by_addr.erase(it->second.address());
  self->demonitor(it->second);
  st.peers.erase(it);
  st.serving.erase(id);
  st.checking.erase(id);
  auto& waiting = st.awaiting_ledger;
  waiting.erase(std::remove_if(waiting.begin(), waiting.end(), [&](const auto& w) { return w.peer == id; }),
                waiting.end());
  st.engine.peer_down(id);
}

void misbehaved(actor_t* self, const std::string& id, const std::string& reason) {
  auto& st = self->state;
  ++st.stats.rejected;
  log::warning(component, "peer " + id + " misbehaved: " + reason);
  forget_peer(self, id);
  st.engine.ban(id);
  if (auto peer = resolve(st.cfg.peer))
    self->send(peer, peer_misbehaved_atom::value, id, reason);
  flush_engine(self);
}

void send_to_peer(actor_t* self, const std::string& id, caf::message msg) {
  auto p = self->state.peers.find(id);
  if (p != self->state.peers.end())
    self->send(p->second, std::move(msg));
}

// Whether a want message from `id` is within the serving limits; logs why not.
bool admit(actor_t* self, const std::string& id, exchange::msg_kind kind, size_t cids) {
  auto& st = self->state;
  size_t pending = 0;
  if (auto s = st.serving.find(id); s != st.serving.end())
    pending += s->second.size();
  if (auto c = st.checking.find(id); c != st.checking.end())
    pending += c->second;
  auto why = exchange::refuse_reason(kind, cids, pending, st.cfg.serve_limits);
  if (why.empty())
    return true;
  ++st.stats.refused_msgs;
  log::warning(component, "ignoring a " + why + " from peer " + id);
  return false;
}

void have_checked(actor_t* self, const std::string& id) {
  auto c = self->state.checking.find(id);
  if (c != self->state.checking.end() && c->second > 0)
    --c->second;
}

// Counts bytes exchanged with a peer in the credit ledger; kept here while a configured
// ledger is not running and handed over once it is back.
void record(actor_t* self, const std::string& id, uint64_t sent, uint64_t received) {
  auto& st = self->state;
  if (!st.cfg.ledger)
    return;
  auto ledger = resolve(st.cfg.ledger);
  if (!ledger) {
    auto& u = st.unrecorded[id];
    u.first += sent;
    u.second += received;
    ensure_tick(self);
    return;
  }
  for (auto& [peer, u] : st.unrecorded)
    self->send(ledger, record_atom::value, peer, u.first, u.second);
  st.unrecorded.clear();
  if (sent || received)
    self->send(ledger, record_atom::value, id, sent, received);
}

void serve_block(actor_t* self, const std::string& id, const cid& c, std::string data) {
  auto& st = self->state;
  auto s = st.serving.find(id);
  if (s == st.serving.end() || !s->second.erase(c.mh))
    return; // cancelled or disconnected meanwhile
  auto size = static_cast<uint64_t>(data.size());
  ++st.stats.blocks_sent;
  st.stats.bytes_sent += size;
  send_to_peer(self, id, caf::make_message(block_msg{c, std::move(data)}));
  record(self, id, size, 0);
}

exchange_stats current_stats(actor_t* self) {
  auto s = self->state.stats;
  s.peers = self->state.peers.size();
  s.wants = self->state.engine.wants();
  return s;
}

// The peer a message came from, counted as one exchange message received; empty (and not
// counted) for strangers.
std::string counted_sender(actor_t* self) {
  auto id = sender_peer(self);
  if (!id.empty())
    ++self->state.stats.messages_received;
  return id;
}

enum class refusal { absent, credit };

// For a timeout message: which peers have the block but would not serve it yet.
std::string deferring_text(actor_t* self, const cid& c) {
  auto peers = self->state.engine.deferring(c);
  if (peers.empty())
    return {};
  std::string out = "; " + std::to_string(peers.size()) + (peers.size() == 1 ? " peer has" : " peers have") +
                    " it but their credit ledger will not serve this node yet (" + peers.front() +
                    (peers.size() > 1 ? ", ..." : "") + "): give them blocks, or ask their operators to trust this node";
  return out;
}

// Answers a want_block without the block: dont_have when this node cannot read it, not_now
// when the credit ledger will not serve it yet (the peer asks again later).
void refuse_block(actor_t* self, const std::string& id, const cid& c, refusal why) {
  auto s = self->state.serving.find(id);
  if (s == self->state.serving.end() || !s->second.erase(c.mh))
    return;
  if (why == refusal::credit) {
    ++self->state.stats.deferred;
    send_to_peer(self, id, caf::make_message(not_now{{c}}));
  } else {
    send_to_peer(self, id, caf::make_message(dont_have{{c}}));
  }
}

// Serves a block this node has to a peer once the credit ledger agrees (always when no ledger
// runs): the ledger may queue the decision, so the bytes wait here meanwhile.
void decide_and_serve(actor_t* self, const std::string& id, const cid& c, std::string data) {
  auto& st = self->state;
  auto ledger = resolve(st.cfg.ledger);
  if (!ledger && st.cfg.ledger) { // configured but restarting: wait for it (see the tick)
    st.awaiting_ledger.push_back({id, c, std::move(data), clock::now() + st.cfg.ledger_timeout});
    ensure_tick(self);
    return;
  }
  if (!ledger) {
    serve_block(self, id, c, std::move(data));
    return;
  }
  auto size = static_cast<uint64_t>(data.size());
  auto keep = std::make_shared<std::string>(std::move(data));
  self->request(ledger, self->state.cfg.ledger_timeout, may_serve_atom::value, id, size)
    .then(
      [=](bool ok) {
        if (ok)
          serve_block(self, id, c, std::move(*keep));
        else
          refuse_block(self, id, c, refusal::credit);
      },
      [=](caf::error& e) {
        log::warning(component, "the ledger did not decide on serving " + id + ": " +
                                    from_caf(e).message + "; not serving now");
        refuse_block(self, id, c, refusal::credit);
      });
}

// On each tick: once the ledger runs again, hands it what was counted meanwhile and asks it
// about the blocks that waited; a block that waited longer than the ledger timeout is refused.
void retry_ledger(actor_t* self, clock::time_point now) {
  auto& st = self->state;
  if (st.awaiting_ledger.empty() && st.unrecorded.empty())
    return;
  if (resolve(st.cfg.ledger)) {
    record(self, {}, 0, 0);
    auto waiting = std::move(st.awaiting_ledger);
    st.awaiting_ledger.clear();
    for (auto& w : waiting)
      decide_and_serve(self, w.peer, w.id, std::move(w.data));
    return;
  }
  auto expired = std::stable_partition(st.awaiting_ledger.begin(), st.awaiting_ledger.end(),
                                       [&](const auto& w) { return w.deadline > now; });
  if (expired != st.awaiting_ledger.end())
    log::warning(component, std::to_string(st.awaiting_ledger.end() - expired) +
                              " blocks not served: the credit ledger has not been running for " +
                              seconds_text(st.cfg.ledger_timeout));
  for (auto it = expired; it != st.awaiting_ledger.end(); ++it)
    refuse_block(self, it->peer, it->id, refusal::credit);
  st.awaiting_ledger.erase(expired, st.awaiting_ledger.end());
}

caf::behavior exchange_actor(actor_t* self, exchange_config cfg) {
  // Remote nodes can send anything: a message the exchange does not know is dropped (and
  // logged), never a reason to stop serving everyone else.
  self->set_default_handler([](caf::scheduled_actor* me, caf::message_view& x) -> caf::result<caf::message> {
    log::debug(component, "dropping unexpected message " + to_string(x.content()) + " from " +
                              (me->current_sender() ? to_string(me->current_sender()->address()) : "anonymous"));
    return caf::sec::unexpected_message;
  });
  self->set_error_handler([](caf::error& e) {
    log::debug(component, "ignoring an error message: " + to_string(e));
  });
  self->state.engine = want_engine(cfg.limits);
  self->state.cfg = std::move(cfg);
  // A restarted exchange starts with no peers: the peer actor tells it again who is connected.
  if (auto peer = resolve(self->state.cfg.peer))
    self->send(peer, p_resend_atom::value);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto it = self->state.by_addr.find(dm.source);
    if (it == self->state.by_addr.end())
      return;
    auto id = it->second;
    log::info(component, "peer " + id + "'s exchange went down");
    forget_peer(self, id);
    flush_engine(self);
  });
  return with_mailbox_probe(self, {
    // --- peers, from the local peer actor
    [=](peer_up& up) {
      if (!from_local(self) || !up.remote_exchange)
        return;
      auto& st = self->state;
      if (st.engine.banned(up.peer_id)) {
        log::info(component, "ignoring banned peer " + up.peer_id);
        return;
      }
      forget_peer(self, up.peer_id); // a reconnect brings a new handle
      st.peers[up.peer_id] = up.remote_exchange;
      st.by_addr[up.remote_exchange.address()] = up.peer_id;
      self->monitor(up.remote_exchange);
      st.engine.peer_up(up.peer_id);
      log::debug(component, "peer up: " + up.peer_id);
      flush_engine(self);
    },
    [=](peer_down& down) {
      if (!from_local(self))
        return;
      log::debug(component, "peer down: " + down.peer_id + " (" + down.reason + ")");
      forget_peer(self, down.peer_id);
      flush_engine(self);
    },
    // --- serving
    [=](want_have& w) {
      auto id = counted_sender(self);
      if (id.empty() || !admit(self, id, exchange::msg_kind::want_have, w.cids.size()))
        return;
      auto store = resolve(self->state.cfg.store);
      for (auto& c : w.cids) {
        if (!store) {
          send_to_peer(self, id, caf::make_message(dont_have{{c}}));
          continue;
        }
        ++self->state.checking[id];
        self->request(store, store_timeout, blk_has_atom::value, c)
          .then(
            [=](bool present) {
              have_checked(self, id);
              if (present)
                send_to_peer(self, id, caf::make_message(have{{c}}));
              else
                send_to_peer(self, id, caf::make_message(dont_have{{c}}));
            },
            [=](caf::error&) {
              have_checked(self, id);
              send_to_peer(self, id, caf::make_message(dont_have{{c}}));
            });
      }
    },
    [=](want_block& w) {
      auto id = counted_sender(self);
      if (id.empty() || !admit(self, id, exchange::msg_kind::want_block, w.cids.size()))
        return;
      auto store = resolve(self->state.cfg.store);
      for (auto& c : w.cids) {
        self->state.serving[id].insert(c.mh);
        if (!store) {
          refuse_block(self, id, c, refusal::absent);
          continue;
        }
        self->request(store, store_timeout, blk_get_atom::value, c)
          .then([=](std::string& data) { decide_and_serve(self, id, c, std::move(data)); },
                [=](caf::error&) { refuse_block(self, id, c, refusal::absent); });
      }
    },
    [=](cancel& x) {
      auto id = counted_sender(self);
      if (id.empty() || !admit(self, id, exchange::msg_kind::cancel, x.cids.size()))
        return;
      auto s = self->state.serving.find(id);
      if (s == self->state.serving.end())
        return;
      for (auto& c : x.cids)
        s->second.erase(c.mh);
    },
    // --- fetching: answers from peers
    [=](have& h) {
      auto id = counted_sender(self);
      if (id.empty())
        return;
      for (auto& c : h.cids)
        self->state.engine.on_have(id, c);
      flush_engine(self);
    },
    [=](dont_have& h) {
      auto id = counted_sender(self);
      if (id.empty())
        return;
      for (auto& c : h.cids)
        self->state.engine.on_dont_have(id, c);
      flush_engine(self);
    },
    [=](not_now& x) {
      auto id = counted_sender(self);
      if (id.empty())
        return;
      auto now = clock::now();
      for (auto& c : x.cids)
        self->state.engine.on_not_now(id, c, now);
      flush_engine(self);
      ensure_tick(self);
    },
    [=](block_msg& m) {
      auto id = counted_sender(self);
      if (id.empty())
        return;
      // Hash before anything else: the bytes are untrusted until they match the CID.
      if (auto ok = multihash::verify(m.id.mh, m.data); !ok) {
        misbehaved(self, id, "sent block " + m.id.str() + " with wrong bytes (" + ok.err().message + ")");
        return;
      }
      auto out = self->state.engine.on_block(id, m.id);
      if (out.verdict == exchange::block_verdict::unrequested) {
        misbehaved(self, id, "sent block " + m.id.str() + " that was not requested");
        return;
      }
      if (out.verdict == exchange::block_verdict::duplicate) {
        ++self->state.stats.dup_blocks;
        self->state.stats.dup_bytes += m.data.size();
        flush_engine(self);
        return;
      }
      auto size = static_cast<uint64_t>(m.data.size());
      ++self->state.stats.blocks_received;
      self->state.stats.bytes_received += size;
      record(self, id, 0, size);
      auto links = links_of(m.id, m.data);
      queue_write(self, arrived{block{m.id, std::move(m.data)}, std::move(out.holders), std::move(links)});
      flush_engine(self);
    },
    // --- local API
    [=](fetch_atom, const cid& c, uint64_t timeout_ms) -> caf::typed_response_promise<std::string> {
      auto rp = self->make_response_promise<std::string>();
      auto store = resolve(self->state.cfg.store);
      if (!store) {
        rp.deliver(to_caf(make_error(errc::unavailable, "the block store is not running")));
        return rp;
      }
      auto id = self->state.next_id++;
      auto timeout = timeout_ms ? std::chrono::milliseconds(timeout_ms) : self->state.cfg.fetch_timeout;
      self->state.fetches.emplace(id, fetch_request{c, rp});
      self->request(store, store_timeout, blk_get_atom::value, c)
        .then(
          [=](std::string& data) {
            auto f = self->state.fetches.find(id);
            if (f == self->state.fetches.end())
              return;
            f->second.rp.deliver(std::move(data));
            self->state.fetches.erase(f);
          },
          [=](caf::error& e) {
            auto f = self->state.fetches.find(id);
            if (f == self->state.fetches.end())
              return;
            auto err = from_caf(e);
            if (err.code != errc::not_found) {
              f->second.rp.deliver(to_caf(err));
              self->state.fetches.erase(f);
              return;
            }
            self->delayed_send(self, timeout, fetch_tmo_atom::value, id, static_cast<uint64_t>(timeout.count()));
            want_from_network(self, c, waiter{id, false}, {});
          });
      return rp;
    },
    [=](fetch_tmo_atom, uint64_t id, uint64_t timeout_ms) {
      auto f = self->state.fetches.find(id);
      if (f == self->state.fetches.end())
        return;
      auto c = f->second.id;
      auto rp = f->second.rp;
      self->state.fetches.erase(f);
      rp.deliver(to_caf(make_error(
        errc::unavailable, "timed out after " + seconds_text(std::chrono::milliseconds(timeout_ms)) +
                               " fetching block " + c.str() + " from " +
                               std::to_string(self->state.engine.peer_count()) + " connected peers" +
                               deferring_text(self, c))));
      drop_waiter(self, c, id, false);
      flush_engine(self);
    },
    [=](fetch_dag_atom, const cid& root, uint64_t timeout_ms) -> caf::typed_response_promise<uint64_t> {
      auto rp = self->make_response_promise<uint64_t>();
      auto id = self->state.next_id++;
      dag_job job;
      job.root = root;
      job.rp = rp;
      job.timeout = timeout_ms ? std::chrono::milliseconds(timeout_ms) : self->state.cfg.fetch_timeout;
      job.last_progress = clock::now();
      job.seen.insert(root.mh);
      job.outstanding = 1;
      self->state.jobs.emplace(id, std::move(job));
      walk(self, id, root, {});
      ensure_tick(self);
      return rp;
    },
    // Progress of the running DAG fetches of `root` (the market shows it): blocks fetched from
    // peers and blocks known so far (walked or being walked; grows as the DAG is discovered).
    [=](fetch_dag_atom, const cid& root) -> caf::result<uint64_t, uint64_t> {
      uint64_t fetched = 0, known = 0;
      for (const auto& [id, job] : self->state.jobs)
        if (job.root == root) {
          fetched += job.fetched;
          known += job.seen.size();
        }
      return caf::result<uint64_t, uint64_t>(fetched, known);
    },
    [=](xch_tick_atom) {
      auto& st = self->state;
      st.tick_scheduled = false;
      auto now = clock::now();
      st.engine.tick(now);
      std::vector<uint64_t> stalled;
      for (auto& [id, job] : st.jobs)
        if (now - job.last_progress > job.timeout)
          stalled.push_back(id);
      for (auto id : stalled) {
        auto& job = st.jobs.at(id);
        std::string example = job.wanted.empty() ? std::string{} : ", e.g. " + job.wanted.begin()->second.str();
        std::string deferred;
        for (auto& [mh, c] : job.wanted)
          if (!(deferred = deferring_text(self, c)).empty())
            break;
        fail_job(self, id, make_error(errc::unavailable,
                                      "timed out fetching DAG " + job.root.str() + ": no block arrived for " +
                                        seconds_text(job.timeout) + " (" + std::to_string(job.fetched) +
                                        " blocks fetched, " + std::to_string(job.wanted.size()) +
                                        " still missing" + example + ") from " +
                                        std::to_string(st.engine.peer_count()) + " connected peers" + deferred));
      }
      retry_ledger(self, now);
      flush_engine(self);
      ensure_tick(self);
    },
    [=](stats_atom) -> exchange_stats { return current_stats(self); },
    [=](bitswap_atom) -> exchange_status {
      exchange_status out{current_stats(self), {}, self->state.engine.wantlist()};
      for (auto& [id, handle] : self->state.peers)
        out.peers.push_back(id); // a std::map: sorted
      return out;
    },
  });
}

} // namespace

caf::actor spawn_exchange_actor(caf::actor_system& sys, exchange_config cfg) {
  return sys.spawn(exchange_actor, std::move(cfg));
}

} // namespace mantle
