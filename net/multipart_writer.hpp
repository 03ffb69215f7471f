// Produces a multipart/form-data body the way Kubo clients send uploads, streamed: file
// contents are read from disk piece by piece as the body is pulled, never whole.
#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>
#include "storage/result.hpp"

namespace mantle {

struct multipart_entry {
  enum class kind { file, directory, symlink, bytes };
  kind type = kind::file;
  std::string name;     // relative path sent as filename ("dir/a.txt"), percent-encoded on the wire
  std::string source;   // file: path on disk; symlink: link target; bytes: the content itself
  std::string abspath;  // optional Abspath header
};

// Pulls the body in pieces: read() fills the buffer with the next bytes, 0 at the end.
class multipart_body {
public:
  explicit multipart_body(std::vector<multipart_entry> entries, std::string boundary = {});
  ~multipart_body();

  const std::string& boundary() const { return boundary_; }
  std::string content_type() const { return "multipart/form-data; boundary=" + boundary_; }
  result<size_t> read(char* buf, size_t cap);
  // Bytes of file content sent so far (for progress).
  uint64_t content_bytes() const { return content_bytes_; }

  static std::string random_boundary();
  // The header block (with its leading delimiter) that starts one entry's part.
  static std::string part_head(const multipart_entry& e, const std::string& boundary, bool first);

private:
  std::vector<multipart_entry> entries_;
  std::string boundary_;
  size_t next_ = 0;      // next entry to open
  std::string pending_;  // framing bytes not handed out yet
  size_t pending_pos_ = 0;
  std::FILE* file_ = nullptr;
  bool closed_ = false;
  uint64_t content_bytes_ = 0;
};

} // namespace mantle
