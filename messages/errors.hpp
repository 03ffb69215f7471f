// mantle::errc travels between actors as a caf::error in the "mantle" category, with the
// human-readable message in its context, so a remote caller gets the same text as a local one.
#pragma once
#include <caf/error.hpp>
#include <caf/atom.hpp>
#include "storage/result.hpp"

namespace mantle {

caf::error to_caf(const error& e);
error from_caf(const caf::error& e);

} // namespace mantle
