// Exclusive advisory lock on <data-dir>/repo.lock so two nodes never share a data directory
// (LMDB and the signed-vote WAL would be corrupted). flock() locks are dropped by the kernel
// when the process dies, so a crash never leaves a stale lock behind.
#pragma once
#include <string>
#include "storage/result.hpp"

namespace mantle {

class repo_lock {
public:
  // Creates `dir` (and parents) if needed, then locks `dir`/repo.lock without waiting;
  // errc::conflict when another process (or another repo_lock here) holds it.
  static result<repo_lock> acquire(const std::string& dir);

  repo_lock(repo_lock&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) { o.fd_ = -1; }
  repo_lock& operator=(repo_lock&& o) noexcept;
  repo_lock(const repo_lock&) = delete;
  repo_lock& operator=(const repo_lock&) = delete;
  ~repo_lock();

  const std::string& path() const { return path_; }

private:
  repo_lock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

// mkdir -p with mode 0700 for the directories it creates.
status make_directories(const std::string& dir);

} // namespace mantle
