// The LMDB block store under any sequence of writes, pins, unpins, removals, GCs, add sessions
// and restarts (close and reopen), checked against a model after every step: a pinned DAG is
// always whole and byte-exact, a committed block outside any session survives restarts until it
// is removed or collected, pin() succeeds exactly when the DAG is there, and neither remove()
// nor gc() ever takes a block a pin reaches. Each input gets a fresh store in a temp dir.
// Input: pairs of bytes (operation, argument).
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include "storage/block_store.hpp"
#include "storage/dag_pb.hpp"
#include "storage/multihash.hpp"
#include "tools/fuzz/fuzz_target.hpp"

namespace mantle::fuzz {

namespace {

struct temp_store_dir {
  std::string path;
  temp_store_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mantle-fuzz-store-XXXXXX").string();
    if (!mkdtemp(tmpl.data()))
      throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~temp_store_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

std::unique_ptr<block_store> open_store(const std::string& dir) {
  store_options so;
  so.map_size = uint64_t{64} << 20;
  so.durable_commits = false;
  so.tune_malloc = false;
  auto s = block_store::open(dir, so);
  if (!s)
    throw violation("the block store does not reopen: " + s.err().describe());
  return std::move(*s);
}

struct model {
  std::vector<block> made;                  // every block the input created, stored or not
  std::map<std::string, std::vector<size_t>> links; // mh -> indices into made
  std::map<std::string, size_t> index;      // mh -> index into made
  std::set<std::string> committed;          // committed outside any session: must be present
  std::map<std::string, pin_type> pins;     // mh -> direct or recursive

  void reach(const std::string& mh, std::set<std::string>& out) const {
    if (!out.insert(mh).second)
      return;
    auto it = links.find(mh);
    if (it != links.end())
      for (size_t i : it->second)
        reach(made[i].cid.mh, out);
  }
  std::set<std::string> pinned_closure() const {
    std::set<std::string> out;
    for (const auto& [mh, type] : pins) {
      if (type == pin_type::recursive)
        reach(mh, out);
      else
        out.insert(mh);
    }
    return out;
  }
};

void check_invariants(block_store& s, const model& m) {
  for (const auto& mh : m.pinned_closure()) {
    const block& b = m.made[m.index.at(mh)];
    auto got = s.get(b.cid);
    check(got.ok(), "a block a pin reaches is missing");
    check(*got == b.data, "a block a pin reaches has other bytes");
  }
  for (const auto& mh : m.committed) {
    auto has = s.has(m.made[m.index.at(mh)].cid);
    check(has.ok() && *has, "a committed block vanished");
  }
}

} // namespace

void store_ops(std::string_view in) {
  (void)take_selector(in);
  temp_store_dir dir;
  auto s = open_store(dir.path);
  model m;
  std::vector<uint64_t> sessions;
  std::set<std::string> in_session; // put while a session was open: may go at restart

  auto pick = [&](unsigned arg) -> const block* { return m.made.empty() ? nullptr : &m.made[arg % m.made.size()]; };
  auto stored_now = [&](const block& b) {
    if (sessions.empty())
      m.committed.insert(b.cid.mh);
    else
      in_session.insert(b.cid.mh);
  };

  for (size_t i = 0; i + 1 < in.size() && i < 400; i += 2) {
    unsigned op = static_cast<unsigned char>(in[i]) % 15;
    unsigned arg = static_cast<unsigned char>(in[i + 1]);
    switch (op) {
    case 0: { // a raw block
      if (m.made.size() >= 24)
        break;
      // One in eight past 32 KiB, which reads copy out with pread instead of through the map
      // (more would slow every input down).
      std::string data((arg & 0xe0) == 0xe0 ? 32 * 1024 + (arg & 0x1f) * 1531 : 1 + arg % 40, static_cast<char>(arg));
      data += std::to_string(m.made.size());
      block b{cid{1, codec::raw, multihash::sha256(data)}, data};
      if (m.index.count(b.cid.mh))
        break;
      m.index[b.cid.mh] = m.made.size();
      m.made.push_back(b);
      break;
    }
    case 1: { // a dag-pb node linking to up to three earlier blocks
      if (m.made.empty() || m.made.size() >= 24)
        break;
      dag_pb::node n;
      std::vector<size_t> to;
      for (unsigned k = 0; k < 1 + arg % 3; ++k) {
        size_t t = (arg / 3 + k * 5) % m.made.size();
        to.push_back(t);
        n.links.push_back({m.made[t].cid, "l" + std::to_string(k), m.made[t].data.size()});
      }
      n.data = std::string(1, static_cast<char>(arg));
      std::string bytes = dag_pb::encode(n);
      block b{cid{1, codec::dag_pb, multihash::sha256(bytes)}, bytes};
      if (m.index.count(b.cid.mh))
        break;
      m.index[b.cid.mh] = m.made.size();
      m.links[b.cid.mh] = to;
      m.made.push_back(b);
      break;
    }
    case 2: // one block, committed at once
      if (auto b = pick(arg); b && s->put_batch({*b}))
        stored_now(*b);
      break;
    case 3: { // every block made so far in one transaction
      std::vector<block> all(m.made.begin(), m.made.end());
      if (!all.empty() && s->put_batch(all))
        for (const auto& b : m.made)
          stored_now(b);
      break;
    }
    case 4: // buffered: visible at once, durable after flush
      if (auto b = pick(arg)) {
        if (s->put(*b))
          in_session.insert(b->cid.mh); // counted as committed only through a flush below
      }
      break;
    case 5:
      (void)s->flush();
      break;
    case 6:
    case 7: {
      auto b = pick(arg);
      if (!b)
        break;
      pin_type t = op == 6 ? pin_type::recursive : pin_type::direct;
      std::set<std::string> need;
      if (t == pin_type::recursive)
        m.reach(b->cid.mh, need);
      else
        need.insert(b->cid.mh);
      bool present = true;
      for (const auto& mh : need) {
        auto h = s->has(m.made[m.index.at(mh)].cid);
        present = present && h.ok() && *h;
      }
      auto st = s->pin(b->cid, t);
      if (st) {
        check(present, "pin() succeeded with part of the DAG missing");
        auto old = m.pins.find(b->cid.mh);
        if (old == m.pins.end() || t == pin_type::recursive)
          m.pins[b->cid.mh] = t;
        // Pinned blocks are checked through the pin. A block of an add that never ended stays
        // pending: unpinned again and then restarted, the recovery deletes it, as documented.
      } else if (st.err().code == errc::not_found) {
        check(!present, "pin() said not found with the whole DAG present");
      }
      break;
    }
    case 8: {
      auto b = pick(arg);
      if (!b)
        break;
      bool recursive = arg & 1;
      auto it = m.pins.find(b->cid.mh);
      auto st = s->unpin(b->cid, recursive);
      if (st) {
        check(it != m.pins.end(), "unpin() succeeded on a block that was not pinned");
        m.pins.erase(it);
      } else if (it != m.pins.end() && (recursive || it->second == pin_type::direct)) {
        throw violation("unpin() of a pinned block failed: " + st.err().describe());
      }
      break;
    }
    case 9: {
      auto b = pick(arg);
      if (!b)
        break;
      bool pinned = m.pinned_closure().count(b->cid.mh) != 0;
      auto st = s->remove(b->cid);
      if (st) {
        check(!pinned, "remove() took a pinned block");
        m.committed.erase(b->cid.mh);
        in_session.erase(b->cid.mh);
      } else if (pinned) {
        check(st.err().code == errc::conflict, "remove() of a pinned block is not a conflict");
      }
      break;
    }
    case 10: {
      auto closure = m.pinned_closure();
      auto r = s->gc();
      check(r.ok(), "gc failed on a consistent store");
      for (const auto& c : r->removed) {
        check(closure.count(c.mh) == 0, "gc removed a block a pin reaches");
        m.committed.erase(c.mh);
        in_session.erase(c.mh);
      }
      break;
    }
    case 11: // restart: blocks of sessions still open (and unflushed puts) may go
      s.reset();
      s = open_store(dir.path);
      sessions.clear();
      for (const auto& mh : in_session)
        if (m.pinned_closure().count(mh) == 0)
          m.committed.erase(mh);
      in_session.clear();
      break;
    case 12:
      if (sessions.size() < 3)
        sessions.push_back(s->begin_session());
      break;
    case 13:
      if (!sessions.empty()) {
        check(s->end_session(sessions.back()).ok(), "end_session failed");
        sessions.pop_back();
      }
      break;
    default: {
      auto st = s->stat();
      check(st.ok(), "stat failed");
      break;
    }
    }
    check_invariants(*s, m);
  }
}

} // namespace mantle::fuzz
