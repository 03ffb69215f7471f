// Percent-encoding as Kubo and its clients use it: query strings are decoded like Go's
// url.QueryUnescape ('+' means space), multipart filenames are encoded like JS
// encodeURIComponent (which QueryUnescape reads back unchanged).
#pragma once
#include <string>
#include <string_view>
#include "storage/result.hpp"

namespace mantle {

// Decodes %XX escapes; with plus_is_space, '+' becomes ' '. Bad escapes are an error
// (Go rejects them too) so a mangled name never silently turns into another one.
result<std::string> percent_decode(std::string_view in, bool plus_is_space = true);

// Encodes everything but A-Z a-z 0-9 - _ . ! ~ * ' ( ), like encodeURIComponent.
std::string percent_encode_component(std::string_view in);

} // namespace mantle
