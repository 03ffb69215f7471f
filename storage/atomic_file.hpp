// Small files replaced as a whole (state the node keeps beside its databases): the new content
// goes to "<path>.tmp", is fsynced and renamed over `path`, and the directory is fsynced, so a
// crash leaves either the old file or the new one, never a mix.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "storage/result.hpp"

namespace mantle {

status write_file_atomic(const std::string& path, std::string_view bytes, unsigned mode = 0600);

// The whole file, std::nullopt when it does not exist; larger than max_bytes is errc::corrupt.
result<std::optional<std::string>> read_small_file(const std::string& path, size_t max_bytes);

} // namespace mantle
