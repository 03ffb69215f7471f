#include "tools/mantle/tar_extract.hpp"
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <vector>

namespace mantle::cli {
namespace {
error bad(std::string m) { return error{errc::invalid_input, "tar: " + std::move(m)}; }

uint64_t octal(const unsigned char* p, size_t n) {
  uint64_t v = 0;
  size_t i = 0;
  while (i < n && (p[i] == ' ' || p[i] == 0)) ++i;
  for (; i < n && p[i] >= '0' && p[i] <= '7'; ++i) v = v * 8 + (p[i] - '0');
  return v;
}
std::string field(const unsigned char* p, size_t n) {
  size_t len = 0;
  while (len < n && p[len]) ++len;
  return std::string(reinterpret_cast<const char*>(p), len);
}
// Splits a relative path into clean components; fails on absolute paths and "..".
result<std::vector<std::string>> components(const std::string& path) {
  if (!path.empty() && path[0] == '/') return bad("absolute path '" + path + "' refused");
  std::vector<std::string> out;
  size_t p = 0;
  while (p <= path.size()) {
    size_t s = path.find('/', p);
    if (s == std::string::npos) s = path.size();
    std::string c = path.substr(p, s - p);
    p = s + 1;
    if (c.empty() || c == ".") continue;
    if (c == "..") return bad("path '" + path + "' escapes the output directory");
    out.push_back(c);
  }
  return out;
}
void mkdir_p(const std::string& path) {
  for (size_t p = 1; p <= path.size(); ++p)
    if (p == path.size() || path[p] == '/') ::mkdir(path.substr(0, p).c_str(), 0755);
}
} // namespace

tar_extractor::tar_extractor(std::string parent, std::string top)
    : parent_(parent.empty() ? "." : std::move(parent)), top_(std::move(top)) {}

tar_extractor::~tar_extractor() {
  if (out_) std::fclose(out_);
}

result<std::string> tar_extractor::target_path(const std::string& name) const {
  auto comps = components(name);
  if (!comps.ok()) return comps.err();
  if (comps->empty()) return bad("empty entry name");
  if (!top_.empty()) (*comps)[0] = top_;
  std::string path = parent_;
  for (size_t i = 0; i < comps->size(); ++i) {
    path += "/" + (*comps)[i];
    // No entry may be written through a symlink (one from this archive or already there).
    struct stat sb;
    if (i + 1 < comps->size() && ::lstat(path.c_str(), &sb) == 0 && S_ISLNK(sb.st_mode))
      return bad("path '" + name + "' goes through a symlink");
  }
  return path;
}

status tar_extractor::open_entry() {
  std::string name = !pax_path_.empty() ? pax_path_ : !long_name_.empty() ? long_name_ : name_;
  std::string link = !pax_link_.empty() ? pax_link_ : !long_link_.empty() ? long_link_ : link_;
  pax_path_.clear(); pax_link_.clear(); long_name_.clear(); long_link_.clear();
  auto path = target_path(name);
  if (!path.ok()) return path.err();
  auto parent_of = [](const std::string& p) { return p.substr(0, p.rfind('/')); };
  if (type_ == '5') {
    mkdir_p(path.value());
    return status::success();
  }
  mkdir_p(parent_of(path.value()));
  if (type_ == '2') {
    // The link target, taken relative to the link's own directory, must stay inside.
    if (link.empty() || link[0] == '/') return bad("symlink '" + name + "' points to an absolute path");
    auto nc = components(name);
    int depth = static_cast<int>(nc->size()) - 1;
    size_t p = 0;
    while (p <= link.size()) {
      size_t s = link.find('/', p);
      if (s == std::string::npos) s = link.size();
      std::string c = link.substr(p, s - p);
      p = s + 1;
      if (c == "..") --depth;
      else if (!c.empty() && c != ".") ++depth;
      if (depth < 0) return bad("symlink '" + name + "' points outside the output directory");
    }
    if (::symlink(link.c_str(), path->c_str()) != 0)
      return error{errc::io_error, "creating symlink " + path.value() + ": " + std::strerror(errno)};
    return status::success();
  }
  if (type_ != '0' && type_ != 0 && type_ != '7') return bad(std::string("unsupported entry type '") + type_ + "'");
  out_ = std::fopen(path->c_str(), "wb");
  if (!out_) return error{errc::io_error, "cannot create " + path.value() + ": " + std::strerror(errno)};
  ++files_;
  return status::success();
}

status tar_extractor::header(const unsigned char* h) {
  bool zero = true;
  for (int i = 0; i < 512; ++i)
    if (h[i]) { zero = false; break; }
  if (zero) {
    if (++zero_blocks_ == 2) state_ = st::end;
    return status::success();
  }
  zero_blocks_ = 0;
  uint64_t sum = 0;
  for (int i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : h[i];
  if (sum != octal(h + 148, 8)) return bad("header checksum mismatch (not a tar stream?)");
  name_ = field(h, 100);
  std::string prefix = field(h + 345, 155);
  if (std::memcmp(h + 257, "ustar", 5) == 0 && !prefix.empty()) name_ = prefix + "/" + name_;
  link_ = field(h + 157, 100);
  type_ = static_cast<char>(h[156]);
  left_ = octal(h + 124, 12);
  pad_ = (512 - left_ % 512) % 512;
  meta_.clear();
  if (type_ == 'x' || type_ == 'L' || type_ == 'K' || type_ == 'g') {
    if (left_ > 1024 * 1024) return bad("metadata entry too large");
  } else if (type_ == '5' || type_ == '2') {
    auto s = open_entry();
    if (!s.ok()) return s;
  } else {
    auto s = open_entry();
    if (!s.ok()) return s;
  }
  state_ = left_ > 0 ? st::data : (pad_ > 0 ? st::pad : st::header);
  if (left_ == 0 && out_) { std::fclose(out_); out_ = nullptr; }
  return status::success();
}

status tar_extractor::feed(std::string_view data) {
  buf_.append(data.data(), data.size());
  size_t pos = 0;
  while (true) {
    if (state_ == st::end) { pos = buf_.size(); break; }
    if (state_ == st::header) {
      if (buf_.size() - pos < 512) break;
      auto s = header(reinterpret_cast<const unsigned char*>(buf_.data() + pos));
      pos += 512;
      if (!s.ok()) return s;
      continue;
    }
    if (state_ == st::data) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(left_, buf_.size() - pos));
      if (n == 0) break;
      if (out_) {
        if (std::fwrite(buf_.data() + pos, 1, n, out_) != n)
          return error{errc::io_error, std::string("writing file: ") + std::strerror(errno)};
      } else {
        meta_.append(buf_.data() + pos, n);
      }
      pos += n;
      left_ -= n;
      if (left_ == 0) {
        if (out_) { std::fclose(out_); out_ = nullptr; }
        if (type_ == 'L') long_name_ = meta_.c_str();
        if (type_ == 'K') long_link_ = meta_.c_str();
        if (type_ == 'x') {
          // PAX records: "<len> key=value\n"
          size_t p = 0;
          while (p < meta_.size()) {
            size_t sp = meta_.find(' ', p);
            if (sp == std::string::npos) return bad("malformed pax record");
            size_t len = std::strtoull(meta_.c_str() + p, nullptr, 10);
            if (len == 0 || p + len > meta_.size()) return bad("malformed pax record");
            std::string rec = meta_.substr(sp + 1, p + len - sp - 2);
            if (rec.rfind("path=", 0) == 0) pax_path_ = rec.substr(5);
            if (rec.rfind("linkpath=", 0) == 0) pax_link_ = rec.substr(9);
            p += len;
          }
        }
        state_ = pad_ > 0 ? st::pad : st::header;
      }
      continue;
    }
    if (state_ == st::pad) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(pad_, buf_.size() - pos));
      if (n == 0) break;
      pos += n;
      pad_ -= n;
      if (pad_ == 0) state_ = st::header;
    }
  }
  buf_.erase(0, pos);
  return status::success();
}

status tar_extractor::finish() {
  if (state_ == st::data || state_ == st::pad || (state_ == st::header && !buf_.empty()))
    return bad("archive ended in the middle of an entry");
  return status::success();
}

} // namespace mantle::cli
