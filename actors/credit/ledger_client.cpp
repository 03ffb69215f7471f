#include "actors/credit/ledger_client.hpp"

#include <caf/all.hpp>

#include "messages/credit.hpp"
#include "messages/errors.hpp"

namespace mantle {

ledger_source ledger_client(caf::actor_system& sys, std::string name, std::chrono::milliseconds timeout) {
  return [&sys, name, timeout]() -> result<std::vector<ledger_entry>> {
    auto ledger = caf::actor_cast<caf::actor>(sys.registry().get(caf::atom_from_string(name)));
    if (!ledger)
      return make_error(errc::unavailable, "the credit ledger is not running");
    std::optional<result<std::vector<ledger_entry>>> out;
    caf::scoped_actor self{sys};
    self->request(ledger, timeout, ledger_atom::value)
      .receive([&](std::vector<ledger_entry>& v) { out.emplace(std::move(v)); },
               [&](caf::error& e) {
                 out.emplace(e.category() == caf::atom("mantle")
                               ? from_caf(e)
                               : make_error(errc::unavailable, "the credit ledger did not answer: " + sys.render(e)));
               });
    return std::move(*out);
  };
}

} // namespace mantle
