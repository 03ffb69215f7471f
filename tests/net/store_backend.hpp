// node_backend straight over a real block_store (LMDB in a temp dir), for tests of the HTTP
// logic without actors. Adds are not needed by its users and report unsupported.
#pragma once
#include <memory>
#include "net/node_backend.hpp"
#include "storage/block_store.hpp"

namespace mantle::test {

class store_backend final : public node_backend {
public:
  explicit store_backend(block_store& s, peer_info id = {}) : s_(s), id_(std::move(id)) {}
  result<std::unique_ptr<add_session>> begin_add() override {
    return make_error(errc::unsupported, "adds are not part of this test backend");
  }
  block_source& blocks() override { return s_; }
  result<bool> has_block(const cid& c) override { return s_.has(c); }
  result<uint64_t> block_size(const cid& c) override { return s_.block_size(c); }
  status put_block(block b) override { return s_.put_batch({std::move(b)}); }
  status remove_block(const cid& c) override { return s_.remove(c); }
  status pin_add(const cid& c, pin_type t, const std::string& name) override { return s_.pin(c, t, name); }
  status pin_rm(const cid& c, bool recursive) override { return s_.unpin(c, recursive); }
  result<std::vector<pin_info>> pin_ls(std::optional<pin_type> only, const std::vector<cid>& which) override {
    if (which.empty())
      return s_.pins(only);
    std::vector<pin_info> out;
    for (auto& c : which) {
      auto r = s_.pins(only, c);
      if (!r)
        return r.err();
      out.insert(out.end(), r->begin(), r->end());
    }
    return out;
  }
  result<gc_result> gc() override { return s_.gc(); }
  result<repo_stat> stat() override { return s_.stat(); }
  peer_info identity() override { return id_; }

private:
  block_store& s_;
  peer_info id_;
};

} // namespace mantle::test
