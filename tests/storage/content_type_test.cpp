#include <catch2/catch.hpp>

#include "storage/content_type.hpp"

using namespace mantle::web;
using namespace std::string_literals;

TEST_CASE("types from file extensions", "[content_type]") {
  CHECK(*content_type_for_name("index.html") == "text/html; charset=utf-8");
  CHECK(*content_type_for_name("/a/b/INDEX.HTM") == "text/html; charset=utf-8");
  CHECK(*content_type_for_name("style.css") == "text/css; charset=utf-8");
  CHECK(*content_type_for_name("app.js") == "text/javascript; charset=utf-8");
  CHECK(*content_type_for_name("mod.mjs") == "text/javascript; charset=utf-8");
  CHECK(*content_type_for_name("data.json") == "application/json");
  CHECK(*content_type_for_name("app.js.map") == "application/json");
  CHECK(*content_type_for_name("m.wasm") == "application/wasm");
  CHECK(*content_type_for_name("logo.svg") == "image/svg+xml");
  CHECK(*content_type_for_name("a.png") == "image/png");
  CHECK(*content_type_for_name("a.jpg") == "image/jpeg");
  CHECK(*content_type_for_name("a.JPEG") == "image/jpeg");
  CHECK(*content_type_for_name("a.gif") == "image/gif");
  CHECK(*content_type_for_name("a.webp") == "image/webp");
  CHECK(*content_type_for_name("a.avif") == "image/avif");
  CHECK(*content_type_for_name("favicon.ico") == "image/x-icon");
  CHECK(*content_type_for_name("readme.txt") == "text/plain; charset=utf-8");
  CHECK(*content_type_for_name("README.md") == "text/markdown; charset=utf-8");
  CHECK(*content_type_for_name("feed.xml") == "text/xml; charset=utf-8");
  CHECK(*content_type_for_name("paper.pdf") == "application/pdf");
  CHECK(*content_type_for_name("v.mp4") == "video/mp4");
  CHECK(*content_type_for_name("v.webm") == "video/webm");
  CHECK(*content_type_for_name("s.mp3") == "audio/mpeg");
  CHECK(*content_type_for_name("s.ogg") == "audio/ogg");
  CHECK(*content_type_for_name("s.wav") == "audio/wav");
  CHECK(*content_type_for_name("f.woff") == "font/woff");
  CHECK(*content_type_for_name("f.woff2") == "font/woff2");
  CHECK(*content_type_for_name("f.ttf") == "font/ttf");
  CHECK(*content_type_for_name("f.otf") == "font/otf");
  CHECK(*content_type_for_name("x.zip") == "application/zip");
  CHECK(*content_type_for_name("x.tar.gz") == "application/gzip");
  CHECK(*content_type_for_name("x.tar") == "application/x-tar");
  CHECK(*content_type_for_name("t.csv") == "text/csv; charset=utf-8");
  CHECK_FALSE(content_type_for_name("Makefile"));
  CHECK_FALSE(content_type_for_name(".htaccess"));
  CHECK_FALSE(content_type_for_name("file."));
  CHECK_FALSE(content_type_for_name("x.unknownext"));
  CHECK_FALSE(content_type_for_name("dir.html/file"));
}

TEST_CASE("sniffing markup", "[content_type]") {
  CHECK(sniff_content_type("<!DOCTYPE html><html>") == "text/html; charset=utf-8");
  CHECK(sniff_content_type("\n\t  <html lang=en>") == "text/html; charset=utf-8");
  CHECK(sniff_content_type("<HTML>") == "text/html; charset=utf-8");
  CHECK(sniff_content_type("<p>hello</p>") == "text/html; charset=utf-8");
  CHECK(sniff_content_type("<!-- c --><div>") == "text/html; charset=utf-8");
  CHECK(sniff_content_type("\xef\xbb\xbf<html>") == "text/html; charset=utf-8");
  // A tag name must end at a space or '>': "<pre" is not "<p", "<html" alone is not a tag yet.
  CHECK(sniff_content_type("<pre>") == "text/plain; charset=utf-8");
  CHECK(sniff_content_type("<html") == "text/plain; charset=utf-8");
  CHECK(sniff_content_type("<?xml version=\"1.0\"?><feed>") == "text/xml; charset=utf-8");
}

TEST_CASE("sniffing SVG", "[content_type]") {
  CHECK(sniff_content_type("<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>") == "image/svg+xml");
  CHECK(sniff_content_type("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- made by hand -->\n"
                           "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x.dtd\">\n<svg>") ==
        "image/svg+xml");
  CHECK(sniff_content_type("<svgfoo>") == "text/plain; charset=utf-8");
  CHECK(sniff_content_type("<?xml version=\"1.0\"?><rss><svg>") == "text/xml; charset=utf-8");
}

TEST_CASE("sniffing binary signatures", "[content_type]") {
  CHECK(sniff_content_type("%PDF-1.7\n") == "application/pdf");
  CHECK(sniff_content_type("%!PS-Adobe-3.0") == "application/postscript");
  CHECK(sniff_content_type("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"s) == "image/png");
  CHECK(sniff_content_type("\xff\xd8\xff\xe0\0\x10JFIF"s) == "image/jpeg");
  CHECK(sniff_content_type("GIF89a\x01\0") == "image/gif");
  CHECK(sniff_content_type("RIFF\x24\0\0\0WEBPVP8 "s) == "image/webp");
  CHECK(sniff_content_type("RIFF\x24\0\0\0WAVEfmt "s) == "audio/wav");
  CHECK(sniff_content_type("RIFF\x24\0\0\0AVI LIST"s) == "video/x-msvideo");
  CHECK(sniff_content_type("\0\0\x01\0\x01\0"s) == "image/x-icon");
  CHECK(sniff_content_type("ID3\x04\0\0"s) == "audio/mpeg");
  CHECK(sniff_content_type("OggS\0\x02"s) == "application/ogg");
  CHECK(sniff_content_type("wOFF\0\x01"s) == "font/woff");
  CHECK(sniff_content_type("wOF2\0\x01"s) == "font/woff2");
  CHECK(sniff_content_type("\0\x01\0\0\0\x10"s) == "font/ttf");
  CHECK(sniff_content_type("OTTO\0\x10"s) == "font/otf");
  CHECK(sniff_content_type("\x1f\x8b\x08\0\0\0"s) == "application/gzip");
  CHECK(sniff_content_type("PK\x03\x04\x14\0"s) == "application/zip");
  CHECK(sniff_content_type("Rar!\x1a\x07\x01\0"s) == "application/vnd.rar");
  CHECK(sniff_content_type("\0asm\x01\0\0\0"s) == "application/wasm");
  // ftyp box (size 24) with brand isom and compatible brand mp41.
  CHECK(sniff_content_type("\0\0\0\x18" "ftypisom\0\0\x02\0" "isommp41"s) == "video/mp4");
  CHECK(sniff_content_type("\0\0\0\x1c" "ftypavif\0\0\0\0" "avifmif1miaf"s) == "image/avif");
  // EBML header with DocType "webm".
  CHECK(sniff_content_type("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm"s) == "video/webm");
  std::string tar(512, '\0');
  tar.replace(0, 5, "a.txt");
  tar.replace(257, 6, "ustar\0"s);
  CHECK(sniff_content_type(tar) == "application/x-tar");
}

TEST_CASE("text versus binary", "[content_type]") {
  CHECK(sniff_content_type("") == "text/plain; charset=utf-8");
  CHECK(sniff_content_type("hello world\r\n\tTabs and \x1b[1mANSI\f") == "text/plain; charset=utf-8");
  CHECK(sniff_content_type("caf\xc3\xa9 UTF-8") == "text/plain; charset=utf-8");
  CHECK(sniff_content_type("\xfe\xff\0h\0i"s) == "text/plain; charset=utf-16be");
  CHECK(sniff_content_type("\xff\xfeh\0i\0"s) == "text/plain; charset=utf-16le");
  CHECK(sniff_content_type("abc\0def"s) == "application/octet-stream");
  CHECK(sniff_content_type("abc\x01") == "application/octet-stream");
  // Only the first 512 bytes count.
  std::string late(600, 'a');
  late[550] = '\0';
  CHECK(sniff_content_type(late) == "text/plain; charset=utf-8");
  late[500] = '\0';
  CHECK(sniff_content_type(late) == "application/octet-stream");
}

TEST_CASE("extension first, then sniffing", "[content_type]") {
  CHECK(content_type("page.html", "\x89PNG\r\n\x1a\n") == "text/html; charset=utf-8");
  CHECK(content_type("noext", "\x89PNG\r\n\x1a\n") == "image/png");
  CHECK(content_type("", "<html>") == "text/html; charset=utf-8");
  CHECK(content_type("x.bin", "\x01\x02") == "application/octet-stream");
}
