// Node events: one message type published on the local group "mantle.events"
// (actors/validator/validator_actor.hpp: node_event_group) for the console and plugins.
#pragma once
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>

namespace mantle {

struct node_event {
  std::string kind;   // "block", "era_change", "slash", "validator_set_change", ...
  uint64_t height = 0;
  std::string text;   // one line for a person
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_event& x) {
  return f(caf::meta::type_name("mantle::node_event"), x.kind, x.height, x.text);
}

} // namespace mantle
