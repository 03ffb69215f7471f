#include "actors/block_store/block_store_actor.hpp"

#include <caf/all.hpp>

#include <stdexcept>

#include "messages/block_store.hpp"
#include "messages/errors.hpp"
#include "actors/introspection.hpp"

namespace mantle {
namespace {

caf::behavior block_store_actor(caf::event_based_actor* self, std::shared_ptr<block_store> store) {
  return with_mailbox_probe(self, {
    [=](blk_put_atom, put_blocks& req) -> caf::result<uint64_t> {
      auto n = static_cast<uint64_t>(req.blocks.size());
      if (auto s = store->put_batch(std::move(req.blocks), req.session); !s)
        return to_caf(s.err());
      return n;
    },
    [=](blk_get_atom, const cid& c) -> caf::result<std::string> {
      auto r = store->get(c);
      if (!r)
        return to_caf(r.err());
      return std::move(*r);
    },
    [=](blk_has_atom, const cid& c) -> caf::result<bool> {
      auto r = store->has(c);
      if (!r)
        return to_caf(r.err());
      return *r;
    },
    [=](blk_size_atom, const cid& c) -> caf::result<uint64_t> {
      auto r = store->block_size(c);
      if (!r)
        return to_caf(r.err());
      return *r;
    },
    [=](blk_rm_atom, const cid& c) -> caf::result<bool> {
      if (auto s = store->remove(c); !s)
        return to_caf(s.err());
      return true;
    },
    [=](blk_lose_atom, const cid& root, uint32_t percent) -> caf::result<uint64_t> {
      auto r = store->lose_leaves(root, percent);
      if (!r)
        return to_caf(r.err());
      return *r;
    },
    [=](pin_add_atom, const pin_request& req) -> caf::result<bool> {
      if (auto s = store->pin(req.cid, static_cast<pin_type>(req.type), req.name); !s)
        return to_caf(s.err());
      if (req.session != 0)
        if (auto s = store->end_session(req.session); !s)
          return to_caf(s.err());
      return true;
    },
    [=](pin_rm_atom, const cid& c, bool recursive) -> caf::result<bool> {
      if (auto s = store->unpin(c, recursive); !s)
        return to_caf(s.err());
      return true;
    },
    [=](pin_ls_atom, const pin_query& q) -> caf::result<std::vector<pin_entry>> {
      std::optional<pin_type> only;
      if (q.type != 0)
        only = static_cast<pin_type>(q.type);
      std::vector<pin_entry> out;
      auto collect = [&](const std::optional<cid>& which) -> status {
        auto r = store->pins(only, which);
        if (!r)
          return r.err();
        for (auto& p : *r)
          out.push_back(pin_entry{p.id, static_cast<uint8_t>(p.type), p.name});
        return {};
      };
      if (q.which.empty()) {
        if (auto s = collect(std::nullopt); !s)
          return to_caf(s.err());
      } else {
        for (auto& c : q.which)
          if (auto s = collect(c); !s)
            return to_caf(s.err());
      }
      return out;
    },
    [=](repo_gc_atom) -> caf::result<gc_result> {
      auto r = store->gc();
      if (!r)
        return to_caf(r.err());
      return std::move(*r);
    },
    [=](repo_st_atom) -> caf::result<repo_stat> {
      auto r = store->stat();
      if (!r)
        return to_caf(r.err());
      return *r;
    },
    [=](sess_open_atom) -> uint64_t { return store->begin_session(); },
    [=](sess_end_atom, uint64_t id) -> caf::result<bool> {
      if (auto s = store->end_session(id); !s)
        return to_caf(s.err());
      return true;
    },
    [=](sync_atom) -> caf::result<bool> {
      if (auto s = store->sync(); !s)
        return to_caf(s.err());
      return true;
    },
    // Fault injection for supervision tests and operators' drills (`mantle diag crash`).
    [=](fault_atom) -> bool { throw std::runtime_error("fault injected into block-store"); },
  });
}

} // namespace

caf::actor spawn_block_store_actor(caf::actor_system& sys, std::shared_ptr<block_store> store) {
  return sys.spawn<caf::detached>(block_store_actor, std::move(store));
}

} // namespace mantle
