// The node's network fallback for reads: a block_source that reads the local store first and,
// for a block it lacks, asks the "exchange" actor to fetch it from peers (verified and stored
// before it is returned). Without an exchange actor it is the local store unchanged. The
// gateway, cat, get, ls and CAR export read through it (actors/gateway/actor_backend.cpp).
#pragma once
#include <caf/fwd.hpp>

#include <functional>

#include "storage/block_io.hpp"

namespace mantle {

class fetching_source final : public block_source {
public:
  // `exchange` is resolved per miss (an invalid handle: no network, the miss stands).
  fetching_source(caf::actor_system& sys, block_source& local, std::function<caf::actor()> exchange);

  result<std::string> get(const cid& c) override;
  status read(const cid& c, const std::function<status(std::string_view)>& fn) override;

private:
  result<std::string> fetch(const cid& c, const error& local_miss);

  caf::actor_system& sys_;
  block_source& local_;
  std::function<caf::actor()> exchange_;
};

// Brings the whole DAG under `root` into the local store through the exchange (pin add of a
// CID this node lacks). Success at once when no exchange actor runs: the caller's own checks
// then report what is missing.
status fetch_dag(caf::actor_system& sys, const std::function<caf::actor()>& exchange, const cid& root);

} // namespace mantle
