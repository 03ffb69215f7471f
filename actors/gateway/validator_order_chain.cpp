#include <caf/all.hpp>

#include <optional>

#include "actors/ask_named.hpp"
#include "actors/gateway/order_routes.hpp"
#include "messages/errors.hpp"
#include "messages/node_types.hpp"
#include "messages/market.hpp"
#include "messages/validator.hpp"

namespace mantle {
namespace {

constexpr auto ask_timeout = std::chrono::seconds(15);

template <class T, class... Ts>
result<T> ask_validator(caf::actor_system& sys, Ts&&... xs) {
  return ask_named<T>(sys, validator_name, ask_timeout,
                      "the chain is not running on this node (started with --chain off?)", "",
                      std::forward<Ts>(xs)...);
}

} // namespace

order_chain validator_order_chain(caf::actor_system& sys) {
  order_chain c;
  c.read = [&sys](const std::vector<std::string>& keys) {
    return ask_validator<chain_read_reply>(sys, chain_read_atom::value, keys);
  };
  c.scan = [&sys](const std::string& prefix, const std::string& after, uint32_t limit) {
    return ask_validator<chain_scan_reply>(sys, chain_scan_atom::value, prefix, after, limit);
  };
  c.place = [&sys](const order_request& r) { return ask_validator<std::string>(sys, r); };
  c.prepaid = [&sys](const prepaid_request& r) { return ask_validator<std::string>(sys, r); };
  c.tx = [&sys](const std::string& hash) { return ask_validator<std::string>(sys, chain_tx_atom::value, hash); };
  c.market_status = [&sys] {
    return ask_named<std::string>(sys, market_name, ask_timeout,
                                  "the market is not running on this node (--market off or --chain off)", "",
                                  market_status_atom::value);
  };
  c.prover_status = [&sys] {
    return ask_named<std::string>(sys, prover_name, ask_timeout,
                                  "the prover is not running on this node (--prover off or --chain off)", "",
                                  prover_status_atom::value);
  };
  return c;
}

} // namespace mantle
