// The HTML page a gateway shows for a directory without index.html: names linking into the
// directory, sizes and CIDs. Plain string building, no template engine: a 10 000-entry
// directory renders in a few milliseconds.
#pragma once
#include <string>
#include <string_view>
#include <vector>
#include "storage/unixfs_exporter.hpp"

namespace mantle {

struct dir_listing_page {
  std::string url_path;     // where the listing is served, ending in '/' ("/ipfs/bafy.../docs/")
  std::string content_path; // "/ipfs/<root>/docs", shown as the title
  cid dir;
  uint64_t dir_size = 0;    // cumulative size of the directory DAG
  bool has_parent = false;  // a ".." row when the listing is below the root
};

std::string render_dir_listing(const dir_listing_page& page,
                               const std::vector<unixfs::dir_entry>& entries);

// &, <, >, " and ' as entities: names in a DAG are arbitrary bytes chosen by whoever added it.
std::string html_escape(std::string_view s);
// Percent-encodes one path segment for an href (keeps unreserved characters only).
std::string href_segment(std::string_view name);
// 1536 -> "1.5 KiB"; exact bytes below 1 KiB.
std::string human_size(uint64_t bytes);

} // namespace mantle
