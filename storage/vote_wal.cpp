#include "storage/vote_wal.hpp"

#include <botan/hash.h>
#include <msgpack.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/msgpack_read.hpp"

namespace mantle {
namespace {

constexpr char magic[4] = {'M', 'W', 'A', 'L'};
constexpr size_t header_size = 16;

uint32_t crc32(std::string_view bytes) {
  auto h = Botan::HashFunction::create_or_throw("CRC32");
  h->update(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  auto out = h->final();
  return static_cast<uint32_t>(out[0]) << 24 | static_cast<uint32_t>(out[1]) << 16 |
         static_cast<uint32_t>(out[2]) << 8 | static_cast<uint32_t>(out[3]);
}

void put_u32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t get_u32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = v << 8 | static_cast<unsigned char>(p[i]);
  return v;
}

std::string sys_error(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

status write_all(int fd, std::string_view bytes, const std::string& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return make_error(errc::io_error, sys_error("cannot write vote log", path));
    done += static_cast<size_t>(n);
  }
  return {};
}

result<wal_entry> decode_payload(std::string_view bytes) {
  auto oh = unpack_whole(bytes, msgpack::unpack_limit(8, 0, 0, vote_wal::max_record_bytes, 0, 2), "vote log record");
  if (!oh)
    return oh.err();
  const auto& o = oh->get();
  auto bad = [](const char* why) { return make_error(errc::corrupt, std::string("vote log record: ") + why); };
  if (o.type != msgpack::type::ARRAY || o.via.array.size != 5)
    return bad("not a 5-field array");
  const auto* f = o.via.array.ptr;
  if (f[0].type != msgpack::type::POSITIVE_INTEGER || f[0].via.u64 > 255 ||
      f[1].type != msgpack::type::POSITIVE_INTEGER || f[2].type != msgpack::type::POSITIVE_INTEGER ||
      f[2].via.u64 > UINT32_MAX || f[3].type != msgpack::type::BIN || f[4].type != msgpack::type::BIN)
    return bad("field of the wrong type");
  wal_entry e;
  e.kind = static_cast<uint8_t>(f[0].via.u64);
  e.height = f[1].via.u64;
  e.round = static_cast<uint32_t>(f[2].via.u64);
  e.content.assign(f[3].via.bin.ptr, f[3].via.bin.size);
  e.message.assign(f[4].via.bin.ptr, f[4].via.bin.size);
  return e;
}

status sync_dir(const std::string& path) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d < 0)
    return make_error(errc::io_error, sys_error("cannot open directory of vote log", path));
  int rc = ::fsync(d);
  ::close(d);
  if (rc != 0)
    return make_error(errc::io_error, sys_error("cannot sync directory of vote log", path));
  return {};
}

} // namespace

std::string encode_wal_record(const wal_entry& e) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(5);
  pk.pack_uint8(e.kind);
  pk.pack_uint64(e.height);
  pk.pack_uint32(e.round);
  pk.pack_bin(static_cast<uint32_t>(e.content.size()));
  pk.pack_bin_body(e.content.data(), static_cast<uint32_t>(e.content.size()));
  pk.pack_bin(static_cast<uint32_t>(e.message.size()));
  pk.pack_bin_body(e.message.data(), static_cast<uint32_t>(e.message.size()));
  std::string payload(buf.data(), buf.size());
  std::string rec(magic, 4);
  put_u32(rec, static_cast<uint32_t>(payload.size()));
  put_u32(rec, crc32(payload));
  put_u32(rec, crc32(rec));
  return rec + payload;
}

result<std::unique_ptr<vote_wal>> vote_wal::open(const std::string& path, bool durable) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error(errc::io_error, sys_error("cannot open vote log", path));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    auto e = make_error(errc::unavailable, "vote log " + path + " is in use by another signer (" + std::strerror(errno) + ")");
    ::close(fd);
    return e;
  }
  std::unique_ptr<vote_wal> w(new vote_wal(path, fd, durable));
  if (auto st = w->load(); !st)
    return st.err();
  return w;
}

vote_wal::~vote_wal() {
  if (fd_ >= 0)
    ::close(fd_);
}

status vote_wal::load() {
  struct stat sb;
  if (::fstat(fd_, &sb) != 0)
    return make_error(errc::io_error, sys_error("cannot stat vote log", path_));
  std::string data(static_cast<size_t>(sb.st_size), '\0');
  size_t got = 0;
  while (got < data.size()) {
    auto n = ::pread(fd_, data.data() + got, data.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return make_error(errc::io_error, sys_error("cannot read vote log", path_));
    got += static_cast<size_t>(n);
  }
  size_t off = 0;
  std::string torn; // why the tail was dropped
  auto corrupt = [&](const std::string& why) {
    return make_error(errc::corrupt, "vote log " + path_ + ": record at byte " + std::to_string(off) + " " + why +
                                         " and is not the last one; refusing to start (a lost signature could be "
                                         "signed again). Inspect or move the file aside only if this validator "
                                         "has not signed since it was written.");
  };
  while (off < data.size()) {
    size_t left = data.size() - off;
    const char* p = data.data() + off;
    if (left < header_size) {
      torn = "an incomplete record header (" + std::to_string(left) + " bytes)";
      break;
    }
    bool header_ok = std::memcmp(p, magic, 4) == 0 && crc32(std::string_view(p, 12)) == get_u32(p + 12);
    if (!header_ok) {
      // A crash while appending can leave garbage or zeros only at the end of the file; with a
      // whole valid record after this point it is damage in the middle.
      bool zeros = std::all_of(p, p + left, [](char c) { return c == 0; });
      if (zeros) {
        torn = "a zero-filled tail of " + std::to_string(left) + " bytes";
        break;
      }
      if (data.find(std::string(magic, 4), off + 1) == std::string::npos) {
        torn = "a damaged record header in the last " + std::to_string(left) + " bytes";
        break;
      }
      return corrupt("has a damaged header");
    }
    uint32_t len = get_u32(p + 4);
    if (len > max_record_bytes)
      return corrupt("claims " + std::to_string(len) + " bytes");
    if (left < header_size + len) {
      torn = "a record cut short (" + std::to_string(left) + " of " + std::to_string(header_size + len) + " bytes)";
      break;
    }
    std::string_view payload(p + header_size, len);
    bool last = left == header_size + len;
    if (crc32(payload) != get_u32(p + 8)) {
      if (last) {
        torn = "a last record whose checksum does not match";
        break;
      }
      return corrupt("fails its checksum");
    }
    auto e = decode_payload(payload);
    if (!e)
      return corrupt("does not decode (" + e.err().message + ")");
    key k{e->height, e->round, e->kind};
    auto [it, inserted] = entries_.emplace(k, *e);
    if (!inserted && !(it->second == *e))
      return corrupt("records a second, different entry for height " + std::to_string(e->height) + " round " +
                     std::to_string(e->round) + " kind " + std::to_string(e->kind));
    off += header_size + len;
  }
  if (!torn.empty()) {
    note_ = "vote log " + path_ + ": dropped " + torn + " at byte " + std::to_string(off) +
            " (an append interrupted by a crash; its signature was never released)";
    if (::ftruncate(fd_, static_cast<off_t>(off)) != 0 || (durable_ && ::fsync(fd_) != 0))
      return make_error(errc::io_error, sys_error("cannot truncate the torn tail of vote log", path_));
  }
  file_size_ = off;
  return {};
}

const wal_entry* vote_wal::find(uint64_t height, uint32_t round, uint8_t kind) const {
  auto it = entries_.find(key{height, round, kind});
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<wal_entry> vote_wal::at_height(uint64_t height) const {
  std::vector<wal_entry> out;
  for (auto it = entries_.lower_bound(key{height, 0, 0}); it != entries_.end() && std::get<0>(it->first) == height; ++it)
    out.push_back(it->second);
  return out;
}

status vote_wal::append(const wal_entry& e) {
  if (failed_)
    return make_error(errc::io_error, "vote log " + path_ + " failed earlier; restart the node");
  key k{e.height, e.round, e.kind};
  if (entries_.count(k))
    return make_error(errc::conflict, "vote log " + path_ + " already records height " + std::to_string(e.height) +
                                          " round " + std::to_string(e.round) + " kind " + std::to_string(e.kind));
  auto rec = encode_wal_record(e);
  if (rec.size() > header_size + max_record_bytes)
    return make_error(errc::invalid_input, "vote log record too large");
  auto st = write_all(fd_, rec, path_);
  if (st && durable_ && ::fdatasync(fd_) != 0)
    st = make_error(errc::io_error, sys_error("cannot sync vote log", path_));
  if (!st) {
    // Take the partial record back so the file stays a clean sequence; either way nothing more
    // may be appended (after a failed fsync the kernel's page state is unknown).
    [[maybe_unused]] int rc = ::ftruncate(fd_, static_cast<off_t>(file_size_));
    failed_ = true;
    return st;
  }
  file_size_ += rec.size();
  entries_.emplace(k, e);
  return {};
}

status vote_wal::prune_below(uint64_t height) {
  if (failed_)
    return make_error(errc::io_error, "vote log " + path_ + " failed earlier; restart the node");
  auto first_kept = entries_.lower_bound(key{height, 0, 0});
  if (first_kept == entries_.begin())
    return {};
  std::string data;
  for (auto it = first_kept; it != entries_.end(); ++it)
    data += encode_wal_record(it->second);
  std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error(errc::io_error, sys_error("cannot create", tmp));
  auto st = write_all(fd, data, tmp);
  if (st && durable_ && ::fsync(fd) != 0)
    st = make_error(errc::io_error, sys_error("cannot sync", tmp));
  if (st && ::flock(fd, LOCK_EX | LOCK_NB) != 0)
    st = make_error(errc::io_error, sys_error("cannot lock", tmp));
  if (st && ::rename(tmp.c_str(), path_.c_str()) != 0)
    st = make_error(errc::io_error, sys_error("cannot replace vote log with", tmp));
  if (!st) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return st;
  }
  if (durable_)
    if (auto d = sync_dir(path_); !d) {
      ::close(fd);
      failed_ = true;
      return d;
    }
  // The new file (already locked, opened for appending) becomes the log.
  ::close(fd_);
  fd_ = fd;
  entries_.erase(entries_.begin(), first_kept);
  file_size_ = data.size();
  return {};
}

} // namespace mantle
