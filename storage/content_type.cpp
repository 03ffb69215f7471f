#include "storage/content_type.hpp"

#include <cstdint>
#include <cstring>

namespace mantle::web {

namespace {

struct ext_type {
  const char* ext;
  const char* type;
};

// Lower-case extensions without the dot. Text types say utf-8: content on IPFS has no other
// channel for its charset, and UTF-8 is what web tooling writes.
const ext_type ext_types[] = {
  {"html", "text/html; charset=utf-8"}, {"htm", "text/html; charset=utf-8"},
  {"xhtml", "application/xhtml+xml"},
  {"css", "text/css; charset=utf-8"},
  {"js", "text/javascript; charset=utf-8"}, {"mjs", "text/javascript; charset=utf-8"},
  {"cjs", "text/javascript; charset=utf-8"},
  {"json", "application/json"}, {"map", "application/json"}, {"jsonld", "application/ld+json"},
  {"webmanifest", "application/manifest+json"},
  {"wasm", "application/wasm"},
  {"txt", "text/plain; charset=utf-8"}, {"text", "text/plain; charset=utf-8"},
  {"md", "text/markdown; charset=utf-8"}, {"markdown", "text/markdown; charset=utf-8"},
  {"csv", "text/csv; charset=utf-8"}, {"tsv", "text/tab-separated-values; charset=utf-8"},
  {"xml", "text/xml; charset=utf-8"}, {"xsl", "text/xml; charset=utf-8"},
  {"rss", "application/rss+xml"}, {"atom", "application/atom+xml"},
  {"ics", "text/calendar; charset=utf-8"}, {"vtt", "text/vtt; charset=utf-8"},
  {"yaml", "application/yaml"}, {"yml", "application/yaml"}, {"toml", "application/toml"},
  {"svg", "image/svg+xml"}, {"svgz", "image/svg+xml"},
  {"png", "image/png"}, {"apng", "image/apng"},
  {"jpg", "image/jpeg"}, {"jpeg", "image/jpeg"}, {"jpe", "image/jpeg"}, {"jfif", "image/jpeg"},
  {"gif", "image/gif"}, {"webp", "image/webp"}, {"avif", "image/avif"},
  {"ico", "image/x-icon"}, {"cur", "image/x-icon"}, {"bmp", "image/bmp"},
  {"tif", "image/tiff"}, {"tiff", "image/tiff"}, {"heic", "image/heic"}, {"jxl", "image/jxl"},
  {"pdf", "application/pdf"}, {"ps", "application/postscript"},
  {"mp4", "video/mp4"}, {"m4v", "video/mp4"}, {"webm", "video/webm"}, {"ogv", "video/ogg"},
  {"mov", "video/quicktime"}, {"mkv", "video/x-matroska"}, {"avi", "video/x-msvideo"},
  {"mpeg", "video/mpeg"}, {"mpg", "video/mpeg"}, {"ts", "video/mp2t"}, {"m3u8", "application/vnd.apple.mpegurl"},
  {"mp3", "audio/mpeg"}, {"ogg", "audio/ogg"}, {"oga", "audio/ogg"}, {"opus", "audio/ogg"},
  {"wav", "audio/wav"}, {"flac", "audio/flac"}, {"m4a", "audio/mp4"}, {"aac", "audio/aac"},
  {"mid", "audio/midi"}, {"midi", "audio/midi"}, {"weba", "audio/webm"},
  {"woff", "font/woff"}, {"woff2", "font/woff2"}, {"ttf", "font/ttf"}, {"otf", "font/otf"},
  {"ttc", "font/collection"}, {"eot", "application/vnd.ms-fontobject"},
  {"zip", "application/zip"}, {"gz", "application/gzip"}, {"tgz", "application/gzip"},
  {"tar", "application/x-tar"}, {"bz2", "application/x-bzip2"}, {"xz", "application/x-xz"},
  {"zst", "application/zstd"}, {"7z", "application/x-7z-compressed"}, {"rar", "application/vnd.rar"},
  {"car", "application/vnd.ipld.car"},
  {"epub", "application/epub+zip"},
};

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_ws(unsigned char c) { // WHATWG whitespace bytes
  return c == 0x09 || c == 0x0a || c == 0x0c || c == 0x0d || c == 0x20;
}

bool starts_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && std::memcmp(s.data(), p.data(), p.size()) == 0;
}

bool starts_with_nocase(std::string_view s, std::string_view p) {
  if (s.size() < p.size())
    return false;
  for (size_t i = 0; i < p.size(); ++i)
    if (lower(s[i]) != lower(p[i]))
      return false;
  return true;
}

std::string_view skip_ws(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && is_ws(static_cast<unsigned char>(s[i])))
    ++i;
  return s.substr(i);
}

// WHATWG "binary data byte": controls other than TAB, LF, FF, CR and ESC.
bool is_binary_byte(unsigned char c) {
  return c <= 0x08 || c == 0x0b || (c >= 0x0e && c <= 0x1a) || (c >= 0x1c && c <= 0x1f);
}

// HTML patterns: a tag name followed by a tag-terminating byte (space or '>').
bool html_tag(std::string_view s) {
  static const char* tags[] = {"<!DOCTYPE HTML", "<HTML", "<HEAD", "<SCRIPT", "<IFRAME", "<H1", "<DIV",
                               "<FONT", "<TABLE", "<A", "<STYLE", "<TITLE", "<B", "<BODY", "<BR",
                               "<P", "<!--"};
  for (const char* t : tags) {
    size_t n = std::strlen(t);
    if (starts_with_nocase(s, t) && s.size() > n && (s[n] == ' ' || s[n] == '>'))
      return true;
  }
  return false;
}

// An XML or HTML-ish text whose first element is <svg>, after an XML declaration, comments,
// processing instructions and a doctype.
bool looks_like_svg(std::string_view s) {
  for (int guard = 0; guard < 32; ++guard) {
    s = skip_ws(s);
    size_t end = std::string_view::npos;
    if (starts_with(s, "<?"))
      end = s.find("?>"), end = end == std::string_view::npos ? end : end + 2;
    else if (starts_with(s, "<!--"))
      end = s.find("-->"), end = end == std::string_view::npos ? end : end + 3;
    else if (starts_with_nocase(s, "<!DOCTYPE"))
      end = s.find('>'), end = end == std::string_view::npos ? end : end + 1;
    else
      break;
    if (end == std::string_view::npos)
      return false;
    s = s.substr(end);
  }
  return starts_with(s, "<svg") && s.size() > 4 &&
         (is_ws(static_cast<unsigned char>(s[4])) || s[4] == '>' || s[4] == '/');
}

uint32_t be32(std::string_view s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) |
         (uint32_t(uint8_t(s[at + 2])) << 8) | uint32_t(uint8_t(s[at + 3]));
}

// WHATWG "matches the signature for MP4": an ftyp box whose major or a compatible brand is mp4*.
bool is_mp4(std::string_view s) {
  if (s.size() < 12)
    return false;
  uint32_t box = be32(s, 0);
  if (box < 12 || box % 4 != 0 || box > s.size() || s.substr(4, 4) != "ftyp")
    return false;
  if (s.substr(8, 3) == "mp4")
    return true;
  for (size_t at = 16; at + 3 <= box; at += 4)
    if (s.substr(at, 3) == "mp4")
      return true;
  return false;
}

// EBML header whose DocType element (0x4282) says "webm".
bool is_webm(std::string_view s) {
  if (!starts_with(s, "\x1a\x45\xdf\xa3"))
    return false;
  for (size_t i = 4; i + 6 <= s.size() && i < 38; ++i)
    if (s[i] == '\x42' && s[i + 1] == '\x82') {
      // A one-byte size 0x84 (length 4) or a longer encoding, then the text.
      auto rest = s.substr(i + 2);
      size_t skip = 1;
      if (!rest.empty() && (uint8_t(rest[0]) & 0x80) == 0)
        skip = 1 + (uint8_t(rest[0]) & 0x40 ? 1 : (uint8_t(rest[0]) & 0x20 ? 2 : 3));
      return rest.size() >= skip + 4 && rest.substr(skip, 4) == "webm";
    }
  return false;
}

struct sig {
  std::string_view prefix;
  const char* type;
};

} // namespace

std::optional<std::string> content_type_for_name(std::string_view name) {
  auto slash = name.find_last_of('/');
  if (slash != std::string_view::npos)
    name = name.substr(slash + 1);
  auto dot = name.find_last_of('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size())
    return std::nullopt; // no extension, or a dot file like ".htaccess"
  std::string ext(name.substr(dot + 1));
  for (auto& c : ext)
    c = lower(c);
  for (const auto& e : ext_types)
    if (ext == e.ext)
      return std::string(e.type);
  return std::nullopt;
}

std::string sniff_content_type(std::string_view head) {
  using namespace std::string_view_literals;
  if (head.size() > sniff_length)
    head = head.substr(0, sniff_length);
  if (head.empty())
    return "text/plain; charset=utf-8";

  // Byte order marks decide text first.
  if (starts_with(head, "\xfe\xff"))
    return "text/plain; charset=utf-16be";
  if (starts_with(head, "\xff\xfe"))
    return "text/plain; charset=utf-16le";
  bool utf8_bom = starts_with(head, "\xef\xbb\xbf");
  std::string_view text = utf8_bom ? head.substr(3) : head;

  // Markup, after leading whitespace.
  auto t = skip_ws(text);
  if (looks_like_svg(t))
    return "image/svg+xml";
  if (html_tag(t))
    return "text/html; charset=utf-8";
  if (starts_with(t, "<?xml"))
    return "text/xml; charset=utf-8";
  if (utf8_bom)
    return "text/plain; charset=utf-8";

  static const sig exact[] = {
    {"%PDF-"sv, "application/pdf"},
    {"%!PS-Adobe-"sv, "application/postscript"},
    {"\x89PNG\r\n\x1a\n"sv, "image/png"},
    {"\xff\xd8\xff"sv, "image/jpeg"},
    {"GIF87a"sv, "image/gif"},
    {"GIF89a"sv, "image/gif"},
    {"BM"sv, "image/bmp"},
    {"\x00\x00\x01\x00"sv, "image/x-icon"},
    {"\x00\x00\x02\x00"sv, "image/x-icon"},
    {"ID3"sv, "audio/mpeg"},
    {"OggS\x00"sv, "application/ogg"},
    {"MThd\x00\x00\x00\x06"sv, "audio/midi"},
    {"fLaC"sv, "audio/flac"},
    {"\x00\x01\x00\x00"sv, "font/ttf"},
    {"OTTO"sv, "font/otf"},
    {"ttcf"sv, "font/collection"},
    {"wOFF"sv, "font/woff"},
    {"wOF2"sv, "font/woff2"},
    {"\x1f\x8b\x08"sv, "application/gzip"},
    {"PK\x03\x04"sv, "application/zip"},
    {"Rar!\x1a\x07\x00"sv, "application/vnd.rar"},
    {"Rar!\x1a\x07\x01\x00"sv, "application/vnd.rar"},
    {"7z\xbc\xaf\x27\x1c"sv, "application/x-7z-compressed"},
    {"\x00" "asm"sv, "application/wasm"},
  };
  for (const auto& s : exact)
    if (starts_with(head, s.prefix))
      return s.type;
  // RIFF and IFF containers: the form type sits at offset 8.
  if (head.size() >= 12) {
    auto form = head.substr(8, 4);
    if (starts_with(head, "RIFF")) {
      if (form == "WEBP")
        return "image/webp";
      if (form == "WAVE")
        return "audio/wav";
      if (form == "AVI ")
        return "video/x-msvideo";
    }
    if (starts_with(head, "FORM") && form == "AIFF")
      return "audio/aiff";
    if (head.substr(4, 8) == "ftypavif")
      return "image/avif";
  }
  if (is_mp4(head))
    return "video/mp4";
  if (is_webm(head))
    return "video/webm";
  if (head.size() >= 262 && head.substr(257, 5) == "ustar")
    return "application/x-tar";

  for (char c : head)
    if (is_binary_byte(static_cast<unsigned char>(c)))
      return "application/octet-stream";
  return "text/plain; charset=utf-8";
}

std::string content_type(std::string_view file_name, std::string_view head) {
  if (auto t = content_type_for_name(file_name))
    return *t;
  return sniff_content_type(head);
}

} // namespace mantle::web
