// Shared by the consensus tests: a 4-validator network of real Ed25519 identities, real blocks
// and signed messages, and accessors for the actions consensus_state returns.
#pragma once
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "actors/validator/chain_types.hpp"
#include "actors/validator/consensus_state.hpp"
#include "storage/identity.hpp"

namespace mantle::test {

inline chain::block make_test_block(const std::string& chain_id, uint64_t height, uint64_t time_ms,
                                    const std::string& proposer, const std::string& prev = {},
                                    const chain::commit_cert& last = {}) {
  chain::block b;
  b.header.chain_id = chain_id;
  b.header.height = height;
  b.header.time_ms = time_ms;
  b.header.prev_hash = prev;
  b.header.state_root = chain::hash("state");
  b.header.proposer = proposer;
  b.last_commit = last;
  b.txs = {"tx at " + std::to_string(time_ms)};
  b.header.txs_hash = chain::txs_hash(b.txs);
  b.header.evidence_hash = chain::evidence_hash(b.evidence_list);
  b.header.last_commit_hash = chain::commit_hash(b.last_commit);
  return b;
}

// Actions of one kind from a list.
template <class T>
std::vector<T> all_of(const chain::consensus_actions& acts) {
  std::vector<T> out;
  for (const auto& a : acts)
    if (const auto* t = std::get_if<T>(&a))
      out.push_back(*t);
  return out;
}

template <class T>
size_t count_of(const chain::consensus_actions& acts) {
  return all_of<T>(acts).size();
}

struct validators4 {
  std::string chain_id = "test";
  std::vector<node_identity> ids;
  chain::validator_set set;

  validators4() {
    for (int i = 0; i < 4; ++i)
      ids.push_back(node_identity::generate());
    // Order identities like the set (by key) so ids[i] is set[i].
    std::sort(ids.begin(), ids.end(), [](const auto& a, const auto& b) { return a.public_key() < b.public_key(); });
    std::vector<chain::validator_info> v;
    for (const auto& id : ids)
      v.push_back({id.public_key(), 1});
    auto s = chain::make_validator_set(v);
    REQUIRE(s);
    set = *s;
  }

  size_t index_of(const std::string& key) const {
    for (size_t i = 0; i < ids.size(); ++i)
      if (ids[i].public_key() == key)
        return i;
    return ids.size();
  }
  size_t proposer_of(uint64_t h, uint32_t r) const { return index_of(chain::select_proposer(set, h, r)); }

  chain::vote vote_of(size_t who, chain::vote_type t, uint64_t h, uint32_t r, const std::string& id) const {
    chain::vote v{t, h, r, id, ids[who].public_key(), {}};
    v.signature = ids[who].sign(chain::sign_bytes(chain_id, v));
    return v;
  }
  chain::vote prevote(size_t who, uint64_t h, uint32_t r, const std::string& id) const {
    return vote_of(who, chain::vote_type::prevote, h, r, id);
  }
  chain::vote precommit(size_t who, uint64_t h, uint32_t r, const std::string& id) const {
    return vote_of(who, chain::vote_type::precommit, h, r, id);
  }
  chain::proposal proposal_of(size_t who, uint64_t h, uint32_t r, const std::string& id, int32_t pol = -1) const {
    chain::proposal p{h, r, pol, id, ids[who].public_key(), {}};
    p.signature = ids[who].sign(chain::sign_bytes(chain_id, p));
    return p;
  }
};

} // namespace mantle::test
