// Content-Type of a gateway response: from the file name's extension when it is a common web
// type, otherwise by sniffing the first bytes with the main signatures of the WHATWG MIME
// Sniffing Standard (HTML, XML, PDF, images, audio/video, fonts, archives), plus SVG and
// WebAssembly, falling back to text/plain or application/octet-stream by the binary-byte rule.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mantle::web {

// The sniffer looks at no more than this many leading bytes (the WHATWG resource header size).
constexpr size_t sniff_length = 512;

// Type for the extension of `file_name` (the last path segment is used; case-insensitive),
// nullopt when the name has no extension or an unknown one. Text types carry "; charset=utf-8".
std::optional<std::string> content_type_for_name(std::string_view file_name);

// Type from the content's first bytes (only the first sniff_length are read). Never empty.
std::string sniff_content_type(std::string_view head);

// content_type_for_name, else sniff_content_type.
std::string content_type(std::string_view file_name, std::string_view head);

} // namespace mantle::web
