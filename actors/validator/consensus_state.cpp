#include "actors/validator/consensus_state.hpp"

#include <algorithm>

namespace mantle::chain {
namespace {

bool over_one_third(uint64_t power, uint64_t total) {
  return static_cast<unsigned __int128>(power) * 3 > static_cast<unsigned __int128>(total);
}

std::string short_hex(std::string_view bytes) { return to_hex(bytes.substr(0, 4)); }

} // namespace

const char* to_string(round_step s) {
  switch (s) {
    case round_step::propose: return "propose";
    case round_step::prevote: return "prevote";
    case round_step::precommit: return "precommit";
  }
  return "unknown";
}

consensus_state::consensus_state(consensus_config cfg, consensus_host host, vote_signer* signer)
  : cfg_(std::move(cfg)), host_(std::move(host)), signer_(signer), schedule_(std::make_unique<proposer_schedule>(validator_set{})) {
  if (signer_)
    me_ = signer_->public_key();
}

consensus_state::round_state& consensus_state::round_at(uint32_t r) {
  auto it = rounds_.find(r);
  if (it == rounds_.end()) {
    round_state rs;
    rs.prevotes = vote_set(height_, r, vote_type::prevote, total_);
    rs.precommits = vote_set(height_, r, vote_type::precommit, total_);
    it = rounds_.emplace(r, std::move(rs)).first;
  }
  return it->second;
}

bool consensus_state::ignore(std::string why) {
  ignored_ = std::move(why);
  return false;
}

consensus_actions consensus_state::start_height(uint64_t height, validator_set set) {
  out_.clear();
  height_ = height;
  set_ = std::move(set);
  total_ = total_power(set_);
  schedule_ = std::make_unique<proposer_schedule>(set_);
  round_ = 0;
  step_ = round_step::propose;
  decided_ = false;
  locked_round_ = valid_round_ = -1;
  locked_id_.clear();
  valid_id_.clear();
  rounds_.clear();
  blocks_.clear();
  evidenced_.clear();

  // Restore what we signed at this height before a restart, then enter the round we were in.
  restore_own_votes();
  auto actions = std::move(out_);
  out_.clear();

  // Replay buffered messages of this height; keep those of later heights.
  auto votes = std::move(future_votes_);
  auto props = std::move(future_proposals_);
  future_votes_.clear();
  future_proposals_.clear();
  for (auto& [p, bytes] : props) {
    if (p.height == height_) {
      for (auto& a : on_proposal(p, std::move(bytes)))
        actions.push_back(std::move(a));
    } else if (p.height > height_) {
      future_proposals_.emplace_back(std::move(p), std::move(bytes));
    }
  }
  for (auto& v : votes) {
    if (v.height == height_) {
      for (auto& a : on_vote(v))
        actions.push_back(std::move(a));
    } else if (v.height > height_) {
      future_votes_.push_back(std::move(v));
    }
  }
  return actions;
}

void consensus_state::restore_own_votes() {
  const auto* self = me_.empty() ? nullptr : find_validator(set_, me_);
  std::vector<vote> own = self ? signer_->own_votes(height_) : std::vector<vote>{};
  uint32_t last_round = 0;
  for (const auto& p : self ? signer_->own_proposals(height_) : std::vector<proposal>{})
    last_round = std::max(last_round, p.round);
  for (const auto& v : own)
    last_round = std::max(last_round, v.round);
  if (own.empty() && last_round == 0) {
    start_round(0);
    evaluate();
    return;
  }
  start_round(last_round);
  round_step restored = round_step::propose;
  for (const auto& v : own) {
    add_vote(v, self->power);
    out_.push_back(broadcast_vote{v});
    if (v.type == vote_type::precommit && !v.block_id.empty() && static_cast<int32_t>(v.round) > locked_round_) {
      locked_round_ = valid_round_ = static_cast<int32_t>(v.round);
      locked_id_ = valid_id_ = v.block_id;
    }
    if (v.round == last_round)
      restored = std::max(restored, v.type == vote_type::prevote ? round_step::prevote : round_step::precommit);
  }
  if (restored > step_) {
    step_ = restored;
    // Without peers re-sending their votes we might wait forever; these timeouts only ever
    // lead to nil votes or the next round, so arming them early is safe.
    timeout(step_, round_);
  }
  evaluate();
}

// ---- inputs ----

consensus_actions consensus_state::on_vote(const vote& v) {
  out_.clear();
  if (v.height > height_) {
    buffer_future(&v, nullptr, {});
    return std::move(out_);
  }
  if (v.height < height_) {
    ignore("vote for past height " + std::to_string(v.height));
    return {};
  }
  const auto* val = find_validator(set_, v.validator);
  if (!val) {
    ignore("vote from " + short_hex(v.validator) + ", not a validator at height " + std::to_string(height_));
    return {};
  }
  if (v.block_id.size() != 0 && v.block_id.size() != hash_size) {
    ignore("vote with a malformed block id");
    return {};
  }
  if (!verify_vote(cfg_.chain_id, v)) {
    ignore("vote from " + short_hex(v.validator) + " with a bad signature");
    return {};
  }
  if (!room_for_round(v.validator, v.round))
    return {};
  add_vote(v, val->power);
  evaluate();
  return std::move(out_);
}

consensus_actions consensus_state::on_proposal(const proposal& p, std::string block_bytes) {
  out_.clear();
  if (p.height > height_) {
    buffer_future(nullptr, &p, std::move(block_bytes));
    return std::move(out_);
  }
  if (p.height < height_) {
    ignore("proposal for past height " + std::to_string(p.height));
    return {};
  }
  if (set_.empty() || p.proposer != schedule_->proposer(height_, p.round)) {
    ignore("proposal for round " + std::to_string(p.round) + " from " + short_hex(p.proposer) +
           ", not its proposer");
    return {};
  }
  if (p.pol_round < -1 || (p.pol_round >= 0 && static_cast<uint32_t>(p.pol_round) >= p.round)) {
    ignore("proposal with a proof-of-lock round not before its round");
    return {};
  }
  if (!verify_proposal(cfg_.chain_id, p)) {
    ignore("proposal with a bad signature");
    return {};
  }
  if (auto it = rounds_.find(p.round); it != rounds_.end() && it->second.prop) {
    ignore(*it->second.prop == p ? "duplicate proposal" : "second proposal from the proposer of this round");
    return {};
  }
  if (!room_for_round(p.proposer, p.round))
    return {};
  if (!check_block(p.block_id, std::move(block_bytes)))
    return {};
  record_proposal(p);
  evaluate();
  return std::move(out_);
}

consensus_actions consensus_state::on_commit(const commit_cert& cert, std::string block_bytes) {
  out_.clear();
  if (cert.height != height_ || decided_) {
    ignore("certificate for height " + std::to_string(cert.height) + " while at " + std::to_string(height_) +
           (decided_ ? " (decided)" : ""));
    return {};
  }
  if (auto st = verify_commit(cfg_.chain_id, set_, cert); !st) {
    ignore(st.err().message);
    return {};
  }
  if (!check_block(cert.block_id, std::move(block_bytes)))
    return {};
  if (!known_block(cert.block_id)->valid) {
    ignore("certified block rejected by the host: " + ignored_);
    return {};
  }
  for (const auto& s : cert.sigs)
    add_vote(vote{vote_type::precommit, cert.height, cert.round, cert.block_id, s.validator, s.signature},
             find_validator(set_, s.validator)->power);
  evaluate();
  return std::move(out_);
}

consensus_actions consensus_state::on_timeout(uint64_t height, uint32_t round, round_step step) {
  out_.clear();
  if (height != height_ || round != round_ || decided_)
    return {};
  switch (step) {
    case round_step::propose:
      if (step_ == round_step::propose) {
        cast(vote_type::prevote, "");
        step_ = round_step::prevote;
      }
      break;
    case round_step::prevote:
      if (step_ == round_step::prevote) {
        cast(vote_type::precommit, "");
        step_ = round_step::precommit;
      }
      break;
    case round_step::precommit:
      start_round(round_ + 1);
      break;
  }
  evaluate();
  return std::move(out_);
}

// ---- helpers ----

bool consensus_state::room_for_round(const std::string& validator, uint32_t r) {
  if (r <= round_)
    return true;
  uint32_t ahead = 0;
  for (auto it = rounds_.upper_bound(round_); it != rounds_.end(); ++it) {
    if (it->second.senders.count(validator)) {
      if (it->first == r)
        return true;
      ++ahead;
    }
  }
  if (ahead >= cfg_.max_rounds_ahead)
    return ignore("message for round " + std::to_string(r) + " from " + short_hex(validator) + ", already " +
                  std::to_string(ahead) + " rounds ahead of ours");
  return true;
}

void consensus_state::note_sender(round_state& rs, const std::string& validator, uint64_t power) {
  if (rs.senders.emplace(validator, power).second)
    rs.sender_power += power;
}

bool consensus_state::check_block(const std::string& id, std::string bytes) {
  if (blocks_.count(id))
    return true; // already checked (e.g. re-proposed with a proof-of-lock)
  auto b = decode_block(bytes);
  if (!b)
    return ignore("proposed block does not decode: " + b.err().message);
  if (block_id(b->header) != id)
    return ignore("proposed block does not match the proposal's block id");
  if (b->header.height != height_)
    return ignore("proposed block is for height " + std::to_string(b->header.height));
  block_entry e;
  auto st = host_.validate_block ? host_.validate_block(bytes, *b) : status{};
  e.valid = st.ok();
  if (e.valid)
    e.bytes = std::move(bytes);
  else
    ignored_ = "proposed block rejected: " + st.err().message; // still recorded: it gets nil prevotes
  blocks_.emplace(id, std::move(e));
  return true;
}

const consensus_state::block_entry* consensus_state::known_block(const std::string& id) const {
  auto it = blocks_.find(id);
  return it == blocks_.end() ? nullptr : &it->second;
}

void consensus_state::record_proposal(const proposal& p) {
  auto& rs = round_at(p.round);
  rs.prop = p;
  if (const auto* v = find_validator(set_, p.proposer))
    note_sender(rs, p.proposer, v->power);
}

void consensus_state::add_vote(const vote& v, uint64_t power) {
  auto& rs = round_at(v.round);
  auto& set = v.type == vote_type::prevote ? rs.prevotes : rs.precommits;
  const vote* first = nullptr;
  switch (set.add(v, power, &first)) {
    case vote_set::added::counted:
      note_sender(rs, v.validator, power);
      break;
    case vote_set::added::duplicate:
      ignore("duplicate vote");
      break;
    case vote_set::added::conflicting:
      ignore("conflicting vote from " + short_hex(v.validator));
      if (evidenced_.emplace(v.validator, v.round, static_cast<uint8_t>(v.type)).second)
        out_.push_back(evidence_found{evidence{*first, v}});
      break;
  }
}

void consensus_state::buffer_future(const vote* v, const proposal* p, std::string bytes) {
  uint64_t h = v ? v->height : p->height;
  if (h - height_ > cfg_.future_heights) {
    ignore("message for height " + std::to_string(h) + ", too far ahead of " + std::to_string(height_));
    return;
  }
  if (v) {
    if (future_votes_.size() >= cfg_.max_future_votes) {
      ignore("buffer for future votes is full");
      return;
    }
    if (std::find(future_votes_.begin(), future_votes_.end(), *v) != future_votes_.end()) {
      ignore("duplicate vote");
      return;
    }
    if (!verify_vote(cfg_.chain_id, *v)) {
      ignore("vote with a bad signature");
      return;
    }
    future_votes_.push_back(*v);
  } else {
    if (future_proposals_.size() >= cfg_.max_future_proposals) {
      ignore("buffer for future proposals is full");
      return;
    }
    for (const auto& [q, b] : future_proposals_)
      if (q == *p) {
        ignore("duplicate proposal");
        return;
      }
    if (!verify_proposal(cfg_.chain_id, *p)) {
      ignore("proposal with a bad signature");
      return;
    }
    future_proposals_.emplace_back(*p, std::move(bytes));
  }
}

std::string consensus_state::missing_commit_block() const {
  for (const auto& [r, rs] : rounds_) {
    auto maj = rs.precommits.two_thirds_majority();
    if (maj && !maj->empty() && !known_block(*maj))
      return *maj;
  }
  return {};
}

// ---- the algorithm ----

void consensus_state::timeout(round_step s, uint32_t r) {
  uint64_t base = 0, delta = 0;
  switch (s) {
    case round_step::propose: base = cfg_.propose_timeout_ms; delta = cfg_.propose_timeout_delta_ms; break;
    case round_step::prevote: base = cfg_.prevote_timeout_ms; delta = cfg_.prevote_timeout_delta_ms; break;
    case round_step::precommit: base = cfg_.precommit_timeout_ms; delta = cfg_.precommit_timeout_delta_ms; break;
  }
  out_.push_back(schedule_timeout{height_, r, s, base + delta * r});
}

void consensus_state::start_round(uint32_t r) {
  round_ = r;
  step_ = round_step::propose;
  round_at(r);
  if (!me_.empty() && schedule_->proposer(height_, r) == me_)
    propose();
  // Also for the proposer: if its proposal cannot be made or gets lost locally, the round
  // still ends.
  timeout(round_step::propose, r);
}

void consensus_state::propose() {
  // After a restart we may have proposed in this round already, with block bytes we no longer
  // have: do not try to sign another (the signer would refuse anyway).
  for (const auto& p : signer_->own_proposals(height_))
    if (p.round == round_)
      return;
  std::string bytes;
  std::string id;
  int32_t pol = -1;
  const auto* valid = valid_round_ >= 0 ? known_block(valid_id_) : nullptr;
  if (valid && valid->valid) {
    bytes = valid->bytes;
    id = valid_id_;
    pol = valid_round_;
  } else {
    if (!host_.make_block)
      return;
    bytes = host_.make_block(height_, round_);
    if (bytes.empty())
      return;
    auto b = decode_block(bytes);
    if (!b) {
      ignored_ = "own block does not decode: " + b.err().message;
      return;
    }
    id = block_id(b->header);
  }
  auto p = signer_->sign_proposal(proposal{height_, round_, pol, id, {}, {}});
  if (!p) {
    ignored_ = "not proposing: " + p.err().message;
    return;
  }
  out_.push_back(broadcast_proposal{*p, bytes});
  if (check_block(p->block_id, bytes) && !round_at(round_).prop)
    record_proposal(*p);
}

void consensus_state::cast(vote_type t, const std::string& block_id) {
  if (me_.empty())
    return;
  const auto* self = find_validator(set_, me_);
  if (!self)
    return;
  auto v = signer_->sign_vote(vote{t, height_, round_, block_id, {}, {}});
  if (!v) {
    ignored_ = std::string("not voting: ") + v.err().message;
    return;
  }
  add_vote(*v, self->power);
  out_.push_back(broadcast_vote{*v});
}

bool consensus_state::try_decide() {
  for (auto& [r, rs] : rounds_) {
    auto maj = rs.precommits.two_thirds_majority();
    if (!maj || maj->empty())
      continue;
    const auto* b = known_block(*maj);
    if (!b || !b->valid)
      continue; // wait for the block (or a block that the host accepts: never decide on one it rejected)
    decided_ = true;
    out_.push_back(decide{height_, b->bytes, rs.precommits.make_cert(*maj)});
    return true;
  }
  return false;
}

bool consensus_state::try_skip() {
  for (auto it = rounds_.rbegin(); it != rounds_.rend() && it->first > round_; ++it) {
    if (over_one_third(it->second.sender_power, total_)) {
      start_round(it->first);
      return true;
    }
  }
  return false;
}

void consensus_state::evaluate() {
  if (set_.empty())
    return;
  for (int guard = 0; guard < 64 && !decided_; ++guard) {
    if (try_decide())
      return;
    if (try_skip())
      continue;
    bool changed = false;
    auto& rs = round_at(round_);
    const auto* prop = rs.prop ? &*rs.prop : nullptr;
    const auto* blk = prop ? known_block(prop->block_id) : nullptr;
    // Lines 22 and 28: the round's proposal, new or re-proposed with a proof-of-lock.
    if (step_ == round_step::propose && prop && blk) {
      bool ok = false, act = false;
      if (prop->pol_round < 0) {
        act = true;
        ok = blk->valid && (locked_round_ < 0 || locked_id_ == prop->block_id);
      } else {
        auto pol = rounds_.find(static_cast<uint32_t>(prop->pol_round));
        if (pol != rounds_.end() && over_two_thirds(pol->second.prevotes.power_for(prop->block_id), total_)) {
          act = true;
          ok = blk->valid && (locked_round_ <= prop->pol_round || locked_id_ == prop->block_id);
        }
      }
      if (act) {
        cast(vote_type::prevote, ok ? prop->block_id : "");
        step_ = round_step::prevote;
        changed = true;
      }
    }
    // Line 34.
    if (step_ == round_step::prevote && !rs.prevote_timeout_set && rs.prevotes.two_thirds_any()) {
      rs.prevote_timeout_set = true;
      timeout(round_step::prevote, round_);
    }
    // Line 36: lock and/or remember the valid value.
    if (step_ >= round_step::prevote && prop && blk && blk->valid && !rs.lock_rule_done &&
        over_two_thirds(rs.prevotes.power_for(prop->block_id), total_)) {
      rs.lock_rule_done = true;
      if (step_ == round_step::prevote) {
        locked_round_ = static_cast<int32_t>(round_);
        locked_id_ = prop->block_id;
        cast(vote_type::precommit, prop->block_id);
        step_ = round_step::precommit;
      }
      valid_round_ = static_cast<int32_t>(round_);
      valid_id_ = prop->block_id;
      changed = true;
    }
    // Line 44.
    if (step_ == round_step::prevote && over_two_thirds(rs.prevotes.power_for(""), total_)) {
      cast(vote_type::precommit, "");
      step_ = round_step::precommit;
      changed = true;
    }
    // Line 47.
    if (!rs.precommit_timeout_set && rs.precommits.two_thirds_any()) {
      rs.precommit_timeout_set = true;
      timeout(round_step::precommit, round_);
    }
    if (!changed)
      return;
  }
}

} // namespace mantle::chain
