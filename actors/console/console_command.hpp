// The remote console's command language, without CAF: one line as a person types it, split
// into words (double quotes group words, backslash escapes inside them), checked against the
// command table, with the aliases people use for actor names and atoms.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/result.hpp"

namespace mantle::console {

struct command_info {
  const char* verb;   // "restart", "plugin load"
  const char* usage;  // "<name>"
  const char* help;
  size_t min_args;
  size_t max_args;    // SIZE_MAX: any number
};

// Every command the console actor runs, in `help` order. `watch` is listed too: the client
// turns it into con_watch (it streams, so it is not a con_cmd).
const std::vector<command_info>& commands();

struct command {
  std::string verb;               // as in command_info::verb
  std::vector<std::string> args;  // the words after the verb
};

result<std::vector<std::string>> split_words(const std::string& line);
// A known command with a valid number of arguments, or errc::invalid_input saying what is wrong.
result<command> parse_command(const std::string& line);

// The registry name of an actor as people may call it: "block-store" -> "blocks",
// "credit" -> "ledger", "chain" -> "validator", ... Unknown names come back unchanged.
std::string actor_name(const std::string& given);
// The atom an actor answers for a word people use ("stats" to the block store is its
// "repo_stat"); the word itself when there is no alias.
std::string atom_name(const std::string& actor, const std::string& given);

// One argument of `send`: a number becomes uint64 (int64 when negative); a prefix picks the
// type the receiver expects ("u32:5", "i32:-1", "u64:", "i64:", "bool:true", "str:123" for a
// string of digits); anything else is a string.
struct send_arg {
  enum class kind { u64, i64, u32, i32, boolean, text } type = kind::text;
  uint64_t u = 0;
  int64_t i = 0;
  std::string s;
  bool b = false;
};
result<send_arg> parse_send_arg(const std::string& word);

// k=v words (plugin load's configuration); a word without '=' or with an empty key is an error.
result<std::map<std::string, std::string>> parse_key_values(const std::vector<std::string>& words);

// `help` as JSON: [{"command","usage","help"}].
nlohmann::ordered_json help_json();

} // namespace mantle::console
