// The Pinning Service API's background work, as plain logic over node_backend and psa_store
// (the pinner actor in actors/pinning only calls run() on a timer and when woken).
//
// A request goes queued -> pinning -> pinned, or -> failed. Each attempt is recorded (status
// pinning, attempts, last attempt time) before the block store is asked, so a crash or kill
// at any point leaves the request queued or pinning, and the next run resumes it.
// The node has no peers yet: a DAG whose blocks are not all in the local store cannot be
// fetched, so the request stays pinning and is retried every retry interval (the blocks may
// arrive by a local add) until its deadline (created + timeout), then fails with
// info {"reason": ...}; while it waits, info {"waiting_for": <what the store reported missing>}.
// `origins` are kept for the day there are peers to dial.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "net/node_backend.hpp"
#include "storage/psa_store.hpp"

namespace mantle::psa {

struct pinner_options {
  std::chrono::milliseconds retry_interval{5000};
  std::chrono::milliseconds timeout{24 * 3600 * 1000};
};

enum class next_step {
  attempt, // try to pin it now
  wait,    // retry later
  skip,    // nothing to do (pinned or failed)
};

// What to do with request `r` at `now_ms`.
next_step decide(const request_record& r, uint64_t now_ms, const pinner_options& o);

enum class attempt_outcome { pinned, retry, failed };
// How a pin attempt's result is treated: missing blocks and transient trouble are retried;
// input the store will never accept (corrupt blocks, unsupported hashes) fails at once.
attempt_outcome classify(const status& pin_result);

// Unpins `gone`'s CID from the block store unless another (not failed) request for the same
// CID remains. Call after `gone` was removed from the store. A CID pinned also through the
// Kubo RPC shares the one pin record of the block store: removing the last PSA request
// removes that pin too (the store keeps one pin per CID).
status release_pin(node_backend& node, psa_store& store, const request_record& gone);

struct run_report {
  size_t attempted = 0;
  size_t pinned = 0;
  size_t failed = 0;
  // When the earliest waiting request becomes due (unix ms); nullopt when none waits.
  std::optional<uint64_t> next_due_ms;
};

class pinner {
public:
  pinner(node_backend& node, psa_store& store, pinner_options opt)
    : node_(node), store_(store), opt_(opt) {}

  // One pass over the queued and pinning requests at `now_ms` (oldest first).
  result<run_report> run(uint64_t now_ms);

private:
  node_backend& node_;
  psa_store& store_;
  pinner_options opt_;
};

} // namespace mantle::psa
