#include "config/options.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

#include "config/peer_address.hpp"
#include "storage/identity.hpp"

namespace mantle::config {

namespace {

error invalid(std::string msg) { return make_error(errc::invalid_input, std::move(msg)); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Leading decimal digits of `s` as a number; the rest is returned in `rest`.
result<uint64_t> leading_number(std::string_view s, std::string_view& rest, std::string_view what) {
  size_t i = 0;
  uint64_t v = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10)
      return invalid(std::string(what) + " '" + std::string(s) + "' is too large");
    v = v * 10 + d;
    ++i;
  }
  if (i == 0)
    return invalid("invalid " + std::string(what) + " '" + std::string(s) + "': expected a number first");
  rest = trim(s.substr(i));
  return v;
}

const option_info* find_option(std::string_view name) {
  for (const auto& o : schema())
    if (name == o.name)
      return &o;
  return nullptr;
}

bool valid_actor_name(std::string_view name) {
  if (name.empty() || name.size() > 10)
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool command_line_only(std::string_view name) {
  return name == "config" || name == "help" || name == "version";
}

} // namespace

std::string host_port::str() const {
  if (host.find(':') != std::string::npos)
    return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

const std::vector<option_info>& schema() {
  static const std::vector<option_info> options = {
    {"data-dir", value_kind::path, "./.mantle", "directory for blocks, identity key and chain state"},
    {"rpc-addr", value_kind::address, "127.0.0.1:5001", "host:port of the Kubo-compatible RPC API"},
    {"gateway-addr", value_kind::address, "127.0.0.1:8080", "host:port of the HTTP gateway (/ipfs/<cid>); port 0 picks a free one"},
    {"storage-max", value_kind::size, "1TiB", "most bytes the block store may hold (B, KB..TB, KiB..TiB)"},
    {"restart-limit", value_kind::count, "5", "restarts the supervisor allows within --restart-window before giving up"},
    {"restart-window", value_kind::duration, "10s", "sliding window for --restart-limit (ms, s, m, h)"},
    {"log-level", value_kind::log_level, "info", "error, warning, info, debug or trace"},
    {"threads", value_kind::count, "0", "actor scheduler threads; 0 means one per CPU core"},
    {"peer-decode-threads", value_kind::count, "0", "threads that decode messages from other nodes and processes; 0: the network thread decodes them itself, which for block traffic saves a copy and a thread hop per block"},
    {"fault-injection", value_kind::count, "0", "1 enables POST /api/v0/mantle/diag/fault?arg=<child> (supervision drills, tests); keep 0 in production"},
    {"site", value_kind::site_list, "", "serve a web site: HOST=CID, repeatable or comma-separated; requests with that Host get the site (with its _redirects)"},
    {"api-cors-origins", value_kind::list, "", "browser origins allowed to call the RPC API (comma separated, repeatable, * for any); empty: only the API's own origin, as Kubo"},
    {"gateway-cors-origins", value_kind::list, "*", "origins the gateway sends Access-Control-Allow-Origin for (comma separated, repeatable); empty: no CORS headers"},
    {"access-log", value_kind::path, "", "write one line per HTTP request (combined log format + milliseconds) to this file; - for stderr; empty: off"},
    {"role", value_kind::role, "node", "node: the whole node; block-store: serve only the block store on --listen to nodes in other processes"},
    {"listen", value_kind::address, "", "with --role block-store: host:port the block store is served on (loopback only: the port is unauthenticated)"},
    {"actors.block-store.remote", value_kind::address, "", "host:port of a mantled --role block-store to use instead of opening the block store here (loopback only)"},
    {"psa-retry-interval", value_kind::duration, "5s", "Pinning Service API: how often a pin whose blocks are missing is retried"},
    {"psa-pin-timeout", value_kind::duration, "24h", "Pinning Service API: how long a pin may wait for its blocks before it fails"},
    {"psa-min-replicas", value_kind::count, "1", "Pinning Service API with the chain on: each pin also places a storage order, and its status is pinned only once the order is live with at least this many proven replicas; 0: pinned = pinned locally, no orders"},
    {"fetch-timeout", value_kind::duration, "30s", "how long a read of a block this node lacks waits for peers to deliver it (gateway, cat, pin add); a DAG fetch fails after this long without progress"},
    {"peer-addr", value_kind::address, "127.0.0.1:4001", "host:port where other nodes connect (TLS); 0.0.0.0 exposes it on every interface; port 0 picks a free one (the log shows it)"},
    {"bootstrap", value_kind::peer_list, "", "peers to connect to at start: HOST:PORT or /ip4/HOST/tcp/PORT[/p2p/PEERID] (comma separated, repeatable); with /p2p/ the node must prove that id"},
    {"peer-tls", value_kind::on_off, "on", "TLS between nodes (mutual, certificates from the network CA); off sends peer traffic in plaintext"},
    {"peer-tls-ca", value_kind::path, "", "network CA certificate (PEM) every node of the network trusts; empty: a one-node CA created in <data-dir>/tls"},
    {"peer-tls-ca-key", value_kind::path, "", "network CA private key; when set, the node issues its own certificate from it on first start"},
    {"peer-tls-cert", value_kind::path, "", "this node's TLS certificate (PEM, signed by the network CA); empty: <data-dir>/tls/node.crt"},
    {"peer-tls-key", value_kind::path, "", "this node's TLS private key (PEM); empty: <data-dir>/tls/node.key"},
    {"trusted-peers", value_kind::list, "", "peer ids always served by the credit ledger, whatever they owe (comma separated, repeatable); * trusts every peer (private clusters, tests)"},
    {"serve-rate", value_kind::size, "64MiB", "bytes per second served to each untrusted peer; more waits in a fair queue; 0: unlimited"},
    {"credit-unit", value_kind::size, "1MiB", "bytes per unit of the credit debt ratio r = sent units / (received units + 1): an untrusted newcomer is served about 2 units before its chance falls to one half (not 0)"},
    {"chain", value_kind::on_off, "on", "run the validator: follow the chain and, when this node's key is in the validator set, vote; off: no chain at all"},
    {"chain-byzantine", value_kind::on_off, "off", "test drill: this validator double-signs (needs --fault-injection 1); never in production"},
    {"genesis", value_kind::path, "", "chain genesis file (JSON, config/genesis.example.json); empty: a dev chain in which this node is the only validator (1 s blocks)"},
    {"market", value_kind::on_off, "on", "storage market: take storage orders from the chain (fetch, pin, verify, prove); on by default when --chain is on, and needs it"},
    {"market-capacity", value_kind::size, "0", "bytes this node offers to storage orders; 0: the free disk space of --data-dir minus 1 GiB"},
    {"market-take-ppm", value_kind::count, "1000000", "chance in millionths that this node takes an eligible order in a slot (a reproducible draw per node, order and slot); 1000000: always"},
    {"market-fetch-timeout", value_kind::duration, "60s", "an order whose file makes no fetch progress for this long is abandoned as unreachable"},
    {"market-max-fetches", value_kind::count, "2", "orders fetched and verified at the same time"},
    {"market-min-slots", value_kind::count, "2", "live orders that expire in fewer report slots than this are not taken"},
    {"prover", value_kind::on_off, "on", "with the chain on: send this node's work report every slot and answer its storage challenges (needs the block store in this process)"},
    {"reserve-bytes", value_kind::size, "0", "reserved space the prover offers: labels of this size kept in <data-dir>/prover, counted at a low weight in storage power; a multiple of the chain's reserved_unit_bytes (1 MiB by default)"},
    {"plugin", value_kind::list, "", "plugin shared object (.so) to start with the node (repeatable or comma separated); its settings are plugin.<name>.<key> = value keys (docs/plugins.md)"},
    {"market-policy", value_kind::name, "", "name of an actor (e.g. a plugin) the market asks before it takes an order; while it is not running the market takes nothing; empty: no policy"},
    {"console-addr", value_kind::address, "127.0.0.1:5002", "host:port of the remote actor console (mantle console HOST:PORT); port 0 picks a free one (the log shows it); off: no console. Not encrypted: keep it on loopback and use an ssh tunnel"},
    {"console-key-file", value_kind::path, "", "the console's admin key (64 hex characters, mode 0600); empty: <data-dir>/console.key, generated on first start"},
    {"config", value_kind::path, "", "read options from this file (key = value lines); the command line wins"},
    {"help", value_kind::flag, "", "print this help and exit"},
    {"version", value_kind::flag, "", "print the version and exit"},
  };
  return options;
}

result<command_line> parse_command_line(const std::vector<std::string>& args) {
  command_line out;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "-h")
      arg = "--help";
    if (arg.size() < 3 || arg.substr(0, 2) != "--")
      return invalid("unexpected argument '" + std::string(arg) + "' (options start with --; see --help)");
    arg.remove_prefix(2);
    std::string name;
    std::optional<std::string> value;
    if (auto eq = arg.find('='); eq != std::string_view::npos) {
      name = std::string(arg.substr(0, eq));
      value = std::string(arg.substr(eq + 1));
    } else {
      name = std::string(arg);
    }
    const option_info* opt = find_option(name);
    if (!opt && is_plugin_key(name)) {
      auto k = parse_plugin_key(name);
      if (!k)
        return invalid("option '--" + name + "': " + k.err().message);
      if (!value) {
        if (i + 1 >= args.size())
          return invalid("option '--" + name + "' needs a value");
        value = args[++i];
      }
      out.values[name] = raw_value{*value, "--" + name};
      continue;
    }
    if (!opt)
      return invalid("unknown option '--" + name + "' (see --help)");
    if (opt->kind == value_kind::flag) {
      if (value)
        return invalid("option '--" + name + "' takes no value");
      (name == "help" ? out.help : out.version) = true;
      continue;
    }
    if (!value) {
      if (i + 1 >= args.size())
        return invalid("option '--" + name + "' needs a value");
      value = args[++i];
    }
    if (name == "config") {
      if (value->empty())
        return invalid("option '--config' needs a file path");
      out.config_file = *value;
    } else if ((opt->kind == value_kind::site_list || opt->kind == value_kind::list || opt->kind == value_kind::peer_list) && out.values.count(name)) {
      out.values[name].text += "," + *value; // repeated: the occurrences add up
    } else {
      out.values[name] = raw_value{*value, "--" + name};
    }
  }
  return out;
}

result<raw_values> parse_config_text(std::string_view text, const std::string& source) {
  raw_values out;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    line = trim(line);
    std::string where = source + ":" + std::to_string(line_no);
    if (line.empty() || line.front() == '#' || line.front() == ';')
      continue;
    if (line.front() == '[')
      return invalid(where + ": sections are not supported; write 'key = value' lines");
    auto eq = line.find('=');
    if (eq == std::string_view::npos)
      return invalid(where + ": expected 'key = value', got '" + std::string(line) + "'");
    std::string key(trim(line.substr(0, eq)));
    std::string_view value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    else if (!value.empty() && (value.front() == '"' || value.back() == '"'))
      return invalid(where + ": unbalanced quotes in the value of '" + key + "'");
    const option_info* opt = find_option(key);
    if (!opt && is_plugin_key(key)) {
      auto k = parse_plugin_key(key);
      if (!k)
        return invalid(where + ": " + k.err().message);
      if (out.count(key))
        return invalid(where + ": '" + key + "' is set twice (first at " + out[key].origin + ")");
      out[key] = raw_value{std::string(value), where};
      continue;
    }
    if (!opt)
      return invalid(where + ": unknown option '" + key + "'");
    if (command_line_only(key))
      return invalid(where + ": '" + key + "' is only accepted on the command line");
    if ((opt->kind == value_kind::site_list || opt->kind == value_kind::list || opt->kind == value_kind::peer_list) && out.count(key)) {
      out[key].text += "," + std::string(value);
      out[key].origin += "," + std::to_string(line_no);
      continue;
    }
    if (out.count(key))
      return invalid(where + ": '" + key + "' is set twice (first at " + out[key].origin + ")");
    out[key] = raw_value{std::string(value), where};
  }
  return out;
}

result<raw_values> read_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return make_error(errc::io_error, "cannot read config file '" + path + "'");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad())
    return make_error(errc::io_error, "error while reading config file '" + path + "'");
  return parse_config_text(buf.str(), path);
}

result<uint64_t> parse_size(std::string_view text) {
  text = trim(text);
  std::string_view unit;
  auto n = leading_number(text, unit, "size");
  if (!n)
    return n.err();
  static const std::pair<const char*, uint64_t> units[] = {
    {"", 1}, {"b", 1},
    {"kb", 1000ull}, {"mb", 1000ull * 1000}, {"gb", 1000ull * 1000 * 1000},
    {"tb", 1000ull * 1000 * 1000 * 1000},
    {"kib", 1ull << 10}, {"mib", 1ull << 20}, {"gib", 1ull << 30}, {"tib", 1ull << 40},
  };
  std::string u = lower(unit);
  for (const auto& [name, factor] : units) {
    if (u != name)
      continue;
    if (*n > std::numeric_limits<uint64_t>::max() / factor)
      return invalid("size '" + std::string(text) + "' is too large");
    return *n * factor;
  }
  return invalid("invalid size '" + std::string(text) + "': unknown unit '" + std::string(unit) +
                 "' (use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)");
}

result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  text = trim(text);
  std::string_view unit;
  auto n = leading_number(text, unit, "duration");
  if (!n)
    return n.err();
  uint64_t factor = 0;
  if (unit == "ms") factor = 1;
  else if (unit == "s") factor = 1000;
  else if (unit == "m" || unit == "min") factor = 60 * 1000;
  else if (unit == "h") factor = 3600 * 1000;
  else if (unit.empty())
    return invalid("invalid duration '" + std::string(text) + "': add a unit (ms, s, m or h)");
  else
    return invalid("invalid duration '" + std::string(text) + "': unknown unit '" + std::string(unit) +
                   "' (use ms, s, m or h)");
  // Keeps the result representable as signed milliseconds with room to add to a time point.
  constexpr uint64_t max_ms = uint64_t{1} << 52;
  if (*n > max_ms / factor)
    return invalid("duration '" + std::string(text) + "' is too long");
  return std::chrono::milliseconds(static_cast<int64_t>(*n * factor));
}

result<host_port> parse_address(std::string_view text) {
  text = trim(text);
  auto bad = [&](const std::string& why) {
    return invalid("invalid address '" + std::string(text) + "': " + why + " (expected host:port)");
  };
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos)
      return bad("missing ']' after the IPv6 address");
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':')
      return bad("missing ':port' after ']'");
    port = rest.substr(1);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return bad("missing ':port'");
    host = text.substr(0, colon);
    if (host.find(':') != std::string_view::npos)
      return bad("IPv6 addresses need brackets, e.g. [::1]:5001");
    port = text.substr(colon + 1);
  }
  if (host.empty())
    return bad("empty host");
  for (char c : host)
    if (std::isspace(static_cast<unsigned char>(c)) || c == '/' || c == '[' || c == ']')
      return bad("unexpected character in host");
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return bad("port must be a number from 0 to 65535");
  unsigned long p = std::stoul(std::string(port));
  if (p > 65535)
    return bad("port must be a number from 0 to 65535");
  return host_port{std::string(host), static_cast<uint16_t>(p)};
}

result<uint32_t> parse_count(std::string_view text, uint32_t max) {
  text = trim(text);
  std::string_view rest;
  auto n = leading_number(text, rest, "number");
  if (!n)
    return n.err();
  if (!rest.empty())
    return invalid("invalid number '" + std::string(text) + "': expected digits only");
  if (*n > max)
    return invalid("number " + std::string(text) + " is too large (at most " + std::to_string(max) + ")");
  return static_cast<uint32_t>(*n);
}

result<std::vector<std::string>> parse_origin_list(std::string_view text) {
  std::vector<std::string> out;
  while (true) {
    auto comma = text.find(',');
    std::string_view item = trim(text.substr(0, comma));
    if (!item.empty()) {
      auto sep = item.find("://");
      bool ok = item == "*";
      if (!ok && sep != std::string_view::npos && sep > 0) {
        std::string_view host = item.substr(sep + 3);
        ok = !host.empty() && host.find_first_of("/?# \t") == std::string_view::npos;
      }
      if (!ok)
        return invalid("invalid origin '" + std::string(item) +
                       "': expected * or scheme://host[:port] without a path, e.g. https://app.example.com");
      if (std::find(out.begin(), out.end(), item) == out.end())
        out.emplace_back(item);
    }
    if (comma == std::string_view::npos)
      break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::string format_size(uint64_t bytes) {
  static const char* names[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int i = 0;
  while (i < 4 && bytes != 0 && bytes % 1024 == 0) {
    bytes /= 1024;
    ++i;
  }
  return std::to_string(bytes) + names[i];
}

std::string format_duration(std::chrono::milliseconds d) {
  auto ms = d.count();
  if (ms != 0 && ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
  if (ms != 0 && ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

result<std::string> normalize_host_name(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return invalid("invalid host name '" + std::string(text) + "': " + why);
  };
  std::string host = lower(trim(text));
  if (!host.empty() && host.back() == '.')
    host.pop_back(); // "example.org." is the same name, fully qualified
  if (host.empty())
    return bad("empty");
  if (host.size() > 253)
    return bad("longer than 253 characters");
  size_t start = 0;
  while (start <= host.size()) {
    size_t dot = host.find('.', start);
    if (dot == std::string::npos)
      dot = host.size();
    std::string_view label(host.data() + start, dot - start);
    if (label.empty())
      return bad("empty label");
    if (label.size() > 63)
      return bad("a label is longer than 63 characters");
    for (char c : label)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
        return bad("only letters, digits, '-' and '.' are allowed (no port, no scheme)");
    if (label.front() == '-' || label.back() == '-')
      return bad("a label starts or ends with '-'");
    start = dot + 1;
  }
  return host;
}

result<std::vector<site_mapping>> parse_site_list(std::string_view text) {
  std::vector<site_mapping> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos)
      comma = text.size();
    std::string_view item = trim(text.substr(start, comma - start));
    start = comma + 1;
    if (item.empty())
      return invalid("invalid site list '" + std::string(text) + "': empty entry (expected HOST=CID[,HOST=CID...])");
    auto eq = item.find('=');
    if (eq == std::string_view::npos)
      return invalid("invalid site '" + std::string(item) + "': expected HOST=CID");
    auto host = normalize_host_name(item.substr(0, eq));
    if (!host)
      return invalid("invalid site '" + std::string(item) + "': " + host.err().message);
    std::string_view root_text = trim(item.substr(eq + 1));
    if (root_text.empty())
      return invalid("invalid site '" + std::string(item) + "': missing CID after '='");
    auto root = cid::parse(root_text);
    if (!root)
      return invalid("invalid site '" + std::string(item) + "': " + root.err().message);
    for (const auto& s : out)
      if (s.host == *host)
        return invalid("site host '" + *host + "' is given twice");
    out.push_back(site_mapping{std::move(*host), std::move(*root)});
  }
  return out;
}

result<std::vector<std::string>> parse_peer_list(std::string_view text) {
  std::vector<std::string> out;
  while (true) {
    auto comma = text.find(',');
    std::string_view item = trim(text.substr(0, comma));
    if (item == "*") {
      if (std::find(out.begin(), out.end(), "*") == out.end())
        out.emplace_back("*");
    } else if (!item.empty()) {
      auto mh = peer_id::parse(item);
      if (!mh)
        return invalid("invalid peer id '" + std::string(item) + "': " + mh.err().message);
      auto id = peer_id::to_base58(*mh);
      if (std::find(out.begin(), out.end(), id) == out.end())
        out.push_back(std::move(id));
    }
    if (comma == std::string_view::npos)
      break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

const site_mapping* find_site(const std::vector<site_mapping>& sites, std::string_view host_header) {
  host_header = trim(host_header);
  if (!host_header.empty() && host_header.front() == '[')
    return nullptr; // an IPv6 literal never names a site
  if (auto colon = host_header.rfind(':'); colon != std::string_view::npos)
    host_header = host_header.substr(0, colon);
  auto host = normalize_host_name(host_header);
  if (!host)
    return nullptr;
  for (const auto& s : sites)
    if (s.host == *host)
      return &s;
  return nullptr;
}

namespace {

status apply(node_options& o, const std::string& name, const raw_value& v) {
  auto fail = [&](const error& e) {
    return status(invalid(v.origin + ": " + e.message));
  };
  if (name == "data-dir") {
    if (v.text.empty())
      return fail(invalid("the data directory must not be empty"));
    o.data_dir = v.text;
  } else if (name == "console-addr") {
    if (v.text == "off") {
      o.console_addr.reset();
    } else {
      auto a = parse_address(v.text);
      if (!a)
        return fail(a.err());
      o.console_addr = *a;
    }
  } else if (name == "console-key-file") {
    o.console_key_file = v.text;
  } else if (name == "rpc-addr" || name == "gateway-addr") {
    auto a = parse_address(v.text);
    if (!a)
      return fail(a.err());
    (name == "rpc-addr" ? o.rpc_addr : o.gateway_addr) = *a;
  } else if (name == "storage-max") {
    auto s = parse_size(v.text);
    if (!s)
      return fail(s.err());
    if (*s == 0)
      return fail(invalid("storage-max must be more than 0 bytes"));
    o.storage_max = *s;
  } else if (name == "restart-limit") {
    auto n = parse_count(v.text, 1000000);
    if (!n)
      return fail(n.err());
    o.restart_limit = *n;
  } else if (name == "restart-window") {
    auto d = parse_duration(v.text);
    if (!d)
      return fail(d.err());
    if (d->count() == 0)
      return fail(invalid("restart-window must be longer than 0ms"));
    o.restart_window = *d;
  } else if (name == "log-level") {
    auto l = log::parse_level(v.text);
    if (!l)
      return fail(invalid("invalid log level '" + v.text + "' (use error, warning, info, debug or trace)"));
    o.log_level = *l;
  } else if (name == "psa-min-replicas") {
    auto n = parse_count(v.text, 1000);
    if (!n)
      return fail(n.err());
    o.psa_min_replicas = *n;
  } else if (name == "threads") {
    auto n = parse_count(v.text, 1024);
    if (!n)
      return fail(n.err());
    o.threads = *n;
  } else if (name == "peer-decode-threads") {
    auto n = parse_count(v.text, 64);
    if (!n)
      return fail(n.err());
    o.peer_decode_threads = *n;
  } else if (name == "fault-injection") {
    auto n = parse_count(v.text, 1);
    if (!n)
      return fail(n.err());
    o.fault_injection = *n == 1;
  } else if (name == "site") {
    auto sites = parse_site_list(v.text);
    if (!sites)
      return fail(sites.err());
    o.sites = std::move(*sites);
  } else if (name == "api-cors-origins" || name == "gateway-cors-origins") {
    auto l = parse_origin_list(v.text);
    if (!l)
      return fail(l.err());
    (name == "api-cors-origins" ? o.api_cors_origins : o.gateway_cors_origins) = std::move(*l);
  } else if (name == "access-log") {
    o.access_log = v.text;
  } else if (name == "role") {
    if (v.text == "node")
      o.role = node_role::node;
    else if (v.text == "block-store")
      o.role = node_role::block_store;
    else
      return fail(invalid("invalid role '" + v.text + "' (use node or block-store)"));
  } else if (name == "listen" || name == "actors.block-store.remote") {
    auto a = parse_address(v.text);
    if (!a)
      return fail(a.err());
    // The middleman port has no authentication yet (no TLS): whoever reaches it can read,
    // write and delete blocks, so it never leaves the machine. SSH tunnels reach other hosts.
    if (!is_loopback_host(a->host))
      return fail(invalid("'" + a->str() + "' is not a loopback address: the block-store port is "
                          "unauthenticated, so only 127.0.0.1, ::1 or localhost are allowed"));
    if (a->port == 0)
      return fail(invalid("'" + a->str() + "' needs a port other than 0"));
    (name == "listen" ? o.listen : o.block_store_remote) = *a;
  } else if (name == "psa-retry-interval" || name == "psa-pin-timeout") {
    auto d = parse_duration(v.text);
    if (!d)
      return fail(d.err());
    if (d->count() == 0)
      return fail(invalid(name + " must be longer than 0ms"));
    (name == "psa-retry-interval" ? o.psa_retry_interval : o.psa_pin_timeout) = *d;
  } else if (name == "fetch-timeout") {
    auto d = parse_duration(v.text);
    if (!d)
      return fail(d.err());
    if (d->count() == 0)
      return fail(invalid("fetch-timeout must be longer than 0ms"));
    o.fetch_timeout = *d;
  } else if (name == "peer-addr") {
    auto a = parse_address(v.text);
    if (!a)
      return fail(a.err());
    o.peer_addr = *a;
  } else if (name == "bootstrap") {
    auto l = parse_peer_address_list(v.text);
    if (!l)
      return fail(l.err());
    o.bootstrap.clear();
    for (const auto& p : *l)
      o.bootstrap.push_back(p.multiaddr());
  } else if (name == "chain") {
    auto b = parse_switch(v.text);
    if (!b)
      return fail(b.err());
    o.chain = *b;
  } else if (name == "chain-byzantine") {
    auto b = parse_switch(v.text);
    if (!b)
      return fail(b.err());
    o.chain_byzantine = *b;
  } else if (name == "market") {
    auto b = parse_switch(v.text);
    if (!b)
      return fail(b.err());
    o.market = *b;
  } else if (name == "market-capacity") {
    auto sz = parse_size(v.text);
    if (!sz)
      return fail(sz.err());
    o.market_capacity = *sz;
  } else if (name == "market-take-ppm") {
    auto n = parse_count(v.text, 1000000);
    if (!n)
      return fail(n.err());
    o.market_take_ppm = *n;
  } else if (name == "market-fetch-timeout") {
    auto d = parse_duration(v.text);
    if (!d)
      return fail(d.err());
    if (d->count() == 0)
      return fail(invalid("market-fetch-timeout must be longer than 0ms"));
    o.market_fetch_timeout = *d;
  } else if (name == "market-max-fetches") {
    auto n = parse_count(v.text, 1024);
    if (!n)
      return fail(n.err());
    if (*n == 0)
      return fail(invalid("market-max-fetches must be at least 1 (turn the market off with --market off)"));
    o.market_max_fetches = *n;
  } else if (name == "market-min-slots") {
    auto n = parse_count(v.text, 1000000);
    if (!n)
      return fail(n.err());
    o.market_min_slots = *n;
  } else if (name == "prover") {
    auto b = parse_switch(v.text);
    if (!b)
      return fail(b.err());
    o.prover = *b;
  } else if (name == "reserve-bytes") {
    auto s = parse_size(v.text);
    if (!s)
      return fail(s.err());
    if (*s % 1024 != 0)
      return fail(invalid("reserve-bytes must be a multiple of 1KiB (and of the chain's reserved unit, 1MiB by "
                          "default), got " + std::to_string(*s) + " bytes"));
    o.reserve_bytes = *s;
  } else if (name == "genesis") {
    o.genesis = v.text;
  } else if (name == "peer-tls") {
    auto b = parse_switch(v.text);
    if (!b)
      return fail(b.err());
    o.peer_tls = *b;
  } else if (name == "peer-tls-ca" || name == "peer-tls-ca-key" || name == "peer-tls-cert" ||
             name == "peer-tls-key") {
    (name == "peer-tls-ca" ? o.peer_tls_ca : name == "peer-tls-ca-key" ? o.peer_tls_ca_key
     : name == "peer-tls-cert" ? o.peer_tls_cert : o.peer_tls_key) = v.text;
  } else if (name == "trusted-peers") {
    auto l = parse_peer_list(v.text);
    if (!l)
      return fail(l.err());
    o.trusted_peers = std::move(*l);
  } else if (name == "serve-rate") {
    auto s = parse_size(v.text);
    if (!s)
      return fail(s.err());
    o.serve_rate = *s;
  } else if (name == "credit-unit") {
    auto s = parse_size(v.text);
    if (!s)
      return fail(s.err());
    if (*s == 0)
      return fail(invalid("credit-unit must be at least 1 byte (e.g. 1MiB)"));
    o.credit_unit = *s;
  } else if (name == "plugin") {
    o.plugins.clear();
    size_t start = 0;
    while (start <= v.text.size()) {
      size_t comma = v.text.find(',', start);
      if (comma == std::string::npos)
        comma = v.text.size();
      auto item = trim(std::string_view(v.text).substr(start, comma - start));
      if (!item.empty() && std::find(o.plugins.begin(), o.plugins.end(), item) == o.plugins.end())
        o.plugins.emplace_back(item);
      start = comma + 1;
    }
  } else if (name == "market-policy") {
    if (!v.text.empty() && !valid_actor_name(v.text))
      return fail(invalid("invalid actor name '" + v.text + "': 1 to 10 characters of [A-Za-z0-9_]"));
    o.market_policy = v.text;
  } else if (is_plugin_key(name)) {
    auto k = parse_plugin_key(name);
    if (!k)
      return fail(k.err());
    o.plugin_config[k->plugin][k->key] = v.text;
  } else {
    return invalid(v.origin + ": unknown option '" + name + "'");
  }
  return status::success();
}

// Options that only make sense together.
status check_role(const node_options& o) {
  if (o.role == node_role::block_store) {
    if (!o.listen)
      return invalid("--role block-store needs --listen HOST:PORT (where nodes reach the block store)");
    if (o.block_store_remote)
      return invalid("--role block-store serves its own block store; it cannot also use "
                     "actors.block-store.remote");
  } else if (o.listen) {
    return invalid("--listen is only used with --role block-store");
  }
  return status::success();
}

} // namespace

result<node_options> resolve(const raw_values& file, const raw_values& cli) {
  node_options o;
  for (const auto* layer : {&file, &cli})
    for (const auto& [name, value] : *layer)
      if (auto st = apply(o, name, value); !st)
        return st.err();
  if (auto st = check_role(o); !st)
    return st.err();
  // The market follows the chain: it defaults to the chain's switch and cannot run without it.
  auto market_given = file.find("market") != file.end() ? &file.at("market") : nullptr;
  if (auto it = cli.find("market"); it != cli.end())
    market_given = &it->second;
  if (!market_given)
    o.market = o.chain;
  else if (o.market && !o.chain)
    return invalid(market_given->origin + ": the storage market needs the chain (--chain on), or use --market off");
  return o;
}

result<loaded> load(const std::vector<std::string>& args) {
  auto cl = parse_command_line(args);
  if (!cl)
    return cl.err();
  loaded out;
  out.help = cl->help;
  out.version = cl->version;
  if (out.help || out.version)
    return out;
  raw_values file;
  if (!cl->config_file.empty()) {
    auto f = read_config_file(cl->config_file);
    if (!f)
      return f.err();
    file = std::move(*f);
  }
  auto opts = resolve(file, cl->values);
  if (!opts)
    return opts.err();
  out.options = std::move(*opts);
  out.options.config_file = cl->config_file;
  return out;
}

std::string help_text(std::string_view program) {
  std::string out = "usage: " + std::string(program) + " [options]\n\n"
                    "Runs a Mantle storage node. Option values come from, lowest first: built-in\n"
                    "defaults, the --config file, the command line.\n\noptions:\n";
  for (const auto& o : schema()) {
    std::string left = std::string("  --") + o.name;
    if (o.kind != value_kind::flag)
      left += o.kind == value_kind::path ? " <path>"
              : o.kind == value_kind::address ? " <host:port>"
              : o.kind == value_kind::size ? " <size>"
              : o.kind == value_kind::count ? " <n>"
              : o.kind == value_kind::duration ? " <duration>"
              : o.kind == value_kind::site_list ? " <host=cid>"
              : o.kind == value_kind::list ? " <list>"
              : o.kind == value_kind::on_off ? " <on|off>"
              : o.kind == value_kind::peer_list ? " <addr,...>"
              : o.kind == value_kind::role ? " <role>"
              : o.kind == value_kind::name ? " <name>"
                                               : " <level>";
    if (left.size() < 32)
      left.resize(32, ' ');
    else
      left += "\n" + std::string(32, ' ');
    out += left + o.help;
    if (*o.default_value)
      out += std::string(" [default: ") + o.default_value + "]";
    out += "\n";
  }
  out += "  --plugin.<name>.<key> <value> one setting of plugin <name> (its config section; docs/plugins.md)\n";
  out += "\nExit codes: 0 clean shutdown, 1 runtime failure, 2 bad options or configuration.\n";
  return out;
}

bool is_plugin_key(std::string_view option) { return option.rfind("plugin.", 0) == 0; }

result<plugin_key> parse_plugin_key(std::string_view option) {
  auto bad = [&](const std::string& why) {
    return invalid("invalid plugin option '" + std::string(option) + "': " + why +
                   " (expected plugin.<name>.<key>, name 1-10 of [A-Za-z0-9_], key 1-64 of [A-Za-z0-9_.-])");
  };
  if (!is_plugin_key(option))
    return bad("not under plugin.");
  std::string_view rest = option.substr(7);
  auto dot = rest.find('.');
  if (dot == std::string_view::npos)
    return bad("missing the key after the plugin name");
  std::string_view name = rest.substr(0, dot), key = rest.substr(dot + 1);
  if (!valid_actor_name(name))
    return bad("bad plugin name '" + std::string(name) + "'");
  if (key.empty() || key.size() > 64 || !std::all_of(key.begin(), key.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
      }))
    return bad("bad key '" + std::string(key) + "'");
  return plugin_key{std::string(name), std::string(key)};
}

bool is_loopback_host(std::string_view host) {
  std::string h = lower(trim(host));
  if (h == "localhost" || h == "::1")
    return true;
  // 127.a.b.c with four decimal parts of at most three digits each.
  if (h.rfind("127.", 0) != 0)
    return false;
  int parts = 0;
  size_t start = 0;
  while (start <= h.size()) {
    size_t dot = h.find('.', start);
    if (dot == std::string::npos)
      dot = h.size();
    std::string_view part(h.data() + start, dot - start);
    if (part.empty() || part.size() > 3 ||
        !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(std::string(part)) > 255)
      return false;
    ++parts;
    start = dot + 1;
  }
  return parts == 4;
}

} // namespace mantle::config
