#include "actors/validator/vote_signer.hpp"

namespace mantle::chain {
namespace {

// WAL kinds.
constexpr uint8_t kind_prevote = 1;
constexpr uint8_t kind_precommit = 2;
constexpr uint8_t kind_proposal = 3;

uint8_t kind_of(vote_type t) { return t == vote_type::prevote ? kind_prevote : kind_precommit; }

std::string proposal_content(const proposal& p) {
  std::string c = p.block_id;
  auto pol = static_cast<uint32_t>(p.pol_round);
  for (int i = 0; i < 4; ++i)
    c.push_back(static_cast<char>((pol >> (8 * i)) & 0xff));
  return c;
}

std::string where(uint64_t h, uint32_t r) { return "height " + std::to_string(h) + " round " + std::to_string(r); }

} // namespace

result<std::unique_ptr<vote_signer>> vote_signer::open(const std::string& wal_path, const node_identity& id,
                                                       std::string chain_id, bool durable) {
  auto wal = vote_wal::open(wal_path, durable);
  if (!wal)
    return wal.err();
  return std::unique_ptr<vote_signer>(new vote_signer(id, std::move(chain_id), std::move(*wal)));
}

result<vote> vote_signer::sign_vote(vote v) {
  v.validator = id_.public_key();
  v.signature.clear();
  if (const auto* e = wal_->find(v.height, v.round, kind_of(v.type))) {
    if (e->content != v.block_id)
      return make_error(errc::conflict, std::string("refusing to sign a second ") + to_string(v.type) + " at " +
                                            where(v.height, v.round) + " (already signed one for " +
                                            (e->content.empty() ? std::string("nil") : to_hex(e->content)) + ")");
    auto old = decode_vote(e->message);
    if (!old)
      return make_error(errc::corrupt, "vote log entry does not decode: " + old.err().message);
    return *old;
  }
  v.signature = id_.sign(sign_bytes(chain_id_, v));
  wal_entry e{kind_of(v.type), v.height, v.round, v.block_id, encode(v)};
  if (auto st = wal_->append(e); !st)
    return st.err();
  return v;
}

result<proposal> vote_signer::sign_proposal(proposal p) {
  p.proposer = id_.public_key();
  p.signature.clear();
  auto content = proposal_content(p);
  if (const auto* e = wal_->find(p.height, p.round, kind_proposal)) {
    if (e->content != content)
      return make_error(errc::conflict, "refusing to sign a second proposal at " + where(p.height, p.round));
    auto old = decode_proposal(e->message);
    if (!old)
      return make_error(errc::corrupt, "vote log entry does not decode: " + old.err().message);
    return *old;
  }
  p.signature = id_.sign(sign_bytes(chain_id_, p));
  wal_entry e{kind_proposal, p.height, p.round, content, encode(p)};
  if (auto st = wal_->append(e); !st)
    return st.err();
  return p;
}

std::vector<vote> vote_signer::own_votes(uint64_t height) const {
  std::vector<vote> out;
  for (const auto& e : wal_->at_height(height))
    if (e.kind == kind_prevote || e.kind == kind_precommit)
      if (auto v = decode_vote(e.message); v && v->validator == id_.public_key())
        out.push_back(std::move(*v));
  return out;
}

std::vector<proposal> vote_signer::own_proposals(uint64_t height) const {
  std::vector<proposal> out;
  for (const auto& e : wal_->at_height(height))
    if (e.kind == kind_proposal)
      if (auto p = decode_proposal(e.message); p && p->proposer == id_.public_key())
        out.push_back(std::move(*p));
  return out;
}

} // namespace mantle::chain
