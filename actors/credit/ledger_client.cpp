#include "actors/credit/ledger_client.hpp"

#include "actors/ask_named.hpp"
#include "messages/credit.hpp"

namespace mantle {

ledger_source ledger_client(caf::actor_system& sys, std::string name, std::chrono::milliseconds timeout) {
  return [&sys, name, timeout]() -> result<std::vector<ledger_entry>> {
    return ask_named<std::vector<ledger_entry>>(sys, name, timeout, "the credit ledger is not running",
                                                "the credit ledger did not answer: ", ledger_atom::value);
  };
}

} // namespace mantle
