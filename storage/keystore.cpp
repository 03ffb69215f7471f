#include "storage/keystore.hpp"
#include "storage/multibase.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace mantle {
namespace {

std::string hex(std::string_view bytes) { return multibase::base16_encode(bytes); }
result<std::string> unhex(std::string_view text) { return multibase::base16_decode(text); }

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 64)
    return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'))
      return false;
  return true;
}

std::string sys_error(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + std::strerror(errno);
}

} // namespace

result<keystore> keystore::open(const std::string& path) {
  keystore ks;
  ks.path_ = path;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT)
      return ks;
    return make_error(errc::io_error, sys_error("cannot stat keystore", path));
  }
  if (!S_ISREG(st.st_mode))
    return make_error(errc::invalid_input, "keystore '" + path + "' is not a regular file");
  if ((st.st_mode & 077) != 0)
    return make_error(errc::invalid_input, "keystore '" + path + "' is readable by others; chmod 600 it");
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof())
    return make_error(errc::io_error, sys_error("cannot read keystore", path));
  auto doc = nlohmann::json::parse(text.str(), nullptr, false);
  auto bad = [&](const std::string& why) { return make_error(errc::corrupt, "keystore '" + path + "': " + why); };
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("accounts") || !doc["accounts"].is_array())
    return bad("not a JSON object with an \"accounts\" array");
  for (const auto& a : doc["accounts"]) {
    if (!a.is_object() || !a.contains("name") || !a["name"].is_string() || !a.contains("key") || !a["key"].is_string())
      return bad("every account needs a \"name\" and a \"key\"");
    auto name = a["name"].get<std::string>();
    auto bytes = unhex(a["key"].get<std::string>());
    if (!bytes)
      return bad("account '" + name + "': key is not hex");
    auto id = node_identity::from_private_key_protobuf(*bytes);
    if (!id)
      return bad("account '" + name + "': " + id.err().message);
    if (!valid_name(name) || ks.find(name))
      return bad("account name '" + name + "' is invalid or repeated");
    ks.accounts_.push_back({name, std::move(*id)});
  }
  return ks;
}

result<const keystore::account*> keystore::create(const std::string& name, const std::string& seed) {
  if (!valid_name(name))
    return make_error(errc::invalid_input, "account name '" + name + "' must be 1-64 characters of A-Z a-z 0-9 _ . -");
  if (find(name))
    return make_error(errc::conflict, "account '" + name + "' already exists");
  auto id = seed.empty() ? result<node_identity>(node_identity::generate()) : node_identity::from_seed(seed);
  if (!id)
    return id.err();
  accounts_.push_back({name, std::move(*id)});
  if (auto s = save(); !s) {
    accounts_.pop_back();
    return s.err();
  }
  return &accounts_.back();
}

const keystore::account* keystore::find(const std::string& name) const {
  for (const auto& a : accounts_)
    if (a.name == name)
      return &a;
  return nullptr;
}

result<const keystore::account*> keystore::select(const std::string& sel) const {
  if (sel.empty()) {
    if (accounts_.empty())
      return make_error(errc::not_found, "the keystore has no account; create one with `mantle account new NAME`");
    return &accounts_.front();
  }
  if (auto* a = find(sel))
    return a;
  for (const auto& a : accounts_)
    if (hex(a.key.public_key()) == sel)
      return &a;
  return make_error(errc::not_found, "no account '" + sel + "' in the keystore");
}

status keystore::save() const {
  nlohmann::json doc;
  doc["accounts"] = nlohmann::json::array();
  for (const auto& a : accounts_)
    doc["accounts"].push_back({{"name", a.name}, {"key", hex(a.key.private_key_protobuf())}});
  std::string text = doc.dump(2) + "\n";
  std::string tmp = path_ + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_error(errc::io_error, sys_error("cannot create", tmp));
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      auto e = make_error(errc::io_error, sys_error("cannot write", tmp));
      ::close(fd);
      ::unlink(tmp.c_str());
      return e;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    auto e = make_error(errc::io_error, sys_error("cannot sync", tmp));
    ::unlink(tmp.c_str());
    return e;
  }
  if (::rename(tmp.c_str(), path_.c_str()) != 0)
    return make_error(errc::io_error, sys_error("cannot replace keystore", path_));
  return status::success();
}

} // namespace mantle
