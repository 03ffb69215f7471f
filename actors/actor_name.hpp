// Names of node actors in the CAF registry (supervised children, plugins): CAF atoms, so 1 to
// 10 characters of [A-Za-z0-9_]. Plain C++, no CAF include.
#pragma once
#include <string_view>

namespace mantle {

bool valid_actor_name(std::string_view name);

} // namespace mantle
