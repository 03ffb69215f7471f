#include "tools/plugins/event_webhook/webhook_target.hpp"

#include <nlohmann/json.hpp>

#include <cctype>

namespace mantle::plugins {

namespace {

error bad(const std::string& why) { return make_error(errc::invalid_input, why); }

result<uint64_t> number(const std::string& key, const std::string& text, uint64_t max) {
  if (text.empty() || text.size() > 12)
    return bad(key + ": expected a number, got '" + text + "'");
  uint64_t v = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return bad(key + ": expected a number, got '" + text + "'");
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v == 0 || v > max)
    return bad(key + ": " + text + " is out of range 1.." + std::to_string(max));
  return v;
}

} // namespace

result<webhook_config> parse_webhook_config(const std::map<std::string, std::string>& config) {
  webhook_config c;
  bool have_url = false;
  for (const auto& [key, value] : config) {
    if (key == "url") {
      const std::string scheme = "http://";
      if (value.compare(0, scheme.size(), scheme) != 0)
        return bad("url: '" + value + "' must start with http:// (HTTPS is not supported; put a local proxy in front)");
      auto rest = value.substr(scheme.size());
      auto slash = rest.find('/');
      std::string authority = rest.substr(0, slash);
      c.target = slash == std::string::npos ? "/" : rest.substr(slash);
      if (authority.empty())
        return bad("url: '" + value + "' has no host");
      if (authority.front() == '[') { // [::1]:8080
        auto close = authority.find(']');
        if (close == std::string::npos)
          return bad("url: missing ']' in '" + value + "'");
        c.host = authority.substr(1, close - 1);
        if (close + 1 < authority.size()) {
          if (authority[close + 1] != ':')
            return bad("url: unexpected text after ']' in '" + value + "'");
          c.port = authority.substr(close + 2);
        }
      } else if (auto colon = authority.rfind(':'); colon != std::string::npos) {
        c.host = authority.substr(0, colon);
        c.port = authority.substr(colon + 1);
      } else {
        c.host = authority;
      }
      auto p = number("url port", c.port, 65535);
      if (!p || c.host.empty())
        return bad("url: '" + value + "' needs a host and a port from 1 to 65535");
      have_url = true;
    } else if (key == "kinds") {
      size_t start = 0;
      while (start <= value.size()) {
        auto comma = value.find(',', start);
        if (comma == std::string::npos)
          comma = value.size();
        std::string item = value.substr(start, comma - start);
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        if (!item.empty())
          c.kinds.insert(item);
        start = comma + 1;
      }
    } else if (key == "queue") {
      auto n = number(key, value, 1000000);
      if (!n)
        return n.err();
      c.queue = static_cast<size_t>(*n);
    } else if (key == "timeout") {
      auto n = number(key, value, 600000);
      if (!n)
        return n.err();
      c.timeout_ms = *n;
    } else if (key == "retry") {
      auto n = number(key, value, 3600000);
      if (!n)
        return n.err();
      c.retry_ms = *n;
    } else {
      return bad("unknown key '" + key + "' (known: url, kinds, queue, timeout, retry)");
    }
  }
  if (!have_url)
    return bad("url is required (plugin.webhook.url = http://HOST:PORT/PATH)");
  return c;
}

std::string event_json(const node_event& e, const std::string& node, uint64_t seq) {
  nlohmann::json j = {{"kind", e.kind}, {"height", e.height}, {"text", e.text}, {"node", node}, {"seq", seq}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace mantle::plugins
