#include "actors/console/console_command.hpp"

#include <cctype>
#include <climits>
#include <cstdint>

namespace mantle::console {

namespace {

error bad(std::string why) { return make_error(errc::invalid_input, std::move(why)); }

bool all_digits(const std::string& s, size_t from = 0) {
  if (s.size() <= from)
    return false;
  for (size_t k = from; k < s.size(); ++k)
    if (!std::isdigit(static_cast<unsigned char>(s[k])))
      return false;
  return true;
}

result<uint64_t> to_u64(const std::string& s, uint64_t max) {
  if (!all_digits(s) || s.size() > 20)
    return bad("'" + s + "' is not a whole number");
  try {
    auto v = std::stoull(s);
    if (v > max)
      return bad(s + " is too large (at most " + std::to_string(max) + ")");
    return uint64_t{v};
  } catch (const std::exception&) {
    return bad(s + " is too large");
  }
}

result<int64_t> to_i64(const std::string& s, int64_t min, int64_t max) {
  bool neg = !s.empty() && s[0] == '-';
  if (!all_digits(s, neg ? 1 : 0) || s.size() > 20)
    return bad("'" + s + "' is not a whole number");
  try {
    auto v = std::stoll(s);
    if (v < min || v > max)
      return bad(s + " is out of range (" + std::to_string(min) + " to " + std::to_string(max) + ")");
    return int64_t{v};
  } catch (const std::exception&) {
    return bad(s + " is out of range");
  }
}

} // namespace

const std::vector<command_info>& commands() {
  static const std::vector<command_info> list = {
    {"help", "", "this list", 0, 0},
    {"status", "", "identity, version, uptime, data dir, chain height, peers, repo size, pins", 0, 0},
    {"tree", "", "supervised actors: running state, restarts, last exit, mailbox size; plugins", 0, 0},
    {"restart", "<actor>", "restart a supervised actor (an operator's restart: not counted as a fault)", 1, 1},
    {"peers", "", "connected peers", 0, 0},
    {"pins", "", "pinned roots (recursive and direct)", 0, 0},
    {"chain", "", "chain head (height, hash) and validators", 0, 0},
    {"orders", "", "storage orders on the chain (first 100)", 0, 0},
    {"credit", "", "credit ledger: bytes sent to and received from each peer", 0, 0},
    {"send", "<actor> <atom> [args...]", "send a typed message to a named actor and print the reply "
                                          "(numbers are uint64; u32:5, i64:-1, bool:true, str:7 pick a type)", 2, SIZE_MAX},
    {"plugin list", "", "loaded plugins", 0, 0},
    {"plugin load", "<path> [key=value...]", "load a plugin shared object with its configuration", 1, SIZE_MAX},
    {"plugin unload", "<name>", "stop and unload a plugin", 1, 1},
    {"watch", "[kinds...]", "stream node events (block, actor_restarted, peer_up, ...) until Ctrl-C", 0, SIZE_MAX},
  };
  return list;
}

result<std::vector<std::string>> split_words(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false, quoted = false;
  for (size_t k = 0; k < line.size(); ++k) {
    char c = line[k];
    if (quoted) {
      if (c == '\\' && k + 1 < line.size()) {
        cur += line[++k];
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = in_word = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word)
        out.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (quoted)
    return bad("unterminated quote");
  if (in_word)
    out.push_back(std::move(cur));
  return out;
}

result<command> parse_command(const std::string& line) {
  auto words = split_words(line);
  if (!words)
    return words.err();
  if (words->empty())
    return bad("empty command (try help)");
  const command_info* best = nullptr;
  size_t used = 0;
  for (auto& c : commands()) {
    std::string verb = c.verb;
    auto sp = verb.find(' ');
    if (sp == std::string::npos) {
      if ((*words)[0] == verb && !best) {
        best = &c;
        used = 1;
      }
    } else if (words->size() >= 2 && (*words)[0] == verb.substr(0, sp) && (*words)[1] == verb.substr(sp + 1)) {
      best = &c;
      used = 2;
    }
  }
  if (!best) {
    if ((*words)[0] == "plugin")
      return bad("'plugin' needs a subcommand: list, load or unload");
    return bad("unknown command '" + (*words)[0] + "' (try help)");
  }
  command out;
  out.verb = best->verb;
  out.args.assign(words->begin() + used, words->end());
  if (out.args.size() < best->min_args || out.args.size() > best->max_args)
    return bad(std::string("usage: ") + best->verb + (*best->usage ? " " : "") + best->usage);
  return out;
}

std::string actor_name(const std::string& given) {
  static const std::map<std::string, std::string> aliases = {
    {"block-store", "blocks"}, {"blockstore", "blocks"}, {"block_store", "blocks"}, {"store", "blocks"},
    {"credit", "ledger"}, {"credit-ledger", "ledger"}, {"chain", "validator"}, {"plugin-host", "plugins"},
    {"plugin_host", "plugins"}, {"sup", "supervisor"}, {"pinning", "pinner"},
  };
  auto it = aliases.find(given);
  return it == aliases.end() ? given : it->second;
}

std::string atom_name(const std::string& actor, const std::string& given) {
  if (actor == "blocks" && (given == "stat" || given == "stats"))
    return "repo_stat";
  if ((actor == "validator") && (given == "head" || given == "vals" || given == "era"))
    return "ch_" + given;
  if (actor == "ledger" && given == "list")
    return "ledger";
  if (actor == "peer" && given == "list")
    return "p_list";
  return given;
}

result<send_arg> parse_send_arg(const std::string& word) {
  send_arg a;
  auto colon = word.find(':');
  if (colon != std::string::npos) {
    std::string type = word.substr(0, colon), v = word.substr(colon + 1);
    if (type == "str") {
      a.s = v;
      return a;
    }
    if (type == "u64" || type == "u32") {
      auto n = to_u64(v, type == "u32" ? UINT32_MAX : UINT64_MAX);
      if (!n)
        return n.err();
      a.type = type == "u32" ? send_arg::kind::u32 : send_arg::kind::u64;
      a.u = *n;
      return a;
    }
    if (type == "i64" || type == "i32") {
      auto n = type == "i32" ? to_i64(v, INT32_MIN, INT32_MAX) : to_i64(v, INT64_MIN, INT64_MAX);
      if (!n)
        return n.err();
      a.type = type == "i32" ? send_arg::kind::i32 : send_arg::kind::i64;
      a.i = *n;
      return a;
    }
    if (type == "bool") {
      if (v != "true" && v != "false")
        return bad("bool: takes true or false, not '" + v + "'");
      a.type = send_arg::kind::boolean;
      a.b = v == "true";
      return a;
    }
    // Anything else with a colon ("127.0.0.1:4001") is a string.
  }
  if (all_digits(word)) {
    auto n = to_u64(word, UINT64_MAX);
    if (!n)
      return n.err();
    a.type = send_arg::kind::u64;
    a.u = *n;
    return a;
  }
  if (word.size() > 1 && word[0] == '-' && all_digits(word, 1)) {
    auto n = to_i64(word, INT64_MIN, INT64_MAX);
    if (!n)
      return n.err();
    a.type = send_arg::kind::i64;
    a.i = *n;
    return a;
  }
  a.s = word;
  return a;
}

result<std::map<std::string, std::string>> parse_key_values(const std::vector<std::string>& words) {
  std::map<std::string, std::string> out;
  for (auto& w : words) {
    auto eq = w.find('=');
    if (eq == std::string::npos || eq == 0)
      return bad("'" + w + "' is not key=value");
    out[w.substr(0, eq)] = w.substr(eq + 1);
  }
  return out;
}

nlohmann::ordered_json help_json() {
  auto out = nlohmann::ordered_json::array();
  for (auto& c : commands())
    out.push_back({{"command", c.verb}, {"usage", c.usage}, {"help", c.help}});
  return out;
}

} // namespace mantle::console
