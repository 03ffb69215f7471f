// A blocking request to a registered actor from a thread outside the actor system (the HTTP
// front's connection threads): the actor is looked up by registry name on every call, so a
// restarted one is found. A mantle error comes back as it is; anything else (a timeout, the
// actor gone mid-request) becomes errc::unavailable, its text after `unanswered` when given.
// Includes CAF: for .cpp files only.
#pragma once
#include <caf/all.hpp>

#include <optional>
#include <string>

#include "messages/errors.hpp"
#include "storage/result.hpp"

namespace mantle {

template <class T, class... Ts>
result<T> ask_named(caf::actor_system& sys, const std::string& name, caf::timespan timeout,
                    const std::string& absent, const std::string& unanswered, Ts&&... xs) {
  auto target = caf::actor_cast<caf::actor>(sys.registry().get(caf::atom_from_string(name)));
  if (!target)
    return make_error(errc::unavailable, absent);
  caf::scoped_actor self{sys};
  std::optional<result<T>> out;
  self->request(target, timeout, std::forward<Ts>(xs)...)
    .receive([&](T& x) { out.emplace(std::move(x)); },
             [&](caf::error& e) {
               out.emplace(e.category() == caf::atom("mantle")
                             ? from_caf(e)
                             : make_error(errc::unavailable, unanswered + sys.render(e)));
             });
  return std::move(*out);
}

} // namespace mantle
