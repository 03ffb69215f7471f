#include "net/psa_token_rpc.hpp"

#include <nlohmann/json.hpp>

#include "net/kubo_rpc.hpp"
#include "storage/rfc3339.hpp"

namespace mantle {

using nlohmann::json;

namespace {

// The single positional argument, or an error naming it.
result<std::string> one_arg(http_request& r, const char* what) {
  auto args = r.query.args();
  if (args.size() != 1)
    return make_error(errc::invalid_input, std::string("argument \"") + what + "\" is required (exactly one)");
  return args.front();
}

json token_json(const psa::api_token& t) {
  return json{{"Id", t.id}, {"Name", t.name}, {"Created", format_rfc3339_ms(t.created_ms)}};
}

} // namespace

void add_token_commands(router& routes, psa::psa_store& store) {
  psa::psa_store* s = &store;
  routes.add_rpc("mantle/token/create", [s](http_request& r, response_writer& w) {
    auto name = one_arg(r, "name");
    if (!name)
      return (void)kubo::send_error(w, name.err());
    auto minted = s->create_token(*name, now_unix_ms());
    if (!minted)
      return (void)kubo::send_error(w, minted.err());
    json out = token_json(minted->record);
    out["Secret"] = minted->secret;
    kubo::send_json(w, out);
  });
  routes.add_rpc("mantle/token/list", [s](http_request& r, response_writer& w) {
    if (!r.query.args().empty())
      return (void)kubo::send_error(w, make_error(errc::invalid_input, "token list takes no arguments"));
    auto all = s->tokens();
    if (!all)
      return (void)kubo::send_error(w, all.err());
    json list = json::array();
    for (auto& t : *all)
      list.push_back(token_json(t));
    kubo::send_json(w, json{{"Tokens", std::move(list)}});
  });
  routes.add_rpc("mantle/token/revoke", [s](http_request& r, response_writer& w) {
    auto which = one_arg(r, "id-or-name");
    if (!which)
      return (void)kubo::send_error(w, which.err());
    auto gone = s->revoke_token(*which);
    if (!gone)
      return (void)kubo::send_error(w, gone.err());
    json out = token_json(*gone);
    out["Revoked"] = true;
    kubo::send_json(w, out);
  });
}

} // namespace mantle
