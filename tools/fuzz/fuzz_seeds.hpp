// Valid inputs per fuzz target, built with the node's own encoders (fuzz_seeds.cpp).
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace mantle::fuzz {

// target name -> (input name, bytes); the first byte of each input is the target's selector.
using seed_map = std::map<std::string, std::vector<std::pair<std::string, std::string>>>;

// `source_dir` is the repository (for config/genesis.example.json). Throws on a broken encoder.
seed_map make_seeds(const std::string& source_dir);

} // namespace mantle::fuzz
