#include "storage/result.hpp"

namespace mantle {

const char* to_string(errc c) {
  switch (c) {
    case errc::ok: return "ok";
    case errc::invalid_input: return "invalid input";
    case errc::not_found: return "not found";
    case errc::storage_full: return "storage full";
    case errc::io_error: return "I/O error";
    case errc::corrupt: return "corrupt data";
    case errc::unsupported: return "unsupported";
    case errc::conflict: return "conflict";
    case errc::unavailable: return "unavailable";
    case errc::internal: return "internal error";
    case errc::permission_denied: return "permission denied";
  }
  return "unknown error";
}

} // namespace mantle
