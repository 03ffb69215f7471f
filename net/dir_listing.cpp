#include "net/dir_listing.hpp"

#include <cstdio>

namespace mantle {

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string href_segment(std::string_view name) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(name.size());
  for (unsigned char ch : name) {
    bool keep = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                ch == '-' || ch == '_' || ch == '.' || ch == '~';
    if (keep) {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += hex[ch >> 4];
      out += hex[ch & 15];
    }
  }
  return out;
}

std::string human_size(uint64_t bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024)
    return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 6) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

std::string render_dir_listing(const dir_listing_page& page,
                               const std::vector<unixfs::dir_entry>& entries) {
  std::string out;
  out.reserve(1024 + entries.size() * 260);
  auto title = html_escape(page.content_path);
  out += "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>";
  out += title;
  out += "</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
         "td{padding:.2em 1em .2em 0}td.cid{font-family:monospace;font-size:.85em;color:#555}"
         "td.size{text-align:right}</style>\n</head>\n<body>\n<h1>Index of ";
  out += title;
  out += "</h1>\n<p>";
  out += html_escape(page.dir.str());
  out += " &middot; ";
  out += human_size(page.dir_size);
  out += " &middot; ";
  out += std::to_string(entries.size());
  out += entries.size() == 1 ? " entry" : " entries";
  out += "</p>\n<table>\n";
  if (page.has_parent)
    out += "<tr><td><a href=\"../\">..</a></td><td></td><td></td></tr>\n";
  auto base = html_escape(page.url_path);
  for (const auto& e : entries) {
    bool dir = e.kind == unixfs::node_kind::directory || e.kind == unixfs::node_kind::hamt_directory;
    auto id = e.id.str();
    out += "<tr><td><a href=\"";
    out += base;
    out += href_segment(e.name);
    if (dir)
      out += '/';
    out += "\">";
    out += html_escape(e.name);
    if (dir)
      out += '/';
    out += "</a></td><td class=\"cid\"><a href=\"/ipfs/";
    out += id;
    out += "?filename=";
    out += href_segment(e.name);
    out += "\">";
    out += id;
    out += "</a></td><td class=\"size\">";
    out += human_size(e.size);
    out += "</td></tr>\n";
  }
  out += "</table>\n</body>\n</html>\n";
  return out;
}

} // namespace mantle
