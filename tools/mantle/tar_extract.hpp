// Extracts the tar stream of /api/v0/get onto disk as it arrives. Entries whose path would land
// outside the output directory (absolute, "..", through a symlink, or a symlink pointing out)
// are refused, so a hostile node cannot write elsewhere on the user's disk.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include "storage/result.hpp"

namespace mantle::cli {

class tar_extractor {
public:
  // Entries are written below `dest_parent`; the archive's top-level name is replaced by
  // `top_name` (the -o argument) when that is non-empty.
  tar_extractor(std::string dest_parent, std::string top_name);
  ~tar_extractor();
  status feed(std::string_view data);
  status finish();
  uint64_t files() const { return files_; }

private:
  status header(const unsigned char* h);
  result<std::string> target_path(const std::string& name) const;
  status open_entry();

  std::string parent_, top_;
  std::string buf_;
  enum class st { header, data, pad, end } state_ = st::header;
  uint64_t left_ = 0, pad_ = 0;
  char type_ = 0;
  std::string name_, link_, pax_path_, pax_link_, long_name_, long_link_, meta_;
  std::FILE* out_ = nullptr;
  uint64_t files_ = 0;
  int zero_blocks_ = 0;
};

} // namespace mantle::cli
