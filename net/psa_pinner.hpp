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
//
// With the chain on and min_replicas ≥ 1 (mantled --psa-min-replicas), a pin is also a storage
// order (issue #6): once the CID is pinned here, the pinner places an order for it (order_hooks;
// info {"order_tx"}), and the request stays pinning until the order is live with at least
// min_replicas proven replicas (info {"order": "pending"|"live", "replicas": "k/N"}), then it is
// pinned. An order the chain refuses (insufficient funds, a directory, a conflicting order)
// fails the request with the reason; a chain that is down or slow only delays it. The pin
// timeout covers the whole wait.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "net/node_backend.hpp"
#include "storage/psa_store.hpp"

namespace mantle::psa {

struct pinner_options {
  std::chrono::milliseconds retry_interval{5000};
  std::chrono::milliseconds timeout{24 * 3600 * 1000};
  uint32_t min_replicas = 0; // with order hooks: proven replicas for "pinned"; 0 = no orders
};

// A CID's storage order as the chain has it.
struct order_state {
  bool exists = false; // an order is on chain
  bool live = false;   // live (false: pending)
  uint64_t proven_replicas = 0;
};

// A submitted transaction.
struct tx_state {
  bool pending = true; // not in a block yet
  bool ok = false;     // in a block: succeeded
  std::string reason;  // in a block and failed: why
};

// How the pinner reaches the chain; errors with errc::invalid_input are the chain's (or the
// order's) final word, any other code is transient and retried.
struct order_hooks {
  std::function<result<std::string>(const cid&)> place; // places an order for a stored file -> tx hash
  std::function<result<order_state>(const cid&)> status;
  std::function<result<tx_state>(const std::string& tx_hash)> tx;
};

// The PSA status of a request pinned here whose order is `o` (min_replicas ≥ 1): pinned once
// live with at least min_replicas proven replicas, else pinning.
pin_status status_for_order(const order_state& o, uint32_t min_replicas);

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
  // With `orders` (and opt.min_replicas ≥ 1) pins are also storage orders (see the top).
  pinner(node_backend& node, psa_store& store, pinner_options opt, order_hooks orders = {})
    : node_(node), store_(store), opt_(opt), orders_(std::move(orders)) {}

  // One pass over the queued and pinning requests at `now_ms` (oldest first).
  result<run_report> run(uint64_t now_ms);

private:
  struct order_step;
  bool orders_on() const { return opt_.min_replicas > 0 && orders_.place && orders_.status && orders_.tx; }
  // The next step of a pinned request's order.
  order_step follow_order(const request_record& r);

  node_backend& node_;
  psa_store& store_;
  pinner_options opt_;
  order_hooks orders_;
};

} // namespace mantle::psa
