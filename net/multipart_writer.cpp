#include "net/multipart_writer.hpp"
#include <cerrno>
#include <cstring>
#include <random>
#include "net/url_codec.hpp"

namespace mantle {

multipart_body::multipart_body(std::vector<multipart_entry> entries, std::string boundary)
    : entries_(std::move(entries)), boundary_(boundary.empty() ? random_boundary() : std::move(boundary)) {}

multipart_body::~multipart_body() {
  if (file_) std::fclose(file_);
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
    if (file_) {
      size_t n = std::fread(buf + out, 1, cap - out, file_);
      if (n == 0) {
        bool err = std::ferror(file_);
        std::fclose(file_);
        file_ = nullptr;
        if (err)
          return error{errc::io_error, "reading " + entries_[next_ - 1].source + ": " + std::strerror(errno)};
        continue;
      }
      out += n;
      content_bytes_ += n;
      continue;
    }
    if (next_ < entries_.size()) {
      const auto& e = entries_[next_];
      pending_ = part_head(e, boundary_, next_ == 0);
      pending_pos_ = 0;
      ++next_;
      if (e.type == multipart_entry::kind::file) {
        file_ = std::fopen(e.source.c_str(), "rb");
        if (!file_) return error{errc::io_error, "cannot open " + e.source + ": " + std::strerror(errno)};
      } else if (e.type == multipart_entry::kind::symlink || e.type == multipart_entry::kind::bytes) {
        pending_ += e.source;
        if (e.type == multipart_entry::kind::bytes) content_bytes_ += e.source.size();
      }
      continue;
    }
    if (!closed_) {
      closed_ = true;
      pending_ = entries_.empty() ? "--" + boundary_ + "--\r\n" : "\r\n--" + boundary_ + "--\r\n";
      pending_pos_ = 0;
      continue;
    }
    break;
  }
  return out;
}

} // namespace mantle
