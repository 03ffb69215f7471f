#include "net/psa_pinner.hpp"

#include <map>

#include "storage/cid.hpp"

namespace mantle::psa {

namespace {

uint64_t ms(std::chrono::milliseconds d) { return static_cast<uint64_t>(d.count()); }

constexpr const char* waiting_key = "waiting_for";

} // namespace

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
  std::map<std::string, std::string> waiting; // requestid -> why it could not be pinned yet
  for (auto& r : *marked) {
    ++rep.attempted;
    status pinned;
    if (auto c = cid::parse(r.cid); !c)
      pinned = c.err();
    else
      pinned = node_.pin_add(*c, pin_type::recursive, r.name);
    auto outcome = classify(pinned);
    bool past_deadline = now_ms >= r.created_ms + ms(opt_.timeout);
    if (outcome == attempt_outcome::retry && past_deadline)
      outcome = attempt_outcome::failed;
    if (outcome == attempt_outcome::retry) {
      note_due(now_ms + ms(opt_.retry_interval));
      waiting[r.requestid] = pinned.err().message;
      continue;
    }
    auto done = store_.update(r.requestid, [&](request_record& x) {
      x.info.erase(waiting_key);
      if (outcome == attempt_outcome::pinned) {
        x.status = pin_status::pinned;
        x.info.erase("reason");
        x.failure.clear();
      } else {
        x.status = pin_status::failed;
        x.failure = past_deadline && classify(pinned) == attempt_outcome::retry
                      ? "not pinned within the pin timeout: " + pinned.err().message
                      : pinned.err().message;
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
  }
  // Tells clients why a request is still pinning (info is free-form in the spec); one
  // transaction for the whole pass.
  std::vector<std::string> ids;
  for (auto& [id, why] : waiting)
    ids.push_back(id);
  auto noted = store_.update_each(ids, [&](request_record& x) {
    if (x.status == pin_status::pinning)
      x.info[waiting_key] = waiting[x.requestid];
  });
  if (!noted)
    return noted.err();
  return rep;
}

} // namespace mantle::psa
