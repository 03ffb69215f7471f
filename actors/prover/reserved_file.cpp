#include "actors/prover/reserved_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <msgpack.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "actors/prover/reserved_space.hpp"
#include "storage/atomic_file.hpp"
#include "storage/msgpack_read.hpp"
#include "storage/msgpack_write.hpp"

namespace mantle::prover {
namespace {

constexpr uint64_t piece = 1 << 20;

error sys_error(const std::string& what, const std::string& path) {
  return make_error(errc::io_error, what + " " + path + ": " + std::strerror(errno));
}

// [bytes, beacon] or [bytes, beacon, root]
result<std::optional<reserved_meta>> read_meta(const std::string& path, bool with_root) {
  auto bytes = read_small_file(path, 4096);
  if (!bytes)
    return bytes.err();
  if (!*bytes)
    return std::optional<reserved_meta>{};
  auto oh = unpack_whole(**bytes, msgpack::unpack_limit(3, 0, 0, 256, 0, 2), "reserved space " + path);
  if (!oh)
    return oh.err();
  const auto& o = oh->get();
  uint32_t n = with_root ? 3 : 2;
  if (o.type != msgpack::type::ARRAY || o.via.array.size != n || o.via.array.ptr[0].type != msgpack::type::POSITIVE_INTEGER ||
      o.via.array.ptr[1].type != msgpack::type::BIN || (with_root && (o.via.array.ptr[2].type != msgpack::type::BIN ||
                                                                      o.via.array.ptr[2].via.bin.size != 32)))
    return make_error(errc::corrupt, "reserved space " + path + ": unexpected record");
  reserved_meta m;
  m.bytes = o.via.array.ptr[0].via.u64;
  m.beacon.assign(o.via.array.ptr[1].via.bin.ptr, o.via.array.ptr[1].via.bin.size);
  if (with_root)
    m.root.assign(o.via.array.ptr[2].via.bin.ptr, 32);
  return std::optional<reserved_meta>{std::move(m)};
}

std::string encode_meta(const reserved_meta& m, bool with_root) {
  msgpack::sbuffer buf;
  msgpack_packer pk(buf);
  pk.pack_array(with_root ? 3 : 2);
  pk.pack_uint64(m.bytes);
  pack_bin(pk, m.beacon);
  if (with_root)
    pack_bin(pk, m.root);
  return std::string(buf.data(), buf.size());
}

status write_all(int fd, const std::string& data, uint64_t offset, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return sys_error("cannot write", path);
    done += static_cast<size_t>(n);
  }
  return {};
}

status read_exact(int fd, char* out, size_t n, uint64_t offset, const std::string& path) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, out + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return sys_error("cannot read", path);
    if (r == 0)
      return make_error(errc::corrupt, path + " is shorter than its reservation");
    done += static_cast<size_t>(r);
  }
  return {};
}

struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0)
      ::close(fd);
  }
};

} // namespace

result<std::optional<reserved_meta>> reserved_file::load() const {
  auto m = read_meta(dir_ + "/reserved.meta", true);
  if (!m || !*m)
    return m;
  struct stat sb;
  if (::stat(labels_path().c_str(), &sb) != 0 || static_cast<uint64_t>(sb.st_size) != (*m)->bytes)
    return make_error(errc::corrupt, "reserved space: " + labels_path() + " does not hold the " +
                                         std::to_string((*m)->bytes) + " bytes its meta file describes");
  return m;
}

result<reserved_meta> reserved_file::generate(const std::string& node_key, const std::string& beacon, uint64_t bytes,
                                              const std::function<bool(uint64_t)>& progress) const {
  if (bytes == 0 || bytes % proof::segment_size != 0)
    return make_error(errc::invalid_input, "reserved space: " + std::to_string(bytes) +
                                               " bytes is not a positive multiple of " +
                                               std::to_string(proof::segment_size));
  if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST)
    return sys_error("cannot create", dir_);
  const std::string tmp = dir_ + "/reserved.labels.tmp";
  const std::string gen = dir_ + "/reserved.gen";
  reserved_meta want{bytes, beacon, {}};

  // Resume the same generation, or start over.
  uint64_t done = 0;
  auto prior = read_meta(gen, false);
  struct stat sb;
  if (prior && *prior && (*prior)->bytes == bytes && (*prior)->beacon == beacon && ::stat(tmp.c_str(), &sb) == 0)
    done = std::min<uint64_t>(static_cast<uint64_t>(sb.st_size) / proof::segment_size * proof::segment_size, bytes);
  else {
    ::unlink(tmp.c_str());
    if (auto s = write_file_atomic(gen, encode_meta(want, false)); !s)
      return s.err();
  }
  fd_guard f;
  f.fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (f.fd < 0)
    return sys_error("cannot open", tmp);
  if (::ftruncate(f.fd, static_cast<off_t>(done)) != 0)
    return sys_error("cannot truncate", tmp);

  proof::tree_builder tree(bytes);
  reserved::label prev{};
  std::string buf;
  for (uint64_t off = 0; off < done;) {
    uint64_t n = std::min(piece, done - off);
    buf.resize(n);
    if (auto s = read_exact(f.fd, buf.data(), n, off, tmp); !s)
      return s.err();
    if (auto s = tree.update(buf); !s)
      return s.err();
    off += n;
    if (off == done)
      std::memcpy(prev.data(), buf.data() + n - reserved::label_size, reserved::label_size);
  }
  uint64_t index = done / reserved::label_size;
  while (done < bytes) {
    uint64_t n = std::min(piece, bytes - done);
    buf.resize(n);
    for (uint64_t o = 0; o < n; o += reserved::label_size, ++index) {
      prev = reserved::make_label(node_key, beacon, index, prev);
      std::memcpy(&buf[o], prev.data(), reserved::label_size);
    }
    if (auto s = write_all(f.fd, buf, done, tmp); !s)
      return s.err();
    if (auto s = tree.update(buf); !s)
      return s.err();
    done += n;
    if (progress && !progress(done))
      return make_error(errc::unavailable, "reserved space: generation cancelled");
  }
  auto sum = tree.finish();
  if (!sum)
    return sum.err();
  if (::fsync(f.fd) != 0)
    return sys_error("cannot sync", tmp);
  want.root.assign(reinterpret_cast<const char*>(sum->root.data()), sum->root.size());

  // The meta goes first and comes back last: it never describes other labels than its own.
  const std::string meta = dir_ + "/reserved.meta";
  if (::unlink(meta.c_str()) != 0 && errno != ENOENT)
    return sys_error("cannot remove", meta);
  if (::rename(tmp.c_str(), labels_path().c_str()) != 0)
    return sys_error("cannot rename onto", labels_path());
  if (auto s = write_file_atomic(meta, encode_meta(want, true)); !s)
    return s.err();
  ::unlink(gen.c_str());
  return want;
}

status reserved_file::clear() const {
  for (const char* name : {"/reserved.meta", "/reserved.labels", "/reserved.labels.tmp", "/reserved.gen"}) {
    std::string p = dir_ + name;
    if (::unlink(p.c_str()) != 0 && errno != ENOENT)
      return sys_error("cannot remove", p);
  }
  return {};
}

proof::segment_reader reserved_file::reader() const {
  std::string path = labels_path();
  auto fd = std::make_shared<fd_guard>();
  return [path, fd](uint64_t offset, size_t n, std::string& out) -> status {
    if (fd->fd < 0) {
      fd->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd->fd < 0)
        return sys_error("cannot open", path);
    }
    size_t at = out.size();
    out.resize(at + n);
    return read_exact(fd->fd, out.data() + at, n, offset, path);
  };
}

} // namespace mantle::prover
