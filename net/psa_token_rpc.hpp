// RPC commands that manage Pinning Service API tokens, registered on the Kubo RPC prefix so
// they get its rules (POST only, Origin/Referer check): only the local admin API mints tokens.
//   mantle/token/create?arg=<name> -> {"Id","Name","Created","Secret"} (the secret, once)
//   mantle/token/list              -> {"Tokens":[{"Id","Name","Created"}]} (never secrets)
//   mantle/token/revoke?arg=<id-or-name> -> {"Id","Name","Revoked":true}
#pragma once
#include "net/router.hpp"
#include "storage/psa_store.hpp"

namespace mantle {

void add_token_commands(router& r, psa::psa_store& store);

} // namespace mantle
