// Strings a client controls on the RPC and gateway: query strings and their percent-encoding,
// add options, Range headers, trustless-gateway CAR parameters, _redirects files and site paths,
// RFC 3339 times (pinning service filters), content sniffing.
#include "net/http_range.hpp"
#include "net/kubo_add.hpp"
#include "net/query_args.hpp"
#include "net/url_codec.hpp"
#include "storage/car_scope.hpp"
#include "storage/content_type.hpp"
#include "storage/rfc3339.hpp"
#include "storage/site_route.hpp"
#include "storage/web_redirects.hpp"
#include "tools/fuzz/fuzz_target.hpp"

namespace mantle::fuzz {

namespace {

// "a\0b" -> "a", "b": several strings from one input.
std::pair<std::string_view, std::string_view> split_nul(std::string_view in) {
  auto p = in.find('\0');
  if (p == std::string_view::npos)
    return {in, {}};
  return {in.substr(0, p), in.substr(p + 1)};
}

void query(std::string_view in) {
  auto q = query_args::parse(in);
  if (!q)
    return;
  auto again = query_args::parse(q->encode());
  check(again.ok() && again->items() == q->items(), "query_args do not round-trip through encode()");
  (void)q->get_bool("pin", true);
  (void)q->get_int("offset", 0);
  (void)q->args();
  (void)parse_add_params([&](const std::string& k) { return q->get(k); });
}

void percent(std::string_view in) {
  for (bool plus : {false, true}) {
    auto d = percent_decode(in, plus);
    if (d) {
      auto back = percent_decode(percent_encode_component(*d), plus);
      check(back.ok() && *back == *d, "percent_encode_component does not decode back");
    }
  }
}

void range(std::string_view in) {
  auto [header, size_text] = split_nul(in);
  uint64_t size = 0;
  for (char c : size_text.substr(0, 8))
    size = size * 256 + static_cast<unsigned char>(c);
  auto d = decide_range(header, size);
  if (d.what == range_decision::partial) {
    check(d.range.first <= d.range.last, "partial range ends before it starts");
    check(d.range.last < size, "partial range ends past the body");
  }
  (void)trim_ows(header);
}

void car_parameters(std::string_view in) {
  auto [a, rest] = split_nul(in);
  auto [b, rest2] = split_nul(rest);
  auto [accept, c] = split_nul(rest2);
  car::car_query q;
  q.dag_scope = std::string(a);
  q.entity_bytes = std::string(b);
  if (!c.empty())
    q.car_dups = std::string(c);
  if (auto p = car::parse_car_params(q, accept)) {
    (void)car::car_content_type(*p);
    if (p->range)
      for (uint64_t size : {uint64_t{0}, uint64_t{1}, uint64_t{1000}, ~uint64_t{0}}) {
        auto r = car::resolve_entity_bytes(*p->range, size);
        if (r && *r)
          check((*r)->first <= (*r)->second && (*r)->second < size, "entity-bytes resolved outside the entity");
      }
  }
  (void)car::parse_dag_scope(a);
  (void)car::parse_entity_bytes(b);
}

void site(std::string_view in) {
  auto [path, redirects] = split_nul(in);
  auto exists = [](std::string_view p) { return p.size() % 3 == 0; };
  auto d = web::route_site_request(path, exists, std::string(redirects));
  (void)web::action_name(d.action);
  if (d.action == web::site_action::redirect)
    check(d.location.rfind("//", 0) != 0, "a redirect became protocol-relative (another host)");
  (void)web::encode_location(path);
  if (auto rules = web::parse_redirects(redirects))
    (void)web::match_redirects(*rules, path);
}

void times_and_types(std::string_view in) {
  if (auto t = parse_rfc3339_ms(in)) {
    auto again = parse_rfc3339_ms(format_rfc3339_ms(*t));
    check(again.ok() && *again == *t, "RFC 3339 time does not round-trip");
  }
  (void)web::content_type(in, in);
  (void)web::sniff_content_type(in);
  (void)web::content_type_for_name(in);
}

} // namespace

void http_inputs(std::string_view in) {
  switch (take_selector(in) % 6) {
  case 0: query(in); break;
  case 1: percent(in); break;
  case 2: range(in); break;
  case 3: car_parameters(in); break;
  case 4: site(in); break;
  default: times_and_types(in); break;
  }
}

} // namespace mantle::fuzz
