// Produces a multipart/form-data body the way Kubo clients send uploads, streamed: file
// contents are read from disk piece by piece as the body is pulled, never whole. Once its
// length is known (length()), file contents can also be handed out as spans of the open file,
// which the HTTP client sends with sendfile(2) instead of copying them through user space.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>
#include "net/http_client.hpp"
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
class multipart_body final : public sized_body {
public:
  explicit multipart_body(std::vector<multipart_entry> entries, std::string boundary = {});
  ~multipart_body();

  const std::string& boundary() const { return boundary_; }
  std::string content_type() const { return "multipart/form-data; boundary=" + boundary_; }
  result<size_t> read(char* buf, size_t cap);

  // The exact body length, from the files' sizes now. From then on a file whose size differs
  // when it is sent (it changed meanwhile) fails the body instead of sending other bytes.
  // errc::unsupported when an entry is not a regular file (a pipe): send it with read().
  result<uint64_t> length() override;
  // Like read(), but file contents come as spans of the open file (after length() only).
  result<piece> next(char* buf, size_t cap) override;
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
  std::string closing_delimiter() const;
  result<bool> open_next();      // queues the next entry's framing (and opens its file)
  status finish_file();          // closes the current file, checking its size if sized
  int fd_ = -1;
  uint64_t file_pos_ = 0;        // bytes of the current file handed out
  std::vector<uint64_t> sizes_;  // per entry, set by length(): the bytes its file must have
  bool closed_ = false;
  uint64_t content_bytes_ = 0;
};

} // namespace mantle
