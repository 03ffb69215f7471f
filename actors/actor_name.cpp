#include "actors/actor_name.hpp"

#include <algorithm>

namespace mantle {

bool valid_actor_name(std::string_view name) {
  if (name.empty() || name.size() > 10)
    return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
  });
}

} // namespace mantle
