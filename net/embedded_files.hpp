// Files built into the binary by cmake/embed_files.cmake (the dashboard's HTML, CSS and JS), so
// the node serves them without depending on where it was installed.
#pragma once
#include <string_view>
#include <vector>

namespace mantle {

struct embedded_file {
  std::string_view name;  // relative to its source folder, e.g. "dashboard.js"
  std::string_view bytes; // exactly the file's content
};

// net/dashboard/* except its README, in name order (generated: build/generated/dashboard_files.cpp).
const std::vector<embedded_file>& dashboard_files();

} // namespace mantle
