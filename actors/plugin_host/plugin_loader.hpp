// Opening a plugin shared object and checking its descriptor (messages/plugin_api.hpp), before
// anything of it is handed to CAF. Each failure has its own message: the file is missing or not
// a regular file, it is not a loadable shared object (or lacks symbols it needs), it has no
// entry point, the entry point returns nothing, the ABI or CAF version differs from the node's,
// the name is not a CAF atom, or it has no spawn function.
//
// A library that fails a check is closed again (nothing of it reached CAF; only its static
// constructors ran). One that passes is never closed: see plugin_api.hpp for why.
#pragma once
#include <string>

#include "storage/result.hpp"

struct mantle_plugin_descriptor;

namespace mantle {

struct opened_plugin {
  std::string path; // absolute, symlinks resolved
  void* handle = nullptr;
  const mantle_plugin_descriptor* descriptor = nullptr;
};

// `caf_version` is the node's (CAF_VERSION); `abi_version` the node's MANTLE_PLUGIN_ABI_VERSION
// (parameters so tests can check the refusals).
result<opened_plugin> open_plugin(const std::string& path, unsigned abi_version, unsigned caf_version);

} // namespace mantle
