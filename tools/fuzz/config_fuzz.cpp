// Operator input: the config file, command lines, option values, genesis files and peer
// addresses. A typo must be a clear error, never a crash or a silently different value.
#include <vector>
#include "config/genesis.hpp"
#include "config/options.hpp"
#include "config/peer_address.hpp"
#include "tools/fuzz/fuzz_target.hpp"

namespace mantle::fuzz {

namespace {

std::vector<std::string> split_args(std::string_view in) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= in.size(); ++i)
    if (i == in.size() || in[i] == '\0') {
      out.emplace_back(in.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

void values(std::string_view in) {
  using namespace mantle::config;
  if (auto s = parse_size(in)) {
    auto again = parse_size(format_size(*s));
    check(again.ok() && *again == *s, "format_size does not parse back to the same size");
  }
  if (auto d = parse_duration(in)) {
    auto again = parse_duration(format_duration(*d));
    check(again.ok() && *again == *d, "format_duration does not parse back to the same duration");
  }
  (void)parse_address(in);
  (void)parse_count(in, 1000);
  (void)parse_origin_list(in);
  (void)parse_site_list(in);
  (void)normalize_host_name(in);
  (void)parse_peer_list(in);
  (void)is_loopback_host(in);
  if (is_plugin_key(in))
    (void)parse_plugin_key(in);
  if (auto p = parse_peer_address(in)) {
    auto again = parse_peer_address(p->multiaddr());
    check(again.ok() && *again == *p, "a peer address does not parse back from its multiaddr");
  }
  (void)parse_peer_address_list(in);
  (void)parse_switch(in);
}

} // namespace

void config(std::string_view in) {
  switch (take_selector(in) % 4) {
  case 0: {
    auto raw = config::parse_config_text(in, "fuzz.conf");
    if (raw)
      (void)config::resolve(*raw, {});
    break;
  }
  case 1: {
    auto cl = config::parse_command_line(split_args(in));
    if (cl)
      (void)config::resolve({}, cl->values);
    break;
  }
  case 2:
    if (auto g = chain::parse_genesis(in)) {
      auto again = chain::parse_genesis(chain::to_json(*g));
      check(again.ok() && chain::to_json(*again) == chain::to_json(*g), "a genesis does not survive to_json");
    }
    break;
  default: values(in); break;
  }
}

} // namespace mantle::fuzz
