#include "actors/gateway/actor_backend.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include "actors/exchange/fetching_source.hpp"
#include "messages/block_store.hpp"
#include "messages/exchange.hpp"
#include "messages/errors.hpp"

namespace mantle {
namespace {

using namespace std::chrono_literals;

// Sends one request and waits for its single reply. While the store is being restarted by
// its supervisor the registry may be empty or still hold the dead incarnation for a moment:
// such requests are retried for up to two seconds instead of failing the HTTP call.
// `next_message` builds the request for each attempt and returns nothing once it cannot build
// another one (a payload handed over to a mailbox is gone).
// Whether `dest` still runs. Monitoring a terminated actor delivers its down message at once,
// so this needs no round trip through its mailbox (which may hold a long write).
bool still_running(caf::scoped_actor& self, const caf::actor& dest) {
  self->monitor(dest);
  bool down = false;
  self->receive([&](caf::down_msg& d) { down = d.source == dest.address(); },
                caf::after(std::chrono::seconds(0)) >> [] {});
  self->demonitor(dest);
  return !down;
}

template <class T, class MakeMessage>
result<T> ask_with(caf::actor_system& sys, const actor_resolver& resolve, std::chrono::seconds timeout,
                   MakeMessage next_message, bool check_running = false) {
  constexpr int max_attempts = 100;
  constexpr auto pause = std::chrono::milliseconds(20);
  caf::scoped_actor self{sys};
  for (int attempt = 1;; ++attempt) {
    auto dest = resolve();
    if (!dest || (check_running && !still_running(self, dest))) {
      if (attempt >= max_attempts)
        return make_error(errc::unavailable, "the block store is not running");
      std::this_thread::sleep_for(pause);
      continue;
    }
    std::optional<caf::message> msg = next_message();
    if (!msg)
      return make_error(errc::unavailable,
                        "the block store stopped while taking a write; retry the request");
    std::optional<result<T>> out;
    bool receiver_down = false;
    self->request(dest, timeout, std::move(*msg))
      .receive([&](T& v) { out.emplace(std::move(v)); },
               [&](caf::error& e) {
                 receiver_down = e == caf::sec::request_receiver_down;
                 out.emplace(from_caf(e));
               });
    if (receiver_down && attempt < max_attempts) {
      std::this_thread::sleep_for(pause);
      continue;
    }
    return std::move(*out);
  }
}

// Small requests: a fresh copy of the arguments for every attempt.
template <class T, class... Ts>
result<T> ask(caf::actor_system& sys, const actor_resolver& resolve, std::chrono::seconds timeout,
              const Ts&... xs) {
  return ask_with<T>(sys, resolve, timeout, [&]() -> std::optional<caf::message> {
    return caf::make_message(xs...);
  });
}

// Block batches (8 MiB while adding): the payload is moved into the one message instead of
// copied per attempt. That copy was a quarter of the node's CPU during `add`. So that a store
// being restarted does not swallow it, the handle is checked first (a crashed incarnation
// still in the registry is waited out like an empty registry); only a store that dies in the
// instant between that check and the send fails the call.
template <class T, class Atom, class Payload>
result<T> ask_handing_over(caf::actor_system& sys, const actor_resolver& resolve,
                           std::chrono::seconds timeout, Atom atom, Payload payload) {
  bool sent = false;
  return ask_with<T>(
    sys, resolve, timeout,
    [&]() -> std::optional<caf::message> {
      if (std::exchange(sent, true))
        return std::nullopt;
      return caf::make_message(atom, std::move(payload));
    },
    true);
}

constexpr auto short_timeout = std::chrono::seconds(60);
constexpr auto long_timeout = std::chrono::seconds(3600);

class actor_add_session final : public add_session {
public:
  actor_add_session(caf::actor_system& sys, actor_resolver resolve, uint64_t id)
    : sys_(sys), resolve_(std::move(resolve)), id_(id) {}

  ~actor_add_session() override {
    wait_inflight();
    if (!committed_)
      ask<bool>(sys_, resolve_, short_timeout, sess_end_atom::value, id_);
  }

  status put(block b) override {
    pending_bytes_ += b.data.size();
    batch_.blocks.push_back(std::move(b));
    if (pending_bytes_ >= batch_bytes)
      return dispatch();
    return {};
  }

  status flush() override {
    if (auto s = dispatch(); !s)
      return s;
    return wait_inflight();
  }

  status commit(const std::vector<cid>& roots, bool pin, const std::string& name) override {
    if (auto s = flush(); !s)
      return s;
    if (pin) {
      for (auto& root : roots) {
        pin_request req{root, static_cast<uint8_t>(pin_type::recursive), name, 0};
        auto r = ask<bool>(sys_, resolve_, long_timeout, pin_add_atom::value, std::move(req));
        if (!r)
          return r.err();
      }
    }
    auto r = ask<bool>(sys_, resolve_, short_timeout, sess_end_atom::value, id_);
    if (!r)
      return r.err();
    committed_ = true;
    return {};
  }

private:
  // The next batch is filled (hashing goes on) while the store writes earlier ones; at most
  // two are in flight (measured ~8% faster than one), so memory stays bounded (3 x 8 MiB).
  static constexpr size_t batch_bytes = 8 << 20;
  static constexpr size_t max_inflight = 2;

  // Waits until at most `keep` batches are in flight; the first error wins.
  status wait_inflight(size_t keep = 0) {
    status first;
    while (inflight_.size() > keep) {
      auto s = inflight_.front().get();
      inflight_.pop_front();
      if (!s && first)
        first = s;
    }
    return first;
  }

  status dispatch() {
    if (batch_.blocks.empty())
      return {};
    if (auto s = wait_inflight(max_inflight - 1); !s)
      return s;
    put_blocks req;
    req.session = id_;
    req.blocks.swap(batch_.blocks);
    pending_bytes_ = 0;
    inflight_.push_back(std::async(std::launch::async, [this, req = std::move(req)]() mutable -> status {
      auto r = ask_handing_over<uint64_t>(sys_, resolve_, short_timeout, blk_put_atom::value, std::move(req));
      if (!r)
        return r.err();
      return {};
    }));
    return {};
  }

  caf::actor_system& sys_;
  actor_resolver resolve_;
  uint64_t id_;
  put_blocks batch_;
  size_t pending_bytes_ = 0;
  std::deque<std::future<status>> inflight_;
  bool committed_ = false;
};

// Block reads through messages (no local store: the store is in another process). One
// request per block would pay a full round trip each, so when a reader announces the blocks it
// reads next (block_source::prefetch, depth first) the next `window` of them are requested in
// parallel ahead of time. The readahead is per calling thread: each HTTP connection has its own
// thread and reads one DAG at a time.
class actor_source final : public block_source {
public:
  actor_source(caf::actor_system& sys, actor_resolver resolve)
    : sys_(sys), resolve_(std::move(resolve)) {}

  result<std::string> get(const cid& c) override {
    std::shared_future<result<std::string>> ahead;
    std::vector<std::shared_future<result<std::string>>> dropped; // waited for outside the lock
    {
      std::lock_guard<std::mutex> guard(mu_);
      auto it = streams_.find(std::this_thread::get_id());
      if (it != streams_.end()) {
        auto& st = it->second;
        auto pos = std::find(st.order.begin(), st.order.end(), c);
        if (pos == st.order.end()) {
          // Not what this thread announced: a new read started; forget the old one.
          for (auto& kv : st.inflight)
            dropped.push_back(std::move(kv.second));
          streams_.erase(it);
        } else {
          // Announced blocks before `c` were skipped by the reader.
          for (auto i = st.order.begin(); i != pos; ++i)
            take(st, *i, dropped);
          st.order.erase(st.order.begin(), pos + 1);
          if (auto f = st.inflight.find(c.mh); f != st.inflight.end()) {
            ahead = std::move(f->second);
            st.inflight.erase(f);
          }
          top_up(st);
          if (st.order.empty() && st.inflight.empty())
            streams_.erase(it);
        }
      }
    }
    if (ahead.valid())
      return ahead.get();
    return fetch(c);
  }

  void prefetch(const std::vector<cid>& next) override {
    if (next.empty())
      return;
    std::lock_guard<std::mutex> guard(mu_);
    auto& st = streams_[std::this_thread::get_id()];
    st.order.insert(st.order.begin(), next.begin(), next.end());
    top_up(st);
  }

private:
  static constexpr size_t window = 8;

  struct stream {
    std::deque<cid> order;                                                // still to be read
    std::map<std::string, std::shared_future<result<std::string>>> inflight; // by multihash
  };

  result<std::string> fetch(const cid& c) {
    return ask<std::string>(sys_, resolve_, short_timeout, blk_get_atom::value, c);
  }
  static void take(stream& st, const cid& c, std::vector<std::shared_future<result<std::string>>>& out) {
    if (auto f = st.inflight.find(c.mh); f != st.inflight.end()) {
      out.push_back(std::move(f->second));
      st.inflight.erase(f);
    }
  }
  // Makes sure the first `window` announced blocks are requested.
  void top_up(stream& st) {
    for (size_t i = 0; i < st.order.size() && i < window; ++i) {
      const cid& c = st.order[i];
      if (st.inflight.count(c.mh))
        continue;
      st.inflight.emplace(c.mh, std::async(std::launch::async, [this, c] { return fetch(c); }).share());
    }
  }

  caf::actor_system& sys_;
  actor_resolver resolve_;
  std::mutex mu_;
  std::unordered_map<std::thread::id, stream> streams_;
};

class actor_backend final : public node_backend {
public:
  actor_backend(caf::actor_system& sys, actor_resolver resolve, peer_info id,
                std::shared_ptr<block_store> local)
    : sys_(sys), resolve_(std::move(resolve)), source_(sys, resolve_), id_(std::move(id)),
      local_(std::move(local)) {}

  result<std::unique_ptr<add_session>> begin_add() override {
    auto id = ask<uint64_t>(sys_, resolve_, short_timeout, sess_open_atom::value);
    if (!id)
      return id.err();
    return std::unique_ptr<add_session>(std::make_unique<actor_add_session>(sys_, resolve_, *id));
  }
  block_source& blocks() override { return fetching_; }
  result<bool> has_block(const cid& c) override {
    if (local_)
      return local_->has(c);
    return ask<bool>(sys_, resolve_, short_timeout, blk_has_atom::value, c);
  }
  result<uint64_t> block_size(const cid& c) override {
    if (local_)
      return local_->block_size(c);
    return ask<uint64_t>(sys_, resolve_, short_timeout, blk_size_atom::value, c);
  }
  status put_block(block b) override {
    put_blocks req;
    req.blocks.push_back(std::move(b));
    auto r = ask_handing_over<uint64_t>(sys_, resolve_, short_timeout, blk_put_atom::value, std::move(req));
    if (!r)
      return r.err();
    return {};
  }
  status remove_block(const cid& c) override {
    auto r = ask<bool>(sys_, resolve_, short_timeout, blk_rm_atom::value, c);
    return r ? status{} : status{r.err()};
  }
  status pin_add(const cid& c, pin_type t, const std::string& name) override {
    // A CID this node lacks comes from peers first (no-op without an exchange actor).
    if (t == pin_type::recursive) {
      if (auto s = fetch_dag(sys_, exchange_, c); !s)
        return s;
    } else if (auto b = fetching_.get(c); !b && b.err().code != errc::not_found) {
      return b.err();
    }
    pin_request req{c, static_cast<uint8_t>(t), name, 0};
    auto r = ask<bool>(sys_, resolve_, long_timeout, pin_add_atom::value, std::move(req));
    return r ? status{} : status{r.err()};
  }
  status pin_rm(const cid& c, bool recursive) override {
    auto r = ask<bool>(sys_, resolve_, short_timeout, pin_rm_atom::value, c, recursive);
    return r ? status{} : status{r.err()};
  }
  result<std::vector<pin_info>> pin_ls(std::optional<pin_type> only,
                                       const std::vector<cid>& which) override {
    pin_query q{only ? static_cast<uint8_t>(*only) : uint8_t{0}, which};
    auto r = ask<std::vector<pin_entry>>(sys_, resolve_, long_timeout, pin_ls_atom::value, std::move(q));
    if (!r)
      return r.err();
    std::vector<pin_info> out;
    out.reserve(r->size());
    for (auto& e : *r)
      out.push_back(pin_info{e.cid, static_cast<pin_type>(e.type), e.name});
    return out;
  }
  result<gc_result> gc() override {
    return ask<gc_result>(sys_, resolve_, long_timeout, repo_gc_atom::value);
  }
  result<repo_stat> stat() override {
    return ask<repo_stat>(sys_, resolve_, short_timeout, repo_st_atom::value);
  }
  peer_info identity() override { return id_; }

private:
  caf::actor_system& sys_;
  actor_resolver resolve_;
  actor_source source_;
  peer_info id_;
  std::shared_ptr<block_store> local_;
  // Reads fall back to the block exchange for blocks this node lacks.
  actor_resolver exchange_ = registry_resolver(sys_, exchange_name);
  fetching_source fetching_{sys_, local_ ? static_cast<block_source&>(*local_) : source_, exchange_};
};

} // namespace

actor_resolver registry_resolver(caf::actor_system& sys, const std::string& name) {
  auto atom = caf::atom_from_string(name);
  return [&sys, atom] { return caf::actor_cast<caf::actor>(sys.registry().get(atom)); };
}

std::unique_ptr<node_backend> make_actor_backend(caf::actor_system& sys, actor_resolver store,
                                                 peer_info id, std::shared_ptr<block_store> local) {
  return std::make_unique<actor_backend>(sys, std::move(store), std::move(id), std::move(local));
}

} // namespace mantle
