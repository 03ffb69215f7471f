// Command line of `mantle`: global options, a command path ("pin add"), per-command options
// in Kubo CLI spelling (--cid-version=1, --cid-version 1, -r, --pin=false), positional args.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>
#include "storage/result.hpp"

namespace mantle::cli {

struct option_spec {
  std::string name;      // long name without dashes ("cid-version")
  char short_name = 0;   // 'r', or 0
  bool is_bool = false;  // bools take no separate value; "--pin=false" still works
  std::string help;
};

struct command_spec {
  std::string path;      // "pin add"
  std::string usage;     // "<cid>..."
  std::string help;
  size_t min_args = 0;
  size_t max_args = 0;   // SIZE_MAX for variadic
  std::vector<option_spec> options;
};

const std::vector<command_spec>& commands();

struct invocation {
  std::string api = "127.0.0.1:5001";
  const command_spec* cmd = nullptr; // null with help = global help
  bool help = false;
  std::map<std::string, std::string> options; // long name -> value ("true"/"false" for bools); the last one given
  std::vector<std::pair<std::string, std::string>> given; // every option in command-line order (repeatable ones)
  std::vector<std::string> args;

  bool flag(const std::string& name, bool fallback) const;
  std::optional<std::string> value(const std::string& name) const;
  std::vector<std::string> values(const std::string& name) const; // each time it was given, in order
};

// Parses argv[1..]; a usage error comes back as errc::invalid_input.
result<invocation> parse(const std::vector<std::string>& argv);
std::string global_help();
std::string command_help(const command_spec& c);

} // namespace mantle::cli
