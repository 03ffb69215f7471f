#include "actors/validator/validator_actor.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "actors/validator/chain_node.hpp"
#include "config/genesis.hpp"
#include "config/log.hpp"
#include "messages/errors.hpp"
#include "messages/events.hpp"
#include "messages/market.hpp"
#include "messages/node_types.hpp"
#include "messages/peer.hpp"
#include "messages/validator.hpp"
#include "storage/identity.hpp"
#include "storage/keystore.hpp"
#include "actors/introspection.hpp"

namespace mantle {
namespace {

using namespace chain;

constexpr const char* component = "validator";
constexpr auto lookup_timeout = std::chrono::seconds(10);
constexpr auto blocks_timeout = std::chrono::seconds(20);
constexpr uint32_t max_blocks_per_batch = 100;
constexpr size_t max_batch_bytes = 8u << 20;
constexpr size_t max_txs_per_message = 10000;
// Raw state reads for the market and prover: bounded so one request cannot pin a huge answer.
constexpr size_t max_read_keys = 4096;
constexpr uint32_t max_scan_page = 4096;

struct peer_link {
  caf::actor validator;
  uint64_t height = 0; // its last announced head
};

struct validator_state {
  validator_actor_config cfg;
  std::unique_ptr<chain_node> node;
  std::unique_ptr<keystore> keys;
  std::map<std::string, peer_link> peers;          // by peer id
  std::map<caf::actor_addr, std::string> by_addr;  // remote validator -> peer id
  caf::group events;
  bool fetching = false; // a catch-up request is out
  static inline const char* name = "validator";
};

using actor_t = caf::stateful_actor<validator_state>;

uint64_t wall_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count());
}

caf::error fail(errc c, std::string msg) { return to_caf(make_error(c, std::move(msg))); }

template <class T>
void broadcast(actor_t* self, const T& msg) {
  for (auto& [id, p] : self->state.peers)
    if (p.validator)
      self->send(p.validator, msg);
}

void act(actor_t* self, node_outputs outs);

void request_blocks(actor_t* self, uint64_t from) {
  auto& st = self->state;
  if (st.fetching)
    return;
  // The peer that announced the highest head.
  const peer_link* best = nullptr;
  std::string best_id;
  for (auto& [id, p] : st.peers)
    if (p.validator && p.height >= from && (!best || p.height > best->height)) {
      best = &p;
      best_id = id;
    }
  if (!best)
    return;
  st.fetching = true;
  self->request(best->validator, blocks_timeout, chain_blocks_atom::value, from, max_blocks_per_batch)
    .then(
      [=](chain_block_batch& batch) {
        auto& st = self->state;
        st.fetching = false;
        if (batch.blocks.size() != batch.certs.size() || batch.blocks.size() > max_blocks_per_batch) {
          log::warning(component, "peer " + best_id + " sent a malformed block batch");
          return;
        }
        std::vector<std::pair<std::string, std::string>> pairs;
        for (size_t i = 0; i < batch.blocks.size(); ++i)
          pairs.emplace_back(std::move(batch.blocks[i]), std::move(batch.certs[i]));
        std::string err;
        auto outs = st.node->on_blocks(pairs, &err);
        if (!err.empty())
          log::warning(component, "blocks from " + best_id + " refused: " + err);
        act(self, std::move(outs));
        // More to fetch: go on from the new head.
        uint64_t next = st.node->head().height + 1;
        if (err.empty() && !pairs.empty())
          for (auto& [id, p] : st.peers)
            if (p.height >= next) {
              request_blocks(self, next);
              break;
            }
      },
      [=](caf::error& e) {
        self->state.fetching = false;
        log::debug(component, "block request to " + best_id + " failed: " + self->system().render(e));
      });
}

void publish(actor_t* self, std::string kind, uint64_t height, std::string text) {
  if (self->state.events)
    self->send(self->state.events, node_event{std::move(kind), height, std::move(text)});
}

void act(actor_t* self, node_outputs outs) {
  auto& st = self->state;
  // Txs to relay go out together, one message per max_txs_per_message, not one per tx.
  std::vector<std::string> relay;
  for (auto& o : outs) {
    if (auto* p = std::get_if<out_proposal>(&o)) {
      broadcast(self, chain_proposal{encode(p->p), std::move(p->block_bytes)});
    } else if (auto* v = std::get_if<out_vote>(&o)) {
      broadcast(self, chain_vote{encode(v->v)});
    } else if (auto* t = std::get_if<out_txs>(&o)) {
      if (relay.empty())
        relay = std::move(t->txs);
      else
        relay.insert(relay.end(), std::make_move_iterator(t->txs.begin()), std::make_move_iterator(t->txs.end()));
    } else if (auto* to = std::get_if<out_timeout>(&o)) {
      self->delayed_send(self, std::chrono::milliseconds(to->delay_ms), ch_timeout_atom::value, to->height,
                         to->round, static_cast<uint8_t>(to->step));
    } else if (auto* nh = std::get_if<out_next_height>(&o)) {
      self->delayed_send(self, std::chrono::milliseconds(nh->delay_ms), ch_next_atom::value, nh->height);
    } else if (auto* s = std::get_if<out_status>(&o)) {
      broadcast(self, chain_status{s->height, s->id, st.node->chain_id()});
    } else if (auto* r = std::get_if<out_request_blocks>(&o)) {
      request_blocks(self, r->from);
    } else if (auto* c = std::get_if<out_committed>(&o)) {
      std::string line = "block " + std::to_string(c->height) + " " + to_hex(c->id).substr(0, 16) + ": " +
                         std::to_string(c->txs) + " txs" +
                         (c->failed_txs ? " (" + std::to_string(c->failed_txs) + " failed)" : "") +
                         (c->caught_up ? ", from a peer" : "");
      log::debug(component, line);
      publish(self, "block", c->height, line);
      for (const auto& e : c->events) {
        log::info(component, e.text);
        publish(self, to_string(e.kind), c->height, e.text);
      }
    }
  }
  for (size_t i = 0; i < relay.size(); i += max_txs_per_message) {
    size_t end = std::min(relay.size(), i + max_txs_per_message);
    broadcast(self, chain_txs{{std::make_move_iterator(relay.begin() + i), std::make_move_iterator(relay.begin() + end)}});
  }
  if (!st.node->fatal().empty()) {
    log::error(component, "cannot go on: " + st.node->fatal());
    self->quit(fail(errc::io_error, st.node->fatal()));
  }
}

// The peer id of a message's sender, or empty when it is not a known peer's validator.
std::string sender_peer(actor_t* self) {
  auto addr = caf::actor_cast<caf::actor_addr>(self->current_sender());
  auto it = self->state.by_addr.find(addr);
  return it == self->state.by_addr.end() ? std::string{} : it->second;
}

result<std::string> key_of(const keystore& ks, const std::string& text) {
  if (text.size() == 2 * key_size) {
    auto raw = from_hex(text);
    if (raw)
      return *raw;
  }
  auto a = ks.select(text);
  if (!a)
    return make_error(errc::invalid_input, "'" + text + "' is neither a 64-digit hex key nor a keystore account");
  return (*a)->key.public_key();
}

result<tx_body> body_of(const validator_state& st, const sign_request& r, const node_identity& sender) {
  auto target = [&]() -> result<std::string> { return key_of(*st.keys, r.target); };
  if (r.kind == "transfer") {
    auto t = target();
    if (!t)
      return t.err();
    if (r.amount == 0)
      return make_error(errc::invalid_input, "transfer: the amount must be above 0");
    return tx_body{txs::transfer{*t, r.amount}};
  }
  if (r.kind == "bond")
    return tx_body{txs::bond{r.amount}};
  if (r.kind == "unbond")
    return tx_body{txs::unbond{r.amount}};
  if (r.kind == "withdraw")
    return tx_body{txs::withdraw_unbonded{}};
  if (r.kind == "chill")
    return tx_body{txs::chill{}};
  if (r.kind == "validate") {
    if (r.amount > 1000000)
      return make_error(errc::invalid_input, "validate: commission is in parts per million (0 to 1000000)");
    return tx_body{txs::validate{static_cast<uint32_t>(r.amount), st.cfg.identity->public_key()}};
  }
  if (r.kind == "register") {
    auto sig = st.cfg.identity->sign(register_node_sign_bytes(st.node->chain_id(), sender.public_key()));
    return tx_body{txs::register_node{st.cfg.identity->public_key(), sig}};
  }
  if (r.kind == "guarantee" || r.kind == "unguarantee") {
    auto t = target();
    if (!t)
      return t.err();
    if (r.kind == "guarantee")
      return tx_body{txs::guarantee{*t, r.amount}};
    return tx_body{txs::unguarantee{*t}};
  }
  return make_error(errc::invalid_input, "unknown transaction kind '" + r.kind +
                                             "' (transfer, bond, unbond, withdraw, validate, chill, guarantee, "
                                             "unguarantee, register)");
}

caf::behavior validator_actor(actor_t* self, validator_actor_config cfg) {
  auto& st = self->state;
  st.cfg = cfg;
  auto ks = keystore::open(cfg.data_dir + "/keystore");
  if (!ks)
    throw std::runtime_error("keystore: " + ks.err().message);
  st.keys = std::make_unique<keystore>(std::move(*ks));
  genesis gen;
  if (cfg.genesis_path.empty()) {
    // Dev chain: this node validates alone, its first account holds the funds.
    if (st.keys->accounts().empty()) {
      auto a = st.keys->create("default");
      if (!a)
        throw std::runtime_error("keystore: " + a.err().message);
      log::info(component, "created account 'default' " + to_hex((*a)->key.public_key()) + " in " +
                               st.keys->path());
    }
    gen = dev_genesis(cfg.identity->public_key(), st.keys->accounts().front().key.public_key(), 0);
    // Every dev node has its own chain: peers on other dev chains must not mistake it for theirs.
    gen.chain_id += "-" + to_hex(cfg.identity->public_key()).substr(0, 8);
  } else {
    auto g = load_genesis(cfg.genesis_path);
    if (!g)
      throw std::runtime_error("genesis '" + cfg.genesis_path + "': " + g.err().message);
    gen = std::move(*g);
  }
  chain_node_config nc;
  nc.dir = cfg.data_dir + "/chain";
  nc.gen = std::move(gen);
  nc.key = cfg.identity;
  nc.durable = cfg.durable;
  nc.byzantine = cfg.byzantine;
  if (cfg.byzantine)
    log::warning(component, "BYZANTINE DRILL: this validator double-signs; the others must slash it");
  nc.now_ms = wall_ms;
  auto node = chain_node::open(std::move(nc));
  if (!node)
    throw std::runtime_error("chain: " + node.err().message);
  st.node = std::move(*node);
  st.events = self->system().groups().get_local(node_event_group);
  bool member = find_validator(st.node->validators(), cfg.identity->public_key()) != nullptr;
  log::info(component, "chain '" + st.node->chain_id() + "' at height " + std::to_string(st.node->head().height) +
                           ", " + std::to_string(st.node->validators().size()) + " validators" +
                           (member ? ", this node among them" : ", this node follows"));
  // Peers that connected before we (re)started.
  if (auto peer = self->system().registry().get(caf::atom_from_string(peer_actor_name)))
    self->send(caf::actor_cast<caf::actor>(peer), p_resend_atom::value);
  act(self, st.node->start());
  self->delayed_send(self, std::chrono::milliseconds(st.node->tick_ms()), ch_tick_atom::value);

  return with_mailbox_probe(self, {
    [=](peer_up& up) {
      if (!up.remote_peer)
        return;
      auto id = up.peer_id;
      self->request(up.remote_peer, lookup_timeout, p_lookup_atom::value, std::string(validator_name))
        .then(
          [=](caf::actor& v) {
            auto& st = self->state;
            if (!v)
              return;
            if (auto old = st.peers.find(id); old != st.peers.end())
              st.by_addr.erase(old->second.validator.address());
            st.peers[id] = peer_link{v, 0};
            st.by_addr[v.address()] = id;
            self->send(v, chain_status{st.node->head().height, st.node->head().id, st.node->chain_id()});
            // Txs waiting here may never have reached this peer (it was not linked yet).
            if (auto txs = st.node->pending_txs(5000); !txs.empty())
              self->send(v, chain_txs{std::move(txs)});
          },
          [=](caf::error& e) {
            log::debug(component, "peer " + id + " offers no validator: " + self->system().render(e));
          });
    },
    [=](peer_down& down) {
      auto& st = self->state;
      if (auto it = st.peers.find(down.peer_id); it != st.peers.end()) {
        st.by_addr.erase(it->second.validator.address());
        st.peers.erase(it);
      }
    },
    [=](chain_proposal& m) {
      auto from = sender_peer(self);
      if (from.empty())
        return;
      auto p = decode_proposal(m.proposal);
      if (!p) {
        log::debug(component, "bad proposal from " + from + ": " + p.err().message);
        return;
      }
      act(self, self->state.node->on_proposal(*p, std::move(m.block)));
    },
    [=](chain_vote& m) {
      auto from = sender_peer(self);
      if (from.empty())
        return;
      auto v = decode_vote(m.vote);
      if (!v) {
        log::debug(component, "bad vote from " + from + ": " + v.err().message);
        return;
      }
      act(self, self->state.node->on_vote(*v));
    },
    [=](chain_txs& m) {
      if (sender_peer(self).empty() || m.txs.size() > max_txs_per_message)
        return;
      node_outputs outs;
      for (auto& t : m.txs)
        (void)self->state.node->submit_tx(std::move(t), outs); // a peer's bad tx is simply dropped
      act(self, std::move(outs));
    },
    [=](chain_status& s) {
      auto from = sender_peer(self);
      if (from.empty())
        return;
      auto& st = self->state;
      if (s.chain_id != st.node->chain_id()) {
        log::debug(component, "peer " + from + " is on chain '" + s.chain_id + "', not ours: no chain gossip with it");
        auto it = st.peers.find(from);
        st.by_addr.erase(it->second.validator.address());
        st.peers.erase(it);
        return;
      }
      auto& p = st.peers[from];
      p.height = std::max(p.height, s.height);
      act(self, self->state.node->on_peer_status(s.height));
    },
    [=](chain_blocks_atom, uint64_t from, uint32_t max) -> caf::result<chain_block_batch> {
      if (sender_peer(self).empty())
        return fail(errc::unavailable, "blocks are served to connected peers only");
      auto r = self->state.node->blocks_from(from, std::min(max, max_blocks_per_batch), max_batch_bytes);
      if (!r)
        return to_caf(r.err());
      chain_block_batch b;
      for (auto& [blk, cert] : *r) {
        b.blocks.push_back(std::move(blk));
        b.certs.push_back(std::move(cert));
      }
      return b;
    },
    [=](ch_timeout_atom, uint64_t h, uint32_t r, uint8_t step) {
      act(self, self->state.node->on_timeout(h, r, static_cast<round_step>(step)));
    },
    [=](ch_next_atom, uint64_t h) { act(self, self->state.node->start_next(h)); },
    [=](ch_tick_atom) {
      act(self, self->state.node->tick());
      self->delayed_send(self, std::chrono::milliseconds(self->state.node->tick_ms()), ch_tick_atom::value);
    },
    [=](chain_head_atom) -> std::string { return self->state.node->head_json(); },
    [=](chain_block_atom, uint64_t h) -> caf::result<std::string> {
      auto r = self->state.node->block_json(h);
      if (!r)
        return to_caf(r.err());
      return *r;
    },
    [=](chain_tx_atom, const std::string& hash) -> caf::result<std::string> {
      auto r = self->state.node->tx_json(hash);
      if (!r)
        return to_caf(r.err());
      return *r;
    },
    [=](chain_acct_atom, const std::string& who) -> caf::result<std::string> {
      auto key = who.size() == key_size ? result<std::string>(who) : key_of(*self->state.keys, who);
      if (!key)
        return to_caf(key.err());
      auto r = self->state.node->account_json(*key);
      if (!r)
        return to_caf(r.err());
      return *r;
    },
    [=](chain_vals_atom) -> caf::result<std::string> {
      auto r = self->state.node->validators_json();
      if (!r)
        return to_caf(r.err());
      return *r;
    },
    [=](chain_era_atom) -> caf::result<std::string> {
      auto r = self->state.node->era_json();
      if (!r)
        return to_caf(r.err());
      return *r;
    },
    [=](chain_submit_atom, std::string& bytes) -> caf::result<std::string> {
      node_outputs outs;
      auto h = self->state.node->submit_tx(std::move(bytes), outs);
      act(self, std::move(outs));
      if (!h)
        return to_caf(h.err());
      return to_hex(*h);
    },
    [=](chain_submit_atom, chain_txs& m) -> caf::result<std::string> {
      if (m.txs.size() > max_txs_per_message)
        return fail(errc::invalid_input, "at most " + std::to_string(max_txs_per_message) + " transactions at once");
      node_outputs outs;
      auto list = nlohmann::json::array();
      for (auto& t : m.txs) {
        auto h = self->state.node->submit_tx(std::move(t), outs);
        if (h)
          list.push_back({{"Hash", to_hex(*h)}});
        else
          list.push_back({{"Error", h.err().message}});
      }
      act(self, std::move(outs));
      return list.dump();
    },
    [=](sign_request& r) -> caf::result<std::string> {
      auto& st = self->state;
      auto acct = st.keys->select(r.account);
      if (!acct)
        return to_caf(acct.err());
      auto body = body_of(st, r, (*acct)->key);
      if (!body)
        return to_caf(body.err());
      node_outputs outs;
      auto h = st.node->sign_and_submit((*acct)->key, *body, outs);
      act(self, std::move(outs));
      if (!h)
        return to_caf(h.err());
      return to_hex(*h);
    },
    [=](chain_read_atom, const std::vector<std::string>& keys) -> caf::result<chain_read_reply> {
      if (keys.size() > max_read_keys)
        return fail(errc::invalid_input, "at most " + std::to_string(max_read_keys) + " keys per read");
      auto r = self->state.node->read_state();
      if (!r)
        return to_caf(r.err());
      chain_read_reply out;
      out.height = (*r)->head().height;
      for (const auto& k : keys) {
        auto v = (*r)->get(k);
        if (!v)
          return to_caf(v.err());
        out.found.push_back(v->has_value() ? 1 : 0);
        out.values.push_back(v->has_value() ? std::move(**v) : std::string());
      }
      return out;
    },
    [=](chain_scan_atom, const std::string& prefix, const std::string& after,
        uint32_t limit) -> caf::result<chain_scan_reply> {
      auto r = self->state.node->read_state();
      if (!r)
        return to_caf(r.err());
      auto page = (*r)->scan_page(prefix, after, std::min<uint32_t>(limit, max_scan_page));
      if (!page)
        return to_caf(page.err());
      chain_scan_reply out;
      out.height = (*r)->head().height;
      for (auto& [k, v] : *page) {
        out.keys.push_back(std::move(k));
        out.values.push_back(std::move(v));
      }
      return out;
    },
    [=](chain_nonce_atom, const std::string& key) -> caf::result<uint64_t> {
      uint64_t n = self->state.node->next_nonce(key);
      if (n == UINT64_MAX)
        return fail(errc::io_error, "cannot read account " + to_hex(key));
      return n;
    },
    [=](order_request& r) -> caf::result<std::string> {
      auto& st = self->state;
      auto acct = st.keys->select(r.account);
      if (!acct)
        return to_caf(acct.err());
      node_outputs outs;
      auto h = st.node->sign_and_submit((*acct)->key, txs::place_order{r.cid, r.size, r.proof_root, r.tips}, outs);
      act(self, std::move(outs));
      if (!h)
        return to_caf(h.err());
      return to_hex(*h);
    },
    [=](prepaid_request& r) -> caf::result<std::string> {
      auto& st = self->state;
      auto acct = st.keys->select(r.account);
      if (!acct)
        return to_caf(acct.err());
      node_outputs outs;
      auto h = st.node->sign_and_submit((*acct)->key, txs::add_prepaid{r.cid, r.amount}, outs);
      act(self, std::move(outs));
      if (!h)
        return to_caf(h.err());
      return to_hex(*h);
    },
    [=](acct_new_atom, const std::string& name) -> caf::result<std::string> {
      auto a = self->state.keys->create(name);
      if (!a)
        return to_caf(a.err());
      return nlohmann::json{{"name", (*a)->name}, {"key", to_hex((*a)->key.public_key())}}.dump();
    },
    [=](acct_list_atom) -> std::string {
      auto l = nlohmann::json::array();
      for (const auto& a : self->state.keys->accounts())
        l.push_back({{"name", a.name}, {"key", to_hex(a.key.public_key())}});
      return l.dump();
    },
  });
}

} // namespace

caf::actor spawn_validator_actor(caf::actor_system& sys, validator_actor_config cfg) {
  return sys.spawn<caf::detached>(validator_actor, std::move(cfg));
}

} // namespace mantle
