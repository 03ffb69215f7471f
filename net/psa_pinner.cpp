#include "net/psa_pinner.hpp"

#include <map>

#include "storage/cid.hpp"

namespace mantle::psa {

namespace {

uint64_t ms(std::chrono::milliseconds d) { return static_cast<uint64_t>(d.count()); }

constexpr const char* waiting_key = "waiting_for";
constexpr const char* order_tx_key = "order_tx";

} // namespace

struct pinner::order_step {
  enum class kind { wait, pinned, failed } what = kind::wait;
  std::map<std::string, std::string> info; // info entries to set
  bool forget_tx = false;                  // drop order_tx: place the order again
  std::string why;                         // wait: what it waits for; failed: the reason
};

pin_status status_for_order(const order_state& o, uint32_t min_replicas) {
  return o.exists && o.live && o.proven_replicas >= min_replicas ? pin_status::pinned : pin_status::pinning;
}

pinner::order_step pinner::follow_order(const request_record& r) {
  order_step out;
  auto c = cid::parse(r.cid);
  if (!c) {
    out.what = order_step::kind::failed;
    out.why = c.err().message;
    return out;
  }
  auto final_word = [](const error& e) { return e.code == errc::invalid_input; };
  auto tx = r.info.find(order_tx_key);
  if (tx == r.info.end()) {
    auto h = orders_.place(*c);
    if (!h) {
      out.what = final_word(h.err()) ? order_step::kind::failed : order_step::kind::wait;
      out.why = "storage order: " + h.err().message;
      return out;
    }
    out.info[order_tx_key] = *h;
    out.info["order"] = "placed";
    out.why = "storage order " + *h + " to be in a block";
    return out;
  }
  auto st = orders_.status(*c);
  if (!st) {
    out.why = "storage order status: " + st.err().message;
    return out;
  }
  if (!st->exists) {
    auto t = orders_.tx(tx->second);
    if (!t) {
      // A tx the node no longer knows (dropped from the mempool by a restart): order again.
      out.forget_tx = t.err().code == errc::not_found;
      out.why = "storage order " + tx->second + ": " + t.err().message;
      return out;
    }
    if (!t->pending && !t->ok) {
      out.what = order_step::kind::failed;
      out.why = "storage order refused by the chain: " + t->reason;
      return out;
    }
    // In a block and succeeded but gone: the order expired and closed since. Order again.
    out.forget_tx = !t->pending;
    out.why = "storage order " + tx->second + " to be in a block";
    return out;
  }
  out.info["order"] = st->live ? "live" : "pending";
  out.info["replicas"] = std::to_string(st->proven_replicas) + "/" + std::to_string(opt_.min_replicas);
  if (status_for_order(*st, opt_.min_replicas) == pin_status::pinned) {
    out.what = order_step::kind::pinned;
    return out;
  }
  out.why = st->live ? "the storage order to have " + std::to_string(opt_.min_replicas) + " proven replicas"
                     : "the storage order to go live (a storage node must take and prove it)";
  return out;
}

next_step decide(const request_record& r, uint64_t now_ms, const pinner_options& o) {
  switch (r.status) {
    case pin_status::queued:
      return next_step::attempt;
    case pin_status::pinning:
      // attempts == 0: marked pinning but killed before the store was asked.
      if (r.attempts == 0 || now_ms >= r.last_attempt_ms + ms(o.retry_interval) ||
          now_ms < r.last_attempt_ms) // the clock went back: do not wait for it to catch up
        return next_step::attempt;
      return next_step::wait;
    case pin_status::pinned:
    case pin_status::failed:
      return next_step::skip;
  }
  return next_step::skip;
}

attempt_outcome classify(const status& s) {
  if (s)
    return attempt_outcome::pinned;
  switch (s.err().code) {
    case errc::invalid_input:
    case errc::corrupt:
    case errc::unsupported:
      return attempt_outcome::failed;
    default:
      return attempt_outcome::retry;
  }
}

status release_pin(node_backend& node, psa_store& store, const request_record& gone) {
  // Only a request that got (or may be getting) its pin can own one.
  if (gone.status != pin_status::pinned && gone.status != pin_status::pinning)
    return {};
  auto others = store.by_cid(gone.cid);
  if (!others)
    return others.err();
  for (auto& o : *others)
    if (o.requestid != gone.requestid && o.status != pin_status::failed)
      return {}; // another request still wants this CID pinned
  auto c = cid::parse(gone.cid);
  if (!c)
    return c.err();
  auto s = node.pin_rm(*c, true);
  if (!s && s.err().code != errc::not_found)
    return s;
  return {};
}

result<run_report> pinner::run(uint64_t now_ms) {
  auto work = store_.active();
  if (!work)
    return work.err();
  run_report rep;
  auto note_due = [&](uint64_t due) {
    if (!rep.next_due_ms || due < *rep.next_due_ms)
      rep.next_due_ms = due;
  };
  std::vector<std::string> due;
  for (auto& r : *work) {
    auto step = decide(r, now_ms, opt_);
    if (step == next_step::wait)
      note_due(r.last_attempt_ms + ms(opt_.retry_interval));
    else if (step == next_step::attempt)
      due.push_back(r.requestid);
  }
  // Record every attempt of this pass first, in one transaction: a crash during the pins
  // leaves them pinning, to be resumed. Requests deleted meanwhile are not returned.
  auto marked = store_.update_each(due, [&](request_record& x) {
    x.status = pin_status::pinning;
    x.attempts += 1;
    x.last_attempt_ms = now_ms;
  });
  if (!marked)
    return marked.err();
  std::map<std::string, order_step> waiting; // requestid -> why it is not pinned yet (+ order info)
  for (auto& r : *marked) {
    ++rep.attempted;
    status pinned;
    // A request with an order placed was pinned here in an earlier pass.
    bool ordered = orders_on() && r.info.count(order_tx_key) != 0;
    if (auto c = cid::parse(r.cid); !c)
      pinned = c.err();
    else if (!ordered)
      pinned = node_.pin_add(*c, pin_type::recursive, r.name);
    auto outcome = classify(pinned);
    order_step step;
    if (!pinned.ok())
      step.why = pinned.err().message;
    if (outcome == attempt_outcome::pinned && orders_on()) {
      step = follow_order(r);
      if (step.what == order_step::kind::wait)
        outcome = attempt_outcome::retry;
      else if (step.what == order_step::kind::failed)
        outcome = attempt_outcome::failed;
    }
    bool past_deadline = now_ms >= r.created_ms + ms(opt_.timeout);
    bool timed_out = outcome == attempt_outcome::retry && past_deadline;
    if (timed_out)
      outcome = attempt_outcome::failed;
    if (outcome == attempt_outcome::retry) {
      note_due(now_ms + ms(opt_.retry_interval));
      waiting[r.requestid] = std::move(step);
      continue;
    }
    auto done = store_.update(r.requestid, [&](request_record& x) {
      x.info.erase(waiting_key);
      for (auto& [k, v] : step.info)
        x.info[k] = v;
      if (outcome == attempt_outcome::pinned) {
        x.status = pin_status::pinned;
        x.info.erase("reason");
        x.failure.clear();
      } else {
        x.status = pin_status::failed;
        x.failure = timed_out ? "not pinned within the pin timeout: " + step.why : step.why;
        x.info["reason"] = x.failure;
      }
    });
    if (!done) {
      if (done.err().code != errc::not_found)
        return done.err();
      // Deleted while we pinned: nobody wants the pin any more.
      if (outcome == attempt_outcome::pinned) {
        request_record gone = r;
        gone.status = pin_status::pinned;
        if (auto s = release_pin(node_, store_, gone); !s)
          return s.err();
      }
      continue;
    }
    ++(outcome == attempt_outcome::pinned ? rep.pinned : rep.failed);
    // Pinned here for an order that will not be: the pin goes unless another request holds it.
    if (outcome == attempt_outcome::failed && pinned.ok()) {
      request_record gone = r;
      gone.status = pin_status::pinning;
      if (auto s = release_pin(node_, store_, gone); !s)
        return s.err();
    }
  }
  // Tells clients why a request is still pinning (info is free-form in the spec); one
  // transaction for the whole pass.
  std::vector<std::string> ids;
  for (auto& [id, why] : waiting)
    ids.push_back(id);
  auto noted = store_.update_each(ids, [&](request_record& x) {
    if (x.status != pin_status::pinning)
      return;
    auto& w = waiting[x.requestid];
    x.info[waiting_key] = w.why;
    for (auto& [k, v] : w.info)
      x.info[k] = v;
    if (w.forget_tx) {
      x.info.erase(order_tx_key);
      x.info.erase("order");
      x.info.erase("replicas");
    }
  });
  if (!noted)
    return noted.err();
  return rep;
}

} // namespace mantle::psa
