#include "actors/plugin_host/plugin_loader.hpp"
#include "actors/actor_name.hpp"

#include <dlfcn.h>
#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "messages/plugin_api.hpp"

namespace mantle {

namespace {

error refused(errc c, const std::string& path, const std::string& why) {
  return make_error(c, "plugin '" + path + "': " + why);
}

std::string dl_error() {
  const char* e = dlerror();
  return e ? e : "unknown dlopen error";
}

} // namespace


result<opened_plugin> open_plugin(const std::string& path, unsigned abi_version, unsigned caf_version) {
  if (path.empty())
    return make_error(errc::invalid_input, "plugin path is empty");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return refused(errc::not_found, path, "no such file");
  if (!S_ISREG(st.st_mode))
    return refused(errc::invalid_input, path, "not a regular file");
  char buf[PATH_MAX];
  if (!::realpath(path.c_str(), buf))
    return refused(errc::io_error, path, "cannot resolve the path");
  opened_plugin out;
  out.path = buf; // with a '/', so dlopen never searches the library path for it
  // RTLD_NOW: unresolved symbols fail here, not later inside a running actor. RTLD_LOCAL: the
  // plugin's symbols stay out of the global namespace, so two plugins never clash.
  dlerror();
  out.handle = ::dlopen(out.path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!out.handle)
    return refused(errc::invalid_input, path, "not a loadable shared object: " + dl_error());
  auto close = [&] { ::dlclose(out.handle); };
  dlerror();
  void* sym = ::dlsym(out.handle, MANTLE_PLUGIN_ENTRY_SYMBOL);
  if (!sym) {
    close();
    return refused(errc::invalid_input, path,
                   std::string("no ") + MANTLE_PLUGIN_ENTRY_SYMBOL +
                     " symbol: not a Mantle plugin (define it with MANTLE_PLUGIN from messages/plugin_api.hpp)");
  }
  auto entry = reinterpret_cast<mantle_plugin_entry_fn>(sym);
  const mantle_plugin_descriptor* d = entry();
  if (!d) {
    close();
    return refused(errc::invalid_input, path, std::string(MANTLE_PLUGIN_ENTRY_SYMBOL) + " returned no descriptor");
  }
  // The ABI version first: with another one the rest of the struct may be laid out differently.
  if (d->abi_version != abi_version) {
    auto got = d->abi_version;
    close();
    return refused(errc::unsupported, path,
                   "plugin ABI version " + std::to_string(got) + ", this node speaks " + std::to_string(abi_version) +
                     ": rebuild the plugin against this node's messages/plugin_api.hpp");
  }
  if (d->caf_version != caf_version) {
    auto got = d->caf_version;
    close();
    return refused(errc::unsupported, path,
                   "built with CAF " + std::to_string(got) + ", this node runs CAF " + std::to_string(caf_version) +
                     ": rebuild the plugin with the node's CAF headers");
  }
  std::string name = d->name ? d->name : "";
  if (!valid_actor_name(name)) {
    close();
    return refused(errc::invalid_input, path,
                   "invalid plugin name '" + name + "': use 1 to 10 characters of [A-Za-z0-9_]");
  }
  if (!d->version || !d->spawn) {
    close();
    return refused(errc::invalid_input, path, std::string("descriptor of '") + name + "' lacks " +
                                                (d->version ? "a spawn function" : "a version"));
  }
  out.descriptor = d;
  return out;
}

} // namespace mantle
