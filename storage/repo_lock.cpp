#include "storage/repo_lock.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mantle {

status make_directories(const std::string& dir) {
  if (dir.empty())
    return make_error(errc::invalid_input, "empty directory path");
  std::string partial;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    partial = dir.substr(0, pos);
    if (partial.empty())
      continue;
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST)
      return make_error(errc::io_error, "cannot create directory '" + partial + "': " + std::strerror(errno));
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return make_error(errc::io_error, "'" + dir + "' exists but is not a directory");
  return status::success();
}

result<repo_lock> repo_lock::acquire(const std::string& dir) {
  if (auto st = make_directories(dir); !st)
    return st.err();
  std::string path = dir + "/repo.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return make_error(errc::io_error, "cannot open lock file '" + path + "': " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    ::close(fd);
    if (e == EWOULDBLOCK)
      return make_error(errc::conflict, "data directory '" + dir +
                                            "' is in use by another mantled (lock held on " + path +
                                            "); stop it or pick another --data-dir");
    return make_error(errc::io_error, "cannot lock '" + path + "': " + std::strerror(e));
  }
  // The pid is informational only (for the operator); the flock is what excludes.
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0)
    (void)!::pwrite(fd, pid.data(), pid.size(), 0);
  return repo_lock(fd, std::move(path));
}

repo_lock& repo_lock::operator=(repo_lock&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    o.fd_ = -1;
  }
  return *this;
}

repo_lock::~repo_lock() {
  if (fd_ >= 0)
    ::close(fd_); // closing the last descriptor releases the flock
}

} // namespace mantle
