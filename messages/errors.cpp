#include "messages/errors.hpp"

#include <caf/make_message.hpp>
#include <caf/sec.hpp>

namespace mantle {

caf::error to_caf(const error& e) {
  return caf::error(static_cast<uint8_t>(e.code), caf::atom("mantle"), caf::make_message(e.message));
}

error from_caf(const caf::error& e) {
  if (e.category() == caf::atom("mantle")) {
    std::string msg;
    if (e.context().match_elements<std::string>())
      msg = e.context().get_as<std::string>(0);
    return error{static_cast<errc>(e.code()), msg};
  }
  if (e.category() == caf::atom("system"))
    return error{errc::unavailable, "actor system: " + caf::to_string(static_cast<caf::sec>(e.code()))};
  return error{errc::internal, "unexpected error code " + std::to_string(e.code())};
}

} // namespace mantle
