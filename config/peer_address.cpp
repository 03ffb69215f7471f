#include "config/peer_address.hpp"

#include <algorithm>
#include <cctype>
#include "storage/identity.hpp"

namespace mantle::config {

namespace {

error invalid(std::string msg) { return make_error(errc::invalid_input, std::move(msg)); }

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    auto p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos)
      return out;
    start = p + 1;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

result<std::string> canonical_peer_id(std::string_view text, std::string_view whole) {
  auto mh = peer_id::parse(text);
  if (!mh)
    return invalid("invalid peer id in '" + std::string(whole) + "': " + mh.err().message);
  return peer_id::to_base58(*mh);
}

result<peer_address> parse_multiaddr(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return invalid("invalid peer address '" + std::string(text) + "': " + why +
                   " (expected /ip4/HOST/tcp/PORT[/p2p/PEERID] or HOST:PORT)");
  };
  auto parts = split(text.substr(1), '/');
  if (parts.size() != 4 && parts.size() != 6)
    return bad("wrong number of parts");
  const std::string_view proto = parts[0], host = parts[1];
  if (proto != "ip4" && proto != "ip6" && proto != "dns" && proto != "dns4" && proto != "dns6")
    return bad("unsupported protocol '" + std::string(proto) + "'");
  if (host.empty())
    return bad("empty host");
  if (parts[2] != "tcp")
    return bad("only tcp is supported");
  // Reuse the host:port checks for the port and host syntax.
  std::string hp = proto == "ip6" ? "[" + std::string(host) + "]:" + std::string(parts[3])
                                  : std::string(host) + ":" + std::string(parts[3]);
  auto a = parse_address(hp);
  if (!a)
    return bad(a.err().message);
  peer_address out{*a, {}};
  if (parts.size() == 6) {
    if (parts[4] != "p2p" && parts[4] != "ipfs")
      return bad("expected /p2p/<peer id> after the port");
    auto id = canonical_peer_id(parts[5], text);
    if (!id)
      return id.err();
    out.peer_id = *id;
  }
  return out;
}

} // namespace

std::string peer_address::multiaddr() const {
  bool v6 = addr.host.find(':') != std::string::npos;
  bool ip4 = !addr.host.empty() &&
             std::all_of(addr.host.begin(), addr.host.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; });
  std::string out = std::string(v6 ? "/ip6/" : ip4 ? "/ip4/" : "/dns/") + addr.host + "/tcp/" +
                    std::to_string(addr.port);
  if (!peer_id.empty())
    out += "/p2p/" + peer_id;
  return out;
}

result<peer_address> parse_peer_address(std::string_view text) {
  text = trim(text);
  if (text.empty())
    return invalid("empty peer address");
  result<peer_address> out = text.front() == '/' ? parse_multiaddr(text) : [&]() -> result<peer_address> {
    auto a = parse_address(text);
    if (!a)
      return invalid("invalid peer address '" + std::string(text) + "': " + a.err().message);
    return peer_address{*a, {}};
  }();
  if (out && out->addr.port == 0)
    return invalid("invalid peer address '" + std::string(text) + "': port 0 cannot be dialed");
  return out;
}

result<std::vector<peer_address>> parse_peer_address_list(std::string_view text) {
  std::vector<peer_address> out;
  for (auto item : split(text, ',')) {
    item = trim(item);
    if (item.empty())
      continue;
    auto p = parse_peer_address(item);
    if (!p)
      return p.err();
    if (std::find(out.begin(), out.end(), *p) == out.end())
      out.push_back(std::move(*p));
  }
  return out;
}

result<bool> parse_switch(std::string_view text) {
  std::string t(trim(text));
  for (auto& c : t)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "on" || t == "true" || t == "yes" || t == "1")
    return true;
  if (t == "off" || t == "false" || t == "no" || t == "0")
    return false;
  return invalid("invalid switch '" + std::string(text) + "' (use on or off)");
}

} // namespace mantle::config
