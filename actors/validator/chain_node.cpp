#include "actors/validator/chain_node.hpp"

#include <msgpack.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <set>

#include "actors/validator/state_tables.hpp"
#include "storage/identity.hpp"
#include "storage/msgpack_read.hpp"

namespace mantle::chain {
namespace {

using json = nlohmann::json;

// chain_store meta keys
constexpr const char* meta_genesis = "genesis";   // hash of the genesis the chain started from
constexpr const char* meta_set = "vset";          // validator set that decided the head
const std::string receipt_prefix = "r/";          // + tx hash -> msgpack [ok, reason]

std::string encode_receipt(const tx_receipt& r) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(2);
  pk.pack(r.ok);
  pk.pack(r.reason);
  return std::string(buf.data(), buf.size());
}

result<std::pair<bool, std::string>> decode_receipt(std::string_view bytes) {
  auto oh = unpack_whole(bytes, msgpack::unpack_limit(4, 0, 4096, 0, 0, 2), "tx receipt");
  if (!oh)
    return oh.err();
  const auto& o = oh->get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size != 2 || o.via.array.ptr[0].type != msgpack::type::BOOLEAN ||
      o.via.array.ptr[1].type != msgpack::type::STR)
    return make_error(errc::corrupt, "tx receipt: unexpected shape");
  return std::make_pair(o.via.array.ptr[0].via.boolean,
                        std::string(o.via.array.ptr[1].via.str.ptr, o.via.array.ptr[1].via.str.size));
}

std::string encode_set(const validator_set& set) {
  std::vector<std::pair<std::string, uint64_t>> v;
  for (const auto& x : set)
    v.emplace_back(x.key, x.power);
  return encode_validator_set(v);
}

result<validator_set> decode_set(std::string_view bytes) {
  auto v = decode_validator_set(bytes);
  if (!v)
    return v.err();
  std::vector<validator_info> infos;
  for (auto& [k, p] : *v)
    infos.push_back({k, p});
  return make_validator_set(std::move(infos));
}

json arg_json(const tx_arg& a) {
  switch (a.k) {
    case tx_arg::kind::uint: return a.u;
    case tx_arg::kind::bin: return to_hex(a.s);
    case tx_arg::kind::str: return a.s;
    case tx_arg::kind::list: {
      json l = json::array();
      for (const auto& i : a.items)
        l.push_back(arg_json(i));
      return l;
    }
  }
  return nullptr;
}

error with_context(const error& e, const std::string& what) { return make_error(e.code, what + ": " + e.message); }

// The state transition's prev_hash: height 1 has none, its slot hash is 32 zero bytes.
std::string slot_hash_of(const block_header& h) {
  return h.prev_hash.empty() ? std::string(32, '\0') : h.prev_hash;
}

} // namespace

chain_node::chain_node(chain_node_config cfg) : cfg_(std::move(cfg)), pool_(cfg_.pool) {}
chain_node::~chain_node() = default;

result<std::unique_ptr<chain_node>> chain_node::open(chain_node_config cfg) {
  if (!cfg.key)
    return make_error(errc::invalid_input, "chain: no node key");
  if (!cfg.now_ms)
    return make_error(errc::invalid_input, "chain: no clock");
  if (auto s = check_genesis(cfg.gen); !s)
    return with_context(s.err(), "genesis");
  std::error_code ec;
  std::filesystem::create_directories(cfg.dir, ec);
  if (ec)
    return make_error(errc::io_error, "cannot create chain directory '" + cfg.dir + "': " + ec.message());
  std::unique_ptr<chain_node> n(new chain_node(std::move(cfg)));
  auto& c = n->cfg_;

  auto st = state_db::open(c.dir + "/state");
  if (!st)
    return with_context(st.err(), "chain state");
  n->state_ = std::move(*st);
  auto head = n->state_->head();
  if (!head)
    return head.err();
  if (!head->initialized) {
    auto root = init_genesis(*n->state_, c.gen);
    if (!root)
      return with_context(root.err(), "genesis");
  }
  chain_store_options so;
  so.durable = c.durable;
  auto store = chain_store::open(c.dir + "/blocks", so);
  if (!store)
    return with_context(store.err(), "chain store");
  n->store_ = std::move(*store);

  // One data dir, one chain: starting it with another genesis would fork it silently.
  std::string gen_hash = hash(to_json(c.gen));
  auto stored_gen = n->store_->get_meta(meta_genesis);
  if (!stored_gen)
    return stored_gen.err();
  if (!*stored_gen) {
    if (auto s = n->store_->put_meta(meta_genesis, gen_hash); !s)
      return s.err();
  } else if (**stored_gen != gen_hash) {
    return make_error(errc::conflict, "the chain in '" + c.dir + "' was started from another genesis than the one "
                                      "configured (chain id '" + c.gen.chain_id + "'); use the original genesis "
                                      "file or another data dir");
  }
  {
    auto rd = n->state_->begin_read();
    if (!rd)
      return rd.err();
    auto id = read_chain_id(**rd);
    if (!id)
      return id.err();
    if (*id != c.gen.chain_id)
      return make_error(errc::conflict, "the chain state holds chain '" + *id + "', not '" + c.gen.chain_id + "'");
  }
  if (auto s = n->replay(); !s)
    return s.err();

  auto rd = n->state_->begin_read();
  if (!rd)
    return rd.err();
  auto params = read_params(**rd);
  if (!params)
    return params.err();
  n->params_ = *params;
  auto set = read_validators(**rd);
  if (!set)
    return set.err();
  n->set_ = std::move(*set);
  n->state_root_ = (*rd)->head().root;
  rd->reset();
  auto sh = n->store_->head();
  if (!sh)
    return sh.err();
  n->head_ = *sh;
  n->head_time_ms_ = c.gen.genesis_time_ms;
  if (n->head_.height > 0) {
    auto b = n->store_->get_block(n->head_.height);
    if (!b || !*b)
      return make_error(errc::corrupt, "chain store: head block " + std::to_string(n->head_.height) + " is missing");
    auto dec = decode_block((*b)->block);
    if (!dec)
      return dec.err();
    n->head_time_ms_ = dec->header.time_ms;
    auto ps = n->store_->get_meta(meta_set);
    if (ps && *ps) {
      auto prev = decode_set(**ps);
      if (!prev)
        return with_context(prev.err(), "stored validator set");
      n->prev_set_ = std::move(*prev);
    }
  }

  if (c.sign) {
    auto signer = vote_signer::open(c.dir + "/votes.wal", *c.key, c.gen.chain_id, c.durable);
    if (!signer)
      return with_context(signer.err(), "vote log");
    n->signer_ = std::move(*signer);
  }
  consensus_config cc;
  cc.chain_id = c.gen.chain_id;
  uint64_t bt = std::max<uint64_t>(n->params_.block_time_ms, 200);
  cc.propose_timeout_ms = c.propose_timeout_ms ? c.propose_timeout_ms : std::max<uint64_t>(bt, 1000) + 1000;
  cc.propose_timeout_delta_ms = std::max<uint64_t>(bt / 2, 500);
  cc.prevote_timeout_ms = std::max<uint64_t>(bt / 2, 500);
  cc.prevote_timeout_delta_ms = std::max<uint64_t>(bt / 4, 250);
  cc.precommit_timeout_ms = cc.prevote_timeout_ms;
  cc.precommit_timeout_delta_ms = cc.prevote_timeout_delta_ms;
  chain_node* self = n.get();
  consensus_host host;
  host.make_block = [self](uint64_t h, uint32_t r) { return self->make_block(h, r); };
  host.validate_block = [self](std::string_view bytes, const block& b) { return self->validate_block(bytes, b); };
  n->cs_ = std::make_unique<consensus_state>(cc, std::move(host), n->signer_.get());
  return n;
}

// Blocks stored but not applied: the process died between the two commits.
status chain_node::replay() {
  auto sh = store_->head();
  if (!sh)
    return sh.err();
  auto st = state_->head();
  if (!st)
    return st.err();
  if (st->height > sh->height)
    return make_error(errc::corrupt, "the chain state is at height " + std::to_string(st->height) +
                                         " but the block store only at " + std::to_string(sh->height));
  for (uint64_t h = st->height + 1; h <= sh->height; ++h) {
    auto sb = store_->get_block(h);
    if (!sb)
      return sb.err();
    if (!*sb)
      return make_error(errc::corrupt, "block " + std::to_string(h) + " is missing from the store");
    auto b = decode_block((*sb)->block);
    if (!b)
      return b.err();
    block_context ctx{h, b->header.time_ms, b->header.proposer, {}, slot_hash_of(b->header)};
    for (const auto& e : b->evidence_list)
      if (std::find(ctx.offenders.begin(), ctx.offenders.end(), e.a.validator) == ctx.offenders.end())
        ctx.offenders.push_back(e.a.validator);
    auto out = apply_block(*state_, ctx, b->txs);
    if (!out)
      return with_context(out.err(), "replaying block " + std::to_string(h));
  }
  return {};
}

uint64_t chain_node::account_nonce(std::string_view sender) const {
  auto rd = state_->begin_read();
  if (!rd)
    return UINT64_MAX;
  auto a = read_account(**rd, sender);
  return a ? a->nonce : UINT64_MAX;
}

node_outputs chain_node::start() { return start_next(head_.height + 1); }

node_outputs chain_node::start_next(uint64_t height) {
  node_outputs out;
  if (height != head_.height + 1)
    return out; // a timer from before a catch-up
  if (cs_->height() == height && !cs_->decided())
    return out;
  convert(cs_->start_height(height, set_), out);
  return out;
}

node_outputs chain_node::on_proposal(const proposal& p, std::string block_bytes) {
  node_outputs out;
  if (p.height > head_.height + 1)
    out = on_peer_status(p.height - 1);
  convert(cs_->on_proposal(p, std::move(block_bytes)), out);
  return out;
}

node_outputs chain_node::on_vote(const vote& v) {
  node_outputs out;
  if (v.height > head_.height + 1)
    out = on_peer_status(v.height - 1);
  convert(cs_->on_vote(v), out);
  return out;
}

node_outputs chain_node::on_timeout(uint64_t height, uint32_t round, round_step step) {
  node_outputs out;
  convert(cs_->on_timeout(height, round, step), out);
  return out;
}

node_outputs chain_node::on_peer_status(uint64_t height) {
  node_outputs out;
  if (height <= head_.height)
    return out;
  // One request per head, repeated only if nothing came for a while (the peer may be gone).
  uint64_t now = cfg_.now_ms();
  if (requested_from_ == head_.height + 1 && now < requested_at_ + 3000)
    return out;
  requested_from_ = head_.height + 1;
  requested_at_ = now;
  out.push_back(out_request_blocks{head_.height + 1});
  return out;
}

node_outputs chain_node::tick() {
  node_outputs out;
  uint64_t h = cs_->height();
  uint32_t r = cs_->round();
  bool stalled = h == ticked_height_ && r == ticked_round_ && !cs_->decided() && h == head_.height + 1;
  ticked_height_ = h;
  ticked_round_ = r;
  // A follower's txs reach a block only through the validators: relay what is still pending
  // now and then, in case the first relay found no peer or was lost with a connection.
  if (++ticks_ % 5 == 0 && pool_.size() > 0 && !find_validator(set_, cfg_.key->public_key())) {
    auto txs = pending_txs(1000);
    if (!txs.empty())
      out.push_back(out_txs{std::move(txs)});
  }
  if (!stalled || !signer_)
    return out;
  if (own_proposal_ && own_proposal_->p.height == h)
    out.push_back(*own_proposal_);
  for (auto& v : signer_->own_votes(h))
    out.push_back(out_vote{std::move(v)});
  return out;
}

std::vector<std::string> chain_node::pending_txs(size_t max) const {
  std::vector<std::string> out;
  auto rd = state_->begin_read();
  if (!rd)
    return out;
  const state_view& view = **rd;
  auto picked = pool_.reap(max, cfg_.max_block_bytes, [&](std::string_view sender) {
    auto a = read_account(view, sender);
    return a ? a->nonce : UINT64_MAX;
  });
  out.reserve(picked.size());
  for (const auto* t : picked)
    out.push_back(t->bytes);
  return out;
}

void chain_node::convert(consensus_actions&& acts, node_outputs& out) {
  for (auto& a : acts) {
    if (auto* p = std::get_if<broadcast_proposal>(&a)) {
      own_proposal_ = out_proposal{p->p, p->block_bytes};
      out.push_back(out_proposal{std::move(p->p), std::move(p->block_bytes)});
    } else if (auto* v = std::get_if<broadcast_vote>(&a)) {
      out.push_back(out_vote{std::move(v->v)});
    } else if (auto* t = std::get_if<schedule_timeout>(&a)) {
      out.push_back(out_timeout{t->height, t->round, t->step, t->delay_ms});
    } else if (auto* e = std::get_if<evidence_found>(&a)) {
      if (std::find(pending_evidence_.begin(), pending_evidence_.end(), e->e) == pending_evidence_.end())
        pending_evidence_.push_back(std::move(e->e));
    } else if (auto* d = std::get_if<decide>(&a)) {
      if (d->height != head_.height + 1)
        continue;
      auto b = decode_block(d->block_bytes);
      if (!b) {
        fatal_ = "decided block " + std::to_string(d->height) + " does not decode: " + b.err().message;
        continue;
      }
      if (auto s = commit(*b, d->block_bytes, d->cert, false, out); !s)
        fatal_ = s.err().describe();
    }
  }
  if (cfg_.byzantine)
    equivocate(out);
}

void chain_node::equivocate(node_outputs& out) {
  size_t n = out.size();
  for (size_t i = 0; i < n; ++i) {
    if (auto* v = std::get_if<out_vote>(&out[i])) {
      vote evil = v->v;
      evil.block_id = hash("equivocation " + std::to_string(evil.height) + "/" + std::to_string(evil.round) +
                           "/" + evil.block_id);
      evil.signature = cfg_.key->sign(sign_bytes(cfg_.gen.chain_id, evil));
      out.push_back(out_vote{std::move(evil)});
    } else if (auto* p = std::get_if<out_proposal>(&out[i])) {
      auto b = decode_block(p->block_bytes);
      if (!b)
        continue;
      b->header.time_ms += 1; // another block for the same height and round
      proposal evil = p->p;
      evil.block_id = block_id(b->header);
      evil.signature = cfg_.key->sign(sign_bytes(cfg_.gen.chain_id, evil));
      out.push_back(out_proposal{std::move(evil), encode(*b)});
    }
  }
}

status chain_node::commit(const block& b, std::string_view bytes, const commit_cert& cert, bool caught_up,
                          node_outputs& out) {
  uint64_t h = b.header.height;
  block_context ctx{h, b.header.time_ms, b.header.proposer, {}, slot_hash_of(b.header)};
  for (const auto& e : b.evidence_list)
    if (std::find(ctx.offenders.begin(), ctx.offenders.end(), e.a.validator) == ctx.offenders.end())
      ctx.offenders.push_back(e.a.validator);
  // Txs from our mempool had their signatures checked on the way in (the hash covers the
  // signature), so only strangers' txs are verified again.
  auto exec = execute_block(*state_, ctx, b.txs, [this](std::string_view hash) {
    return pool_.contains(std::string(hash));
  });
  if (!exec)
    return with_context(exec.err(), "executing block " + std::to_string(h));
  const auto& outcome = (*exec)->outcome();
  meta_writes meta;
  meta.reserve(outcome.receipts.size() + 1);
  for (const auto& r : outcome.receipts)
    meta.emplace_back(receipt_prefix + r.hash, encode_receipt(r));
  meta.emplace_back(meta_set, encode_set(set_));
  std::string id = block_id(b.header);
  // Block first, state second: a crash in between is repaired by replay() on the next start.
  if (auto s = store_->put_block(bytes, id, cert, meta); !s) {
    (*exec)->abort();
    return with_context(s.err(), "storing block " + std::to_string(h));
  }
  if (auto s = (*exec)->commit(); !s)
    return with_context(s.err(), "committing the state of block " + std::to_string(h));

  head_ = {h, id};
  head_time_ms_ = b.header.time_ms;
  state_root_ = outcome.state_root;
  prev_set_ = set_;
  if (!outcome.next_validators.empty())
    set_ = outcome.next_validators;
  std::vector<std::string> hashes;
  hashes.reserve(b.txs.size());
  for (const auto& t : b.txs)
    hashes.push_back(tx_hash(t));
  pool_.remove_committed(hashes);
  if (auto rd = state_->begin_read(); rd) {
    const state_view& view = **rd;
    pool_.recheck([&](std::string_view sender) {
      auto a = read_account(view, sender);
      return a ? a->nonce : UINT64_MAX;
    });
  }
  pending_evidence_.erase(std::remove_if(pending_evidence_.begin(), pending_evidence_.end(),
                                         [&](const evidence& e) {
                                           return std::find(b.evidence_list.begin(), b.evidence_list.end(), e) !=
                                                  b.evidence_list.end();
                                         }),
                          pending_evidence_.end());
  if (signer_ && h > 1)
    (void)signer_->prune_below(h); // a failed prune only leaves the log longer

  out_committed c;
  c.height = h;
  c.id = id;
  c.time_ms = b.header.time_ms;
  c.txs = b.txs.size();
  c.failed_txs = outcome.failed_txs();
  c.events = outcome.events;
  c.caught_up = caught_up;
  out.push_back(std::move(c));
  out.push_back(out_status{h, id});
  uint64_t now = cfg_.now_ms();
  uint64_t at = b.header.time_ms + params_.block_time_ms;
  out.push_back(out_next_height{h + 1, at > now ? at - now : 0});
  return {};
}

std::string chain_node::make_block(uint64_t height, uint32_t round) {
  if (height != head_.height + 1)
    return {};
  block b;
  auto& hd = b.header;
  hd.chain_id = cfg_.gen.chain_id;
  hd.height = height;
  hd.time_ms = std::max(cfg_.now_ms(), head_time_ms_ + 1);
  hd.prev_hash = head_.id;
  hd.state_root = state_root_;
  hd.proposer = cfg_.key->public_key();
  if (head_.height > 0) {
    auto sb = store_->get_block(head_.height);
    if (!sb || !*sb)
      return {};
    b.last_commit = (*sb)->cert;
  }
  {
    auto rd = state_->begin_read();
    if (!rd)
      return {};
    const state_view& view = **rd;
    auto picked = pool_.reap(cfg_.max_block_txs, cfg_.max_block_bytes, [&](std::string_view sender) {
      auto a = read_account(view, sender);
      return a ? a->nonce : UINT64_MAX;
    });
    b.txs.reserve(picked.size());
    for (const auto* t : picked)
      b.txs.push_back(t->bytes);
  }
  for (const auto& e : pending_evidence_)
    if (verify_evidence(hd.chain_id, set_, e) && b.evidence_list.size() < decode_limits{}.max_evidence)
      b.evidence_list.push_back(e);
  hd.txs_hash = txs_hash(b.txs);
  hd.evidence_hash = evidence_hash(b.evidence_list);
  hd.last_commit_hash = commit_hash(b.last_commit);
  return encode(b);
}

status chain_node::validate_block(std::string_view, const block& b) {
  const auto& hd = b.header;
  auto bad = [&](const std::string& why) {
    return make_error(errc::invalid_input, "block " + std::to_string(hd.height) + ": " + why);
  };
  if (hd.chain_id != cfg_.gen.chain_id)
    return bad("chain id '" + hd.chain_id + "' is not ours");
  if (hd.height != head_.height + 1)
    return bad("height is not our head + 1");
  if (hd.prev_hash != head_.id)
    return bad("previous hash is not our head");
  if (hd.time_ms <= head_time_ms_ && head_.height > 0)
    return bad("time is not after the previous block's");
  if (hd.time_ms > cfg_.now_ms() + cfg_.max_clock_drift_ms)
    return bad("time is too far in the future");
  if (hd.state_root != state_root_)
    return bad("state root " + to_hex(hd.state_root) + " differs from ours " + to_hex(state_root_));
  if (auto s = check_body(b); !s)
    return s;
  if (head_.height == 0) {
    if (!b.last_commit.empty())
      return bad("the first block carries a commit certificate");
  } else {
    if (b.last_commit.height != head_.height || b.last_commit.block_id != head_.id)
      return bad("last commit is not for the previous block");
    if (auto s = verify_commit(hd.chain_id, prev_set_.empty() ? set_ : prev_set_, b.last_commit); !s)
      return s;
  }
  // The proposer field names the author rewarded for the block: it must be a proposer of this
  // height in a round consensus may be in.
  bool proposer_ok = false;
  for (uint32_t r = 0; r <= cs_->round() + 8 && !proposer_ok; ++r)
    proposer_ok = cs_->proposer(r) == hd.proposer;
  if (!proposer_ok)
    return bad("proposer " + to_hex(hd.proposer) + " is not the proposer of this height");
  for (const auto& e : b.evidence_list)
    if (auto s = verify_evidence(hd.chain_id, set_, e); !s)
      return s;
  if (b.txs.size() > cfg_.max_block_txs)
    return bad("more than " + std::to_string(cfg_.max_block_txs) + " transactions");
  tx_limits lim;
  lim.max_tx_bytes = params_.max_tx_bytes;
  for (const auto& t : b.txs)
    if (auto d = decode_tx(t, lim); !d)
      return bad("a transaction does not decode: " + d.err().message);
  return {};
}

result<std::string> chain_node::submit_tx(std::string bytes, node_outputs& out) {
  std::string h = tx_hash(bytes);
  if (pool_.contains(h))
    return h;
  if (auto known = store_->find_tx(h); known && *known)
    return h;
  auto rd = state_->begin_read();
  if (!rd)
    return rd.err();
  auto info = check_tx(**rd, bytes);
  if (!info)
    return info.err();
  auto a = read_account(**rd, info->sender);
  if (!a)
    return a.err();
  mempool::tx_info mi{info->hash, info->sender, info->nonce, info->fee, bytes.size()};
  auto added = pool_.add(std::move(mi), bytes, a->nonce);
  if (added.code == add_code::duplicate)
    return h;
  if (!added.ok())
    return make_error(errc::invalid_input, added.reason);
  out.push_back(out_txs{{std::move(bytes)}});
  return h;
}

uint64_t chain_node::next_nonce(const std::string& sender) const {
  uint64_t nonce = account_nonce(sender);
  return nonce == UINT64_MAX ? nonce : nonce + pool_.pending_of(sender);
}

result<std::string> chain_node::sign_and_submit(const node_identity& sender, const tx_body& body, node_outputs& out) {
  uint64_t nonce = next_nonce(sender.public_key());
  if (nonce == UINT64_MAX)
    return make_error(errc::io_error, "cannot read the sender's account");
  auto tx = make_tx(sender, cfg_.gen.chain_id, nonce, params_.min_fee, body);
  return submit_tx(encode(tx), out);
}

node_outputs chain_node::on_blocks(const std::vector<std::pair<std::string, std::string>>& blocks, std::string* error) {
  node_outputs out;
  auto fail = [&](const std::string& why) {
    if (error)
      *error = why;
  };
  bool progressed = false;
  for (const auto& [bytes, cert_bytes] : blocks) {
    auto b = decode_block(bytes);
    if (!b) {
      fail(b.err().message);
      break;
    }
    uint64_t h = b->header.height;
    if (h <= head_.height)
      continue;
    if (h != head_.height + 1) {
      fail("block " + std::to_string(h) + " does not follow our head " + std::to_string(head_.height));
      break;
    }
    auto cert = decode_commit_cert(cert_bytes);
    if (!cert) {
      fail(cert.err().message);
      break;
    }
    std::string id = block_id(b->header);
    if (cert->height != h || cert->block_id != id) {
      fail("certificate of block " + std::to_string(h) + " is for another block");
      break;
    }
    if (auto s = verify_commit(cfg_.gen.chain_id, set_, *cert); !s) {
      fail(s.err().message);
      break;
    }
    if (b->header.chain_id != cfg_.gen.chain_id || b->header.prev_hash != head_.id) {
      fail("block " + std::to_string(h) + " does not link to our head");
      break;
    }
    if (auto s = check_body(*b); !s) {
      fail(s.err().message);
      break;
    }
    if (auto s = commit(*b, bytes, *cert, true, out); !s) {
      fatal_ = s.err().describe();
      break;
    }
    progressed = true;
  }
  if (progressed)
    requested_from_ = 0;
  return out;
}

result<std::vector<std::pair<std::string, std::string>>> chain_node::blocks_from(uint64_t from, size_t max_count,
                                                                                 size_t max_bytes) const {
  auto r = store_->get_range(from, max_count, max_bytes);
  if (!r)
    return r.err();
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(r->size());
  for (auto& sb : *r)
    out.emplace_back(std::move(sb.block), encode(sb.cert));
  return out;
}

std::string chain_node::head_json() const {
  json j{{"chain_id", cfg_.gen.chain_id},
         {"height", head_.height},
         {"id", to_hex(head_.id)},
         {"time_ms", head_time_ms_},
         {"state_root", to_hex(state_root_)},
         {"validators", set_.size()},
         {"mempool", pool_.size()},
         {"consensus", {{"height", cs_->height()}, {"round", cs_->round()}, {"step", to_string(cs_->step())}}}};
  if (auto rd = state_->begin_read(); rd)
    if (auto era = read_era(**rd); era)
      j["era"] = era->index;
  return j.dump();
}

result<std::string> chain_node::block_json(uint64_t height) const {
  auto sb = store_->get_block(height);
  if (!sb)
    return sb.err();
  if (!*sb)
    return make_error(errc::not_found, "no block at height " + std::to_string(height) + " (head is " +
                                           std::to_string(head_.height) + ")");
  auto b = decode_block((*sb)->block);
  if (!b)
    return b.err();
  json txs = json::array();
  for (const auto& t : b->txs)
    txs.push_back(to_hex(tx_hash(t)));
  json sigs = json::array();
  for (const auto& s : (*sb)->cert.sigs)
    sigs.push_back(to_hex(s.validator));
  const auto& hd = b->header;
  json j{{"height", hd.height},
         {"id", to_hex((*sb)->id)},
         {"time_ms", hd.time_ms},
         {"prev_hash", to_hex(hd.prev_hash)},
         {"state_root", to_hex(hd.state_root)},
         {"proposer", to_hex(hd.proposer)},
         {"txs", txs},
         {"evidence", b->evidence_list.size()},
         {"commit", {{"round", (*sb)->cert.round}, {"signers", sigs}}},
         {"size", (*sb)->block.size()}};
  return j.dump();
}

result<std::string> chain_node::tx_json(const std::string& hash) const {
  if (const auto* p = pool_.find(hash))
    return json{{"hash", to_hex(hash)}, {"pending", true}, {"sender", to_hex(p->info.sender)}, {"nonce", p->info.nonce}}
      .dump();
  auto t = store_->get_tx(hash);
  if (!t)
    return t.err();
  if (!*t)
    return make_error(errc::not_found, "transaction " + to_hex(hash) + " is neither pending nor in a block");
  auto tx = decode_tx((*t)->bytes, tx_limits{params_.max_tx_bytes});
  json j{{"hash", to_hex(hash)}, {"height", (*t)->where.height}, {"index", (*t)->where.index}, {"pending", false}};
  if (tx) {
    const char* name = tx_type_name(tx->type);
    j["type"] = name ? name : std::to_string(tx->type);
    j["sender"] = to_hex(tx->sender);
    j["nonce"] = tx->nonce;
    j["fee"] = tx->fee;
    json args = json::array();
    for (const auto& a : tx->args)
      args.push_back(arg_json(a));
    j["args"] = args;
  }
  if (auto r = store_->get_meta(receipt_prefix + hash); r && *r) {
    if (auto rc = decode_receipt(**r); rc) {
      j["ok"] = rc->first;
      if (!rc->first)
        j["reason"] = rc->second;
    }
  }
  return j.dump();
}

result<std::string> chain_node::account_json(const std::string& key) const {
  auto rd = state_->begin_read();
  if (!rd)
    return rd.err();
  const state_view& s = **rd;
  auto a = read_account(s, key);
  if (!a)
    return a.err();
  auto st = read_stake(s, key);
  if (!st)
    return st.err();
  json g = json::array();
  for (const auto& x : st->guarantees)
    g.push_back({{"target", to_hex(x.target)}, {"amount", x.amount}});
  json u = json::array();
  for (const auto& x : st->unbonding)
    u.push_back({{"amount", x.amount}, {"release_height", x.release_height}});
  json j{{"key", to_hex(key)},
         {"balance", a->balance},
         {"nonce", a->nonce},
         {"pending_txs", pool_.pending_of(key)},
         {"bonded", st->bonded},
         {"own_stake", st->own()},
         {"guarantees", g},
         {"unbonding", u},
         {"candidate", nullptr}};
  auto c = read_candidate(s, key);
  if (c && *c)
    j["candidate"] = {{"node_key", to_hex((*c)->node_key)}, {"commission_ppm", (*c)->commission_ppm}};
  if (auto p = read_owner_power(s, key); p)
    j["storage_power"] = *p;
  return j.dump();
}

result<std::string> chain_node::validators_json() const {
  auto rd = state_->begin_read();
  if (!rd)
    return rd.err();
  auto cands = read_candidates(**rd);
  if (!cands)
    return cands.err();
  json vs = json::array();
  for (const auto& v : set_)
    vs.push_back({{"node_key", to_hex(v.key)}, {"power", v.power}});
  json cs = json::array();
  for (const auto& c : *cands)
    cs.push_back({{"owner", to_hex(c.owner)},
                  {"node_key", to_hex(c.node_key)},
                  {"commission_ppm", c.commission_ppm},
                  {"own", c.own},
                  {"guaranteed", c.guaranteed},
                  {"stake_limit", c.stake_limit},
                  {"storage_power", c.storage_power},
                  {"effective", c.effective},
                  {"elected", find_validator(set_, c.node_key) != nullptr}});
  return json{{"height", head_.height + 1}, {"total_power", total_power(set_)}, {"validators", vs}, {"candidates", cs}}
    .dump();
}

result<std::string> chain_node::era_json() const {
  auto rd = state_->begin_read();
  if (!rd)
    return rd.err();
  auto era = read_era(**rd);
  if (!era)
    return era.err();
  json p;
  chain_params params = params_;
  for_each_param(params, [&](const char* name, auto& v) { p[name] = v; });
  uint64_t era_end = era->start_height + params_.era_blocks - 1;
  return json{{"era", era->index},
              {"start_height", era->start_height},
              {"end_height", era_end},
              {"pot", era->pot},
              {"issuance", era->issuance},
              {"last_reward", era->last_reward},
              {"slot", params_.slot_blocks ? head_.height / params_.slot_blocks : 0},
              {"params", p}}
    .dump();
}

} // namespace mantle::chain
