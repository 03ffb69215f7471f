// How `mantle console` prints an answer without --json: an array of objects as a table (one
// column per key, in the order keys first appear), an object as aligned key/value lines (its
// arrays of objects as tables below), anything else as text. No CAF.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace mantle::cli {

std::string render_console_json(const nlohmann::ordered_json& j);

// One cell: strings as they are, null as "-", numbers and booleans as JSON writes them,
// objects and arrays as compact JSON.
std::string console_cell(const nlohmann::ordered_json& v);

} // namespace mantle::cli
