// Sample plugin "ord_policy": decides which storage orders the node takes. Run the node with
//   plugin = /path/to/order_policy.so
//   market-policy = ord_policy
//   plugin.ord_policy.max-size = 64MiB
//   plugin.ord_policy.deny = bafkqa,QmBad
// The market asks it (mkt_ask_atom, order_offer) -> order_decision for every order its own
// checks would take (order_rules.hpp has the rules). (get_atom) -> "asked N, taken M".
#include <caf/all.hpp>

#include <stdexcept>

#include "messages/node_types.hpp"
#include "messages/plugin.hpp"
#include "messages/plugin_api.hpp"
#include "tools/plugins/order_policy/order_rules.hpp"

namespace {

struct policy_state {
  mantle::plugins::order_rules rules;
  uint64_t asked = 0;
  uint64_t taken = 0;
  static inline const char* name = "ord_policy";
};

caf::behavior order_policy(caf::stateful_actor<policy_state>* self, mantle::plugins::order_rules rules) {
  self->state.rules = std::move(rules);
  self->set_exception_handler(mantle::exception_text_reason);
  return {
    [self](mantle::mkt_ask_atom, const mantle::order_offer& offer) {
      auto d = mantle::plugins::decide_order(self->state.rules, offer);
      ++self->state.asked;
      if (d.take)
        ++self->state.taken;
      return d;
    },
    [self](mantle::get_atom) {
      return "asked " + std::to_string(self->state.asked) + ", taken " + std::to_string(self->state.taken);
    },
  };
}

caf::actor spawn_order_policy(const mantle::plugin_context& ctx) {
  auto rules = mantle::plugins::parse_order_rules(ctx.config);
  if (!rules) // refused at load time with the reason, instead of a policy that is not the one configured
    throw std::invalid_argument("plugin." + ctx.name + ": " + rules.err().message);
  return ctx.system.spawn(order_policy, std::move(*rules));
}

} // namespace

MANTLE_PLUGIN("ord_policy", "1.0.0", spawn_order_policy)
