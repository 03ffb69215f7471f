#include "net/multipart_writer.hpp"
#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cstring>
#include <random>
#include "net/url_codec.hpp"

namespace mantle {

multipart_body::multipart_body(std::vector<multipart_entry> entries, std::string boundary)
    : entries_(std::move(entries)), boundary_(boundary.empty() ? random_boundary() : std::move(boundary)) {}

multipart_body::~multipart_body() {
  if (fd_ >= 0) ::close(fd_);
}

std::string multipart_body::random_boundary() {
  static const char* hex = "0123456789abcdef";
  std::random_device rd;
  std::string b;
  for (int i = 0; i < 30; ++i) b.push_back(hex[rd() % 16]);
  return b;
}

std::string multipart_body::part_head(const multipart_entry& e, const std::string& boundary,
                                      bool first) {
  std::string h = first ? "--" : "\r\n--";
  h += boundary + "\r\n";
  h += "Content-Disposition: form-data; name=\"file\"; filename=\"" +
       percent_encode_component(e.name) + "\"\r\n";
  const char* ct = "application/octet-stream";
  if (e.type == multipart_entry::kind::directory) ct = "application/x-directory";
  if (e.type == multipart_entry::kind::symlink) ct = "application/symlink";
  h += std::string("Content-Type: ") + ct + "\r\n";
  if (!e.abspath.empty()) h += "Abspath: " + percent_encode_component(e.abspath) + "\r\n";
  h += "\r\n";
  return h;
}

std::string multipart_body::closing_delimiter() const {
  return entries_.empty() ? "--" + boundary_ + "--\r\n" : "\r\n--" + boundary_ + "--\r\n";
}

result<bool> multipart_body::open_next() {
  if (next_ < entries_.size()) {
    const auto& e = entries_[next_];
    pending_ = part_head(e, boundary_, next_ == 0);
    pending_pos_ = 0;
    ++next_;
    if (e.type == multipart_entry::kind::file) {
      fd_ = ::open(e.source.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) return error{errc::io_error, "cannot open " + e.source + ": " + std::strerror(errno)};
      file_pos_ = 0;
    } else if (e.type == multipart_entry::kind::symlink || e.type == multipart_entry::kind::bytes) {
      pending_ += e.source;
      if (e.type == multipart_entry::kind::bytes) content_bytes_ += e.source.size();
    }
    return true;
  }
  if (!closed_) {
    closed_ = true;
    pending_ = closing_delimiter();
    pending_pos_ = 0;
    return true;
  }
  return false;
}

status multipart_body::finish_file() {
  const auto& e = entries_[next_ - 1];
  struct stat st {};
  bool same = sizes_.empty() || (file_pos_ == sizes_[next_ - 1] && ::fstat(fd_, &st) == 0 &&
                                 static_cast<uint64_t>(st.st_size) == file_pos_);
  ::close(fd_);
  fd_ = -1;
  if (!same)
    return error{errc::io_error, e.source + " changed while it was being sent (" + std::to_string(sizes_[next_ - 1]) +
                                     " bytes when the upload started); add it again"};
  return status::success();
}

result<uint64_t> multipart_body::length() {
  if (next_ != 0 || pending_pos_ != 0) return error{errc::invalid_input, "length() after the body started"};
  std::vector<uint64_t> sizes(entries_.size(), 0);
  uint64_t total = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const auto& e = entries_[i];
    total += part_head(e, boundary_, i == 0).size();
    if (e.type == multipart_entry::kind::file) {
      struct stat st {};
      if (::stat(e.source.c_str(), &st) != 0)
        return error{errc::io_error, "cannot read " + e.source + ": " + std::strerror(errno)};
      if (!S_ISREG(st.st_mode)) // a pipe or device: read it to its end instead (read())
        return error{errc::unsupported, e.source + " is not a regular file, its length is not known ahead"};
      sizes[i] = static_cast<uint64_t>(st.st_size);
    } else if (e.type == multipart_entry::kind::symlink || e.type == multipart_entry::kind::bytes) {
      sizes[i] = e.source.size();
    }
    total += sizes[i];
  }
  total += closing_delimiter().size();
  sizes_ = std::move(sizes);
  return total;
}

static constexpr uint64_t max_file_span = 8u << 20;

result<sized_body::piece> multipart_body::next(char* buf, size_t cap) {
  if (sizes_.empty() && !entries_.empty()) return error{errc::invalid_input, "next() needs length() first"};
  // Framing bytes and non-file contents are copied into buf; a file's bytes come as spans of
  // up to 8 MiB (few sendfile calls), whatever buf's size.
  piece p;
  while (p.bytes < cap) {
    if (pending_pos_ < pending_.size()) {
      size_t n = std::min(cap - p.bytes, pending_.size() - pending_pos_);
      std::memcpy(buf + p.bytes, pending_.data() + pending_pos_, n);
      pending_pos_ += n;
      p.bytes += n;
      continue;
    }
    if (fd_ >= 0) {
      uint64_t left = sizes_[next_ - 1] - file_pos_;
      if (left == 0) {
        if (auto s = finish_file(); !s.ok()) return s.err();
        continue;
      }
      if (p.bytes > 0) break; // hand out the framing first, the span next time
      p.fd = fd_;
      p.offset = file_pos_;
      p.len = std::min<uint64_t>(left, max_file_span);
      file_pos_ += p.len;
      content_bytes_ += p.len;
      return p;
    }
    auto more = open_next();
    if (!more.ok()) return more.err();
    if (!more.value()) break;
  }
  return p;
}

result<size_t> multipart_body::read(char* buf, size_t cap) {
  size_t out = 0;
  while (out < cap) {
    if (pending_pos_ < pending_.size()) {
      size_t n = std::min(cap - out, pending_.size() - pending_pos_);
      std::memcpy(buf + out, pending_.data() + pending_pos_, n);
      pending_pos_ += n;
      out += n;
      continue;
    }
    if (fd_ >= 0) {
      size_t want = cap - out;
      if (!sizes_.empty()) want = static_cast<size_t>(std::min<uint64_t>(want, sizes_[next_ - 1] - file_pos_));
      ssize_t n = want == 0 ? 0 : ::read(fd_, buf + out, want);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return error{errc::io_error, "reading " + entries_[next_ - 1].source + ": " + std::strerror(errno)};
      if (n == 0) {
        if (auto s = finish_file(); !s.ok()) return s.err();
        continue;
      }
      out += static_cast<size_t>(n);
      file_pos_ += static_cast<uint64_t>(n);
      content_bytes_ += static_cast<uint64_t>(n);
      continue;
    }
    auto more = open_next();
    if (!more.ok()) return more.err();
    if (!more.value()) break;
  }
  return out;
}

} // namespace mantle
