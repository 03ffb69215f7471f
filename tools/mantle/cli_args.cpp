#include "tools/mantle/cli_args.hpp"
#include <cstdint>

namespace mantle::cli {

const std::vector<command_spec>& commands() {
  static const std::vector<command_spec> all = {
      {"add", "<path>...", "Add files or directories to the node and print their CIDs.", 1, SIZE_MAX,
       {{"recursive", 'r', true, "add directory paths recursively"},
        {"cid-version", 0, false, "CID version (0 or 1; 1 implies --raw-leaves)"},
        {"raw-leaves", 0, true, "use raw blocks for leaf nodes"},
        {"chunker", 0, false, "chunking algorithm, size-<bytes>"},
        {"wrap-with-directory", 'w', true, "wrap files with a directory object"},
        {"only-hash", 'n', true, "only chunk and hash, do not write"},
        {"quiet", 'q', true, "print only the final hashes"},
        {"pin", 0, true, "pin what was added (default true)"},
        {"progress", 0, true, "show a progress bar (default: when stderr is a terminal)"},
        {"order", 0, true, "then place a storage order for the added file (one file; as `order place`)"},
        {"replicas", 0, false, "with --order --wait: proven replicas to wait for (default 1)"},
        {"tips", 0, false, "with --order: tips for the file's pool, tokens (0.5) or base units (1500u)"},
        {"account", 0, false, "with --order: keystore account that pays (default: the first one)"},
        {"wait", 0, true, "with --order: wait until the order is live with --replicas proven replicas"},
        {"timeout", 0, false, "with --wait: how long to wait for the order to go live (default 10m)"}}},
      {"cat", "<cid|path>", "Print the contents of a file.", 1, 1,
       {{"offset", 'o', false, "byte offset to begin reading from"},
        {"length", 'l', false, "maximum number of bytes to read"}}},
      {"get", "<cid|path>", "Download a file or directory to disk.", 1, 1,
       {{"output", 'o', false, "where to write (default: the CID)"}}},
      {"ls", "<cid|path>", "List the links of a directory.", 1, 1, {}},
      {"pin add", "<cid>...", "Pin objects so garbage collection keeps them.", 1, SIZE_MAX, {}},
      {"pin rm", "<cid>...", "Remove pins.", 1, SIZE_MAX, {}},
      {"pin ls", "[cid]...", "List pinned objects.", 0, SIZE_MAX,
       {{"type", 't', false, "direct, indirect, recursive or all"}, {"quiet", 'q', true, "only CIDs"}}},
      {"block get", "<cid>", "Write a raw block to stdout.", 1, 1, {}},
      {"block put", "<file>", "Store a file as one raw block.", 1, 1,
       {{"cid-codec", 0, false, "codec of the new CID (raw, dag-pb)"}}},
      {"block stat", "<cid>", "Print a block's size.", 1, 1, {}},
      {"dag export", "<cid>", "Write a CAR file of a DAG to stdout.", 1, 1, {}},
      {"dag import", "<file.car>...", "Import blocks from CAR files and pin their roots.", 1, SIZE_MAX,
       {{"pin-roots", 0, true, "pin the roots (default true)"}}},
      {"repo stat", "", "Show repository size and object count.", 0, 0, {}},
      {"repo gc", "", "Remove unpinned blocks.", 0, 0, {{"quiet", 'q', true, "print nothing"}}},
      {"id", "", "Show node identity.", 0, 0, {}},
      {"version", "", "Show the node's version.", 0, 0, {}},
      {"console", "<host:port>", "Attach to a node's remote actor console (interactive, or one command with -c). "
                                 "Exit status: 0 ok, 1 the command failed, 2 usage, 3 refused (wrong or missing key).", 1, 1,
       {{"key-file", 'k', false, "the node's console key (default: $MANTLE_CONSOLE_KEY_FILE, else ./.mantle/console.key)"},
        {"command", 'c', false, "run this one command and exit (e.g. -c status, -c \"restart peer\", -c \"watch block\")"},
        {"json", 0, true, "print the answers as JSON instead of tables"},
        {"count", 'n', false, "with -c watch: stop after this many events (exit 1 if the timeout comes first)"},
        {"timeout", 't', false, "with -c watch: stop after this long (250ms, 10s, 5m)"}}},
      {"token create", "<name>", "Create a Pinning Service API token; its secret is printed once.", 1, 1, {}},
      {"token list", "", "List Pinning Service API tokens (ids, names, creation times; never secrets).", 0, 0, {}},
      {"token revoke", "<id-or-name>", "Revoke a Pinning Service API token.", 1, 1, {}},
      {"peers", "", "List the connected peers (address, peer id, direction, latency).", 0, 0, {}},
      {"swarm peers", "", "Same as `peers`.", 0, 0, {}},
      {"swarm connect", "<address>...", "Connect to peers: HOST:PORT or /ip4/HOST/tcp/PORT[/p2p/PEERID].", 1, SIZE_MAX, {}},
      {"tls init-network", "<dir>", "Create a network CA (DIR/ca.crt, DIR/ca.key) for TLS between nodes (local, no node needed).", 1, 1, {}},
      {"tls issue", "<ca-dir> <out-dir>", "Issue a node certificate from the CA in CA-DIR into OUT-DIR (node.crt, node.key, ca.crt); "
                                         "start the node with --peer-tls-ca OUT/ca.crt --peer-tls-cert OUT/node.crt --peer-tls-key OUT/node.key.", 2, 2, {}},
      {"credit", "[<peer>]", "Show the credit ledger: bytes sent to and received from each peer, debt ratio, trust.", 0, 1, {}},
      {"bitswap stat", "", "Show the block exchange's counters, wantlist and partners (as `ipfs bitswap stat`).", 0, 0,
       {{"verbose", 'v', true, "list the partners, not only their number"}}},
      {"bitswap wantlist", "", "List the blocks this node is fetching from peers, one CID per line.", 0, 0, {}},
      // The chain (issue #5). Amounts: tokens with up to 9 decimals (12.5) or base units (1500u).
      {"account new", "<name>", "Create a keystore account on the node and print its key.", 1, 1, {}},
      {"account list", "", "List the node's keystore accounts (names and keys).", 0, 0, {{"json", 0, true, "print the node's JSON"}}},
      {"account show", "[<name|key>]", "Show an account's balance, stake, nonce (default: the node's first account).", 0, 1,
       {{"json", 0, true, "print the node's JSON (amounts in base units)"}}},
      {"account transfer", "", "Send tokens from a keystore account to a key or account name.", 0, 0,
       {{"to", 0, false, "recipient: a key (64 hex digits) or a keystore account name"},
        {"amount", 0, false, "tokens (12.5) or base units (1500u)"},
        {"from", 0, false, "keystore account that pays (default: the first one)"},
        {"wait", 0, true, "wait until the transaction is in a block"}}},
      {"stake bond", "<amount>", "Move tokens from the balance to bonded stake.", 1, 1,
       {{"account", 0, false, "keystore account (default: the first one)"}, {"wait", 0, true, "wait until the transaction is in a block"}}},
      {"stake unbond", "<amount>", "Start unbonding free bonded stake (withdrawable after the unbonding period).", 1, 1,
       {{"account", 0, false, "keystore account (default: the first one)"}, {"wait", 0, true, "wait until the transaction is in a block"}}},
      {"stake withdraw", "", "Move released unbonding chunks back to the balance.", 0, 0,
       {{"account", 0, false, "keystore account (default: the first one)"}, {"wait", 0, true, "wait until the transaction is in a block"}}},
      {"stake validate", "", "Become a validator candidate with this node (registers the node to the account first when needed).", 0, 0,
       {{"commission", 0, false, "commission on rewards: percent (10, 2.5%) or ppm (50000ppm); default 0"},
        {"account", 0, false, "keystore account (default: the first one)"}, {"wait", 0, true, "wait until the transaction is in a block"}}},
      {"stake chill", "", "Stop being a validator candidate.", 0, 0,
       {{"account", 0, false, "keystore account (default: the first one)"}, {"wait", 0, true, "wait until the transaction is in a block"}}},
      {"stake guarantee", "<target> <amount>", "Guarantee (nominate) a candidate, by owner key or account name, with bonded stake.", 2, 2,
       {{"account", 0, false, "keystore account (default: the first one)"}, {"wait", 0, true, "wait until the transaction is in a block"}}},
      {"stake unguarantee", "<target>", "Withdraw the whole guarantee of a candidate back to free bonded stake.", 1, 1,
       {{"account", 0, false, "keystore account (default: the first one)"}, {"wait", 0, true, "wait until the transaction is in a block"}}},
      // Storage orders (issue #6).
      {"order place", "<cid>", "Place a storage order for a file (size and proof root computed from the node's copy unless given).", 1, 1,
       {{"size", 0, false, "declared size in bytes (must be the file's size when the node has the file)"},
        {"root", 0, false, "proof root, 64 hex digits (for a file the node does not have)"},
        {"tips", 0, false, "tips for the file's pool, tokens (0.5) or base units (1500u)"},
        {"account", 0, false, "keystore account that pays (default: the first one)"},
        {"replicas", 0, false, "with --wait: proven replicas to wait for (default 1)"},
        {"wait", 0, true, "wait until the order is live with --replicas proven replicas"},
        {"timeout", 0, false, "with --wait: how long to wait for the order to go live (default 10m)"},
        {"json", 0, true, "print the node's JSON"}}},
      {"order status", "<cid>", "Show a file's order: status, size, expiry, pool, prepaid, replicas and their proofs.", 1, 1,
       {{"json", 0, true, "print the node's JSON (amounts in base units)"}}},
      {"order list", "", "List the orders on chain, in CID byte order, a page at a time.", 0, 0,
       {{"after", 0, false, "start after this CID (the `more:` hint of the previous page)"},
        {"limit", 0, false, "orders per page (default 100, at most 1000)"},
        {"json", 0, true, "print the node's JSON"}}},
      {"order prepaid", "<cid> <amount>", "Add tokens to a file's prepaid pool, which renews it when it expires.", 2, 2,
       {{"account", 0, false, "keystore account that pays (default: the first one)"},
        {"wait", 0, true, "wait until the transaction is in a block"}}},
      {"chain head", "", "Show the chain head (height, block id, time, consensus step).", 0, 0, {{"json", 0, true, "print the node's JSON"}}},
      {"chain block", "<height>", "Show a block and its transactions.", 1, 1, {{"json", 0, true, "print the node's JSON"}}},
      {"chain tx", "<hash>", "Show a transaction: pending or its block, result, arguments.", 1, 1, {{"json", 0, true, "print the node's JSON"}}},
      {"chain validators", "", "List the validators and the candidates with their stake.", 0, 0, {{"json", 0, true, "print the node's JSON"}}},
      {"chain era", "", "Show the current era, its rewards and the chain parameters.", 0, 0, {{"json", 0, true, "print the node's JSON"}}},
      {"chain keygen", "<data-dir>", "Create a node's identity key and keystore account 'default' in DATA-DIR (local, no node needed) "
                                     "and print node_key=, owner= and peer_id=.", 1, 1, {}},
      {"chain genesis", "", "Print a genesis JSON for a new network (local, no node needed); start each node with --genesis FILE.", 0, 0,
       {{"chain-id", 0, false, "chain id (required)"},
        {"validator", 0, false, "NODE_KEY:OWNER_KEY[:BOND] (hex keys from `chain keygen`; bond default 10000 tokens); repeatable"},
        {"account", 0, false, "KEY:AMOUNT initial balance; repeatable"},
        {"block-time", 0, false, "target block time (default 6s)"},
        {"era-blocks", 0, false, "blocks per era (default 3600)"},
        {"slot-blocks", 0, false, "blocks per work-report slot (default 600)"},
        {"unbonding-blocks", 0, false, "blocks before unbonded stake can be withdrawn (default 100800)"},
        {"validator-count", 0, false, "validator seats elected per era (default 21)"},
        {"genesis-time-ms", 0, false, "genesis time, ms since the epoch (default: now)"}}},
  };
  return all;
}

bool invocation::flag(const std::string& name, bool fallback) const {
  auto it = options.find(name);
  if (it == options.end()) return fallback;
  return it->second == "true";
}

std::optional<std::string> invocation::value(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> invocation::values(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : given)
    if (k == name)
      out.push_back(v);
  return out;
}

namespace {
error usage(std::string msg) { return error{errc::invalid_input, std::move(msg)}; }

result<std::string> bool_value(const std::string& opt, const std::string& v) {
  if (v == "true" || v == "1" || v == "t") return std::string("true");
  if (v == "false" || v == "0" || v == "f") return std::string("false");
  return usage("option --" + opt + " takes true or false, not '" + v + "'");
}
} // namespace

result<invocation> parse(const std::vector<std::string>& argv) {
  invocation inv;
  size_t i = 0;
  std::vector<std::string> rest;
  // Global options come before the command.
  for (; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--help" || a == "-h") {
      inv.help = true;
    } else if (a == "--api") {
      if (i + 1 >= argv.size()) return usage("--api needs an address (host:port)");
      inv.api = argv[++i];
    } else if (a.rfind("--api=", 0) == 0) {
      inv.api = a.substr(6);
    } else if (!a.empty() && a[0] == '-') {
      return usage("unknown global option " + a);
    } else {
      break;
    }
  }
  if (i >= argv.size()) {
    if (inv.help) return inv;
    return usage("no command given");
  }
  // Longest command path that matches the next words.
  const command_spec* best = nullptr;
  size_t best_words = 0;
  for (auto& c : commands()) {
    size_t words = 0, j = i, p = 0;
    bool match = true;
    while (p < c.path.size()) {
      size_t sp = c.path.find(' ', p);
      std::string w = c.path.substr(p, sp == std::string::npos ? std::string::npos : sp - p);
      if (j >= argv.size() || argv[j] != w) {
        match = false;
        break;
      }
      ++words;
      ++j;
      p = sp == std::string::npos ? c.path.size() : sp + 1;
    }
    if (match && words > best_words) {
      best = &c;
      best_words = words;
    }
  }
  if (!best) {
    std::string subs;
    for (auto& c : commands())
      if (c.path.rfind(argv[i] + " ", 0) == 0)
        subs += (subs.empty() ? "" : ", ") + c.path.substr(argv[i].size() + 1);
    if (!subs.empty())
      return usage("'" + argv[i] + "' needs a subcommand: " + subs);
    return usage("unknown command '" + argv[i] + "'");
  }
  inv.cmd = best;
  i += best_words;
  auto find_long = [&](const std::string& n) -> const option_spec* {
    for (auto& o : best->options)
      if (o.name == n) return &o;
    return nullptr;
  };
  auto find_short = [&](char c) -> const option_spec* {
    for (auto& o : best->options)
      if (o.short_name == c) return &o;
    return nullptr;
  };
  auto set = [&inv](const std::string& name, std::string v) {
    inv.given.emplace_back(name, v);
    inv.options[name] = std::move(v);
  };
  bool only_args = false;
  for (; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (only_args || a.size() < 2 || a[0] != '-') {
      inv.args.push_back(a);
      continue;
    }
    if (a == "--") {
      only_args = true;
      continue;
    }
    if (a == "--help" || a == "-h") {
      inv.help = true;
      continue;
    }
    if (a.rfind("--api", 0) == 0) {
      if (a == "--api") {
        if (i + 1 >= argv.size()) return usage("--api needs an address (host:port)");
        inv.api = argv[++i];
      } else if (a[5] == '=') {
        inv.api = a.substr(6);
      } else {
        return usage("unknown option " + a + " for '" + best->path + "'");
      }
      continue;
    }
    if (a[1] == '-') {
      std::string body = a.substr(2);
      auto eq = body.find('=');
      std::string name = body.substr(0, eq);
      const option_spec* o = find_long(name);
      if (!o) return usage("unknown option --" + name + " for '" + best->path + "'");
      if (o->is_bool) {
        if (eq == std::string::npos) {
          set(o->name, "true");
        } else {
          auto v = bool_value(name, body.substr(eq + 1));
          if (!v.ok()) return v.err();
          set(o->name, v.value());
        }
      } else if (eq != std::string::npos) {
        set(o->name, body.substr(eq + 1));
      } else {
        if (i + 1 >= argv.size()) return usage("option --" + name + " needs a value");
        set(o->name, argv[++i]);
      }
      continue;
    }
    // Short options, possibly grouped (-rq) or with a value (-o out, -oout).
    for (size_t k = 1; k < a.size(); ++k) {
      const option_spec* o = find_short(a[k]);
      if (!o) return usage(std::string("unknown option -") + a[k] + " for '" + best->path + "'");
      if (o->is_bool) {
        set(o->name, "true");
        continue;
      }
      if (k + 1 < a.size()) {
        set(o->name, a.substr(k + 1));
      } else {
        if (i + 1 >= argv.size()) return usage(std::string("option -") + a[k] + " needs a value");
        set(o->name, argv[++i]);
      }
      break;
    }
  }
  if (inv.help) return inv;
  if (inv.args.size() < best->min_args)
    return usage("'" + best->path + "' needs " + (best->usage.empty() ? "arguments" : best->usage));
  if (inv.args.size() > best->max_args)
    return usage("too many arguments for '" + best->path + "'");
  return inv;
}

std::string global_help() {
  std::string h =
      "usage: mantle [--api host:port] <command> [options] [args]\n\n"
      "Talks to a node's Kubo-compatible RPC API (default 127.0.0.1:5001).\n\ncommands:\n";
  size_t width = 0;
  for (auto& c : commands())
    width = std::max(width, c.path.size());
  for (auto& c : commands()) {
    std::string line = "  " + c.path;
    line.resize(width + 4, ' ');
    h += line + c.help + "\n";
  }
  h += "\nmantle <command> --help shows a command's options.\n"
       "exit status: 0 ok, 1 the node reported an error, 2 usage error, 3 console refused (mantle console)\n";
  return h;
}

std::string command_help(const command_spec& c) {
  std::string h = "usage: mantle " + c.path + (c.usage.empty() ? "" : " " + c.usage) + "\n\n" + c.help + "\n";
  if (!c.options.empty()) {
    h += "\noptions:\n";
    for (auto& o : c.options) {
      std::string line = "  ";
      line += o.short_name ? std::string("-") + o.short_name + ", " : "    ";
      line += "--" + o.name + (o.is_bool ? "" : " <value>");
      line.resize(std::max<size_t>(line.size() + 1, 32), ' ');
      h += line + o.help + "\n";
    }
  }
  return h;
}

} // namespace mantle::cli
