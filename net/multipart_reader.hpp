// Streaming multipart/form-data parser for Kubo's add/block put/dag import uploads. Bytes are
// fed as they arrive; each part's headers and then its data (in pieces, never the whole part)
// go to callbacks. Parts are named the way Kubo clients send them: filename percent-encoded
// relative path ("dir%2Fa.txt"), Content-Type application/x-directory for directories,
// application/symlink for symlinks, anything else is a file.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include "net/http_request.hpp"
#include "storage/result.hpp"

namespace mantle {

struct multipart_part {
  std::string name;         // form field name ("file")
  std::string filename;     // decoded relative path ("dir/a.txt"), may be empty
  std::string content_type; // as sent; empty if none
  std::string abspath;      // Abspath header (nocopy adds), decoded
  std::vector<std::pair<std::string, std::string>> headers;

  bool is_directory() const { return content_type == "application/x-directory"; }
  bool is_symlink() const { return content_type == "application/symlink"; }
  bool is_file() const { return !is_directory() && !is_symlink(); }
  std::string header(std::string_view name) const; // case-insensitive, empty if absent
};

struct multipart_limits {
  size_t max_header_bytes = 16 * 1024; // one part's header block
  size_t max_parts = 1000000;
  size_t max_preamble_bytes = 64 * 1024;
};

struct multipart_callbacks {
  std::function<status(const multipart_part&)> on_part_begin;
  std::function<status(std::string_view data)> on_part_data;
  std::function<status()> on_part_end;
};

class multipart_reader {
public:
  // Boundary from a Content-Type header; error if it is not multipart or has no boundary.
  static result<std::string> boundary_of(std::string_view content_type);

  multipart_reader(std::string boundary, multipart_callbacks cb, multipart_limits limits = {});

  // Any split of the body is fine. After an error every later call fails the same way.
  status feed(std::string_view data);
  // Call at the end of the body: fails if the closing boundary never came.
  status finish();
  bool complete() const { return state_ == st::epilogue; }
  size_t parts() const { return parts_; }

private:
  enum class st { preamble, after_delim, headers, body, epilogue, failed };
  status fail(std::string msg);
  status parse_headers(std::string_view block);
  status step(bool& progressed);

  std::string delim_; // "\r\n--" + boundary
  multipart_callbacks cb_;
  multipart_limits lim_;
  std::string buf_; // bytes not consumed yet (always smaller than a delimiter while in body)
  std::string_view src_; // what step() parses: buf_, or the caller's bytes (zero-copy)
  size_t pos_ = 0;  // consumed prefix of src_
  st state_ = st::preamble;
  size_t parts_ = 0;
  size_t preamble_seen_ = 0;
  bool in_part_ = false;
  error err_;
};

// Reads the whole request body through a multipart_reader in 1 MiB pieces.
status read_multipart(http_request& req, multipart_callbacks cb, multipart_limits limits = {});

} // namespace mantle
