// mantled's option schema and the pure logic that turns defaults, a config file and the
// command line into node_options (defaults < file < command line). No CAF: mantled maps the
// result onto actor_system_config itself.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include "config/log.hpp"
#include "storage/cid.hpp"
#include "storage/result.hpp"

namespace mantle::config {

struct host_port {
  std::string host;
  uint16_t port = 0;
  std::string str() const; // brackets IPv6 hosts again: "[::1]:5001"
  bool operator==(const host_port& o) const { return host == o.host && port == o.port; }
};

// A web site served by the gateway at its own origin: requests whose Host is `host` get the
// UnixFS tree under `root` (with its _redirects rules), like a DNSLink or subdomain gateway.
struct site_mapping {
  std::string host; // lower case, no trailing dot, no port
  cid root;
  bool operator==(const site_mapping& o) const { return host == o.host && root == o.root; }
};

// What this mantled process runs: a whole node, or only its block-store actor served to
// nodes in other processes (--role block-store --listen HOST:PORT).
enum class node_role { node, block_store };

struct node_options {
  std::string data_dir = "./.mantle";
  host_port rpc_addr{"127.0.0.1", 5001};
  host_port gateway_addr{"127.0.0.1", 8080};
  uint64_t storage_max = uint64_t{1} << 40; // 1 TiB
  uint32_t restart_limit = 5;
  std::chrono::milliseconds restart_window{10000};
  log::level log_level = log::level::info;
  uint32_t threads = 0; // CAF scheduler threads; 0 = one per core
  uint32_t peer_decode_threads = 0; // CAF middleman.workers; 0 = the network thread decodes
  bool fault_injection = false; // exposes mantle/diag/fault for supervision drills
  // Browser origins allowed on the RPC API; empty = Kubo's default (the API's own origin).
  std::vector<std::string> api_cors_origins;
  std::vector<std::string> gateway_cors_origins{"*"}; // Access-Control-Allow-Origin of the gateway
  std::string access_log; // path, "-" for stderr (through the log), empty = off
  std::chrono::milliseconds psa_retry_interval{5000};      // pinning service: retry missing blocks
  std::chrono::milliseconds psa_pin_timeout{24 * 3600 * 1000}; // pinning service: give up (failed)
  uint32_t psa_min_replicas = 1; // pinning service + chain: "pinned" = order live with this many replicas; 0 = local pin only
  bool chain = true;          // run the validator actor
  std::string genesis;        // empty: dev chain
  bool chain_byzantine = false; // test drill (needs fault_injection)
  bool prover = true;           // work reports and storage proofs (needs the chain and a local block store)
  uint64_t reserve_bytes = 0;   // reserved space the prover offers (multiple of the chain's reserved_unit_bytes)
  std::chrono::milliseconds fetch_timeout{30000}; // block exchange: a missing block from peers
  // Storage market (actors/market): which orders this node takes. On by default when the chain
  // is on; --market on with --chain off is an error.
  bool market = true;
  uint64_t market_capacity = 0;        // bytes for market files; 0 = free disk space − margin
  uint32_t market_take_ppm = 1000000;  // chance per slot of taking an eligible order, in 10^-6
  std::chrono::milliseconds market_fetch_timeout{60000}; // an order's DAG fetch without progress
  uint32_t market_max_fetches = 2;     // orders fetched at once
  uint32_t market_min_slots = 2;       // live orders with fewer slots before expiry are skipped
  std::string config_file; // the file the values came from; empty when none was given
  std::vector<site_mapping> sites; // --site, in the order given; hosts are distinct
  // Peer transport (actors/peer). Bootstrap entries are config::peer_address texts, already
  // checked by parse_peer_address (kept as text so this header stays small).
  host_port peer_addr{"127.0.0.1", 4001};
  std::vector<std::string> bootstrap;
  bool peer_tls = true;
  std::string peer_tls_ca;      // network CA certificate (PEM)
  std::string peer_tls_ca_key;  // network CA key: lets the node issue its own certificate
  std::string peer_tls_cert;    // this node's certificate (PEM), signed by the network CA
  std::string peer_tls_key;     // this node's TLS private key (PEM)
  node_role role = node_role::node;
  std::optional<host_port> listen;              // --role block-store only: where it is served
  std::optional<host_port> block_store_remote;  // actors.block-store.remote: use that store
  // Credit ledger. Trusted peers are always served, without the debt-ratio draw or the rate
  // limit: these configured ones and, with the chain on, every node with a valid recent work
  // report (actors/credit/chain_trust.hpp).
  std::vector<std::string> trusted_peers; // base58btc peer ids ("12D3KooW..."), distinct; "*" = all
  uint64_t serve_rate = uint64_t{64} << 20; // bytes/s served to each untrusted peer; 0 = unlimited
  uint64_t credit_unit = uint64_t{1} << 20; // bytes per unit of the debt ratio (never 0)
  // Plugins (actors/plugin_host, docs/plugins.md).
  std::vector<std::string> plugins; // shared objects started with the node (--plugin, repeatable)
  // Each plugin's config section: `plugin.<name>.<key> = value` gives plugin_config[name][key].
  std::map<std::string, std::map<std::string, std::string>> plugin_config;
  // Registry name of the actor (e.g. a plugin) the market asks before it takes an order; empty: none.
  std::string market_policy;
  // Remote actor console (actors/console): where it is published (nullopt: off) and the admin
  // key file (empty: <data-dir>/console.key, generated on first start).
  std::optional<host_port> console_addr = host_port{"127.0.0.1", 5002};
  std::string console_key_file;
};

// site_list and list options may be repeated (and a value may be a comma-separated list);
// the occurrences of one layer add up, and a later layer replaces the whole list.
enum class value_kind { path, address, size, count, duration, log_level, flag, site_list, list,
                        on_off, peer_list, role, name };

struct option_info {
  const char* name;          // long option without "--"; also the key in config files
  value_kind kind;
  const char* default_value; // written the way a user would write it; "" for none
  const char* help;
};

// Besides these, `plugin.<name>.<key>` keys (file or command line) set a plugin's config
// section; <name> is 1-10 of [A-Za-z0-9_], <key> 1-64 of [A-Za-z0-9_.-].
// Every option mantled accepts, in --help order. `config`, `help` and `version` are command
// line only.
const std::vector<option_info>& schema();

// A value as written, with where it came from ("--rpc-addr", "node.conf:3") for error texts.
struct raw_value {
  std::string text;
  std::string origin;
};
using raw_values = std::map<std::string, raw_value>;

struct command_line {
  raw_values values; // options other than config/help/version
  std::string config_file;
  bool help = false;
  bool version = false;
};

// `args` excludes the program name. Accepts --name=value and --name value; -h means --help.
// Unknown options, missing values and stray arguments are errors (errc::invalid_input).
result<command_line> parse_command_line(const std::vector<std::string>& args);

// INI-style `key = value` lines, '#' or ';' full-line comments, optional double quotes around
// a value. `source` names the file in error messages. Unknown or repeated keys are errors.
result<raw_values> parse_config_text(std::string_view text, const std::string& source);
result<raw_values> read_config_file(const std::string& path);

// Applies defaults, then `file`, then `cli`, parsing and checking every value.
result<node_options> resolve(const raw_values& file, const raw_values& cli);

struct loaded {
  node_options options;
  bool help = false;
  bool version = false;
};
// The whole pipeline mantled runs: command line, the --config file if any, resolve.
result<loaded> load(const std::vector<std::string>& args);

std::string help_text(std::string_view program);

// Value syntaxes, exposed for tests and for other tools that take the same values.
result<uint64_t> parse_size(std::string_view text);                 // 1TiB, 500 GB, 4096
result<std::chrono::milliseconds> parse_duration(std::string_view text); // 250ms, 10s, 5m, 1h
result<host_port> parse_address(std::string_view text);             // 127.0.0.1:5001, [::1]:80
result<uint32_t> parse_count(std::string_view text, uint32_t max);
// CORS origins, comma separated: "*" or scheme://host[:port] with no path; blanks are dropped.
result<std::vector<std::string>> parse_origin_list(std::string_view text);
std::string format_size(uint64_t bytes);                           // largest exact binary unit
std::string format_duration(std::chrono::milliseconds d);
// "example.org=bafy...,docs.example.org=Qm..." (spaces around items allowed). Hosts are DNS
// names (letters, digits, '-', dots; case-insensitive), each at most once.
result<std::vector<site_mapping>> parse_site_list(std::string_view text);
result<std::string> normalize_host_name(std::string_view text);
// Peer ids, comma separated, in either text form (base58btc "12D3KooW..." or a libp2p-key CID);
// returned as base58btc, duplicates dropped, blanks ignored. "*" (every peer) is kept as is.
result<std::vector<std::string>> parse_peer_list(std::string_view text);
// The site whose host a request's Host header names ("Example.org:8080", "example.org."),
// or nullptr: the port and a trailing dot are dropped and case is ignored.
const site_mapping* find_site(const std::vector<site_mapping>& sites, std::string_view host_header);
// "localhost", 127.0.0.0/8 and ::1: the only hosts the unauthenticated block-store port
// (--listen, actors.block-store.remote) may use.
bool is_loopback_host(std::string_view host);
// "plugin.<name>.<key>" -> {name, key}; an error for a malformed key under "plugin.".
struct plugin_key {
  std::string plugin;
  std::string key;
};
result<plugin_key> parse_plugin_key(std::string_view option);
bool is_plugin_key(std::string_view option); // starts with "plugin."

} // namespace mantle::config
