#include "tools/fuzz/sample_site.hpp"
#include <stdexcept>
#include "storage/unixfs_importer.hpp"

namespace mantle::fuzz {

sample_site make_sample_site(block_sink& sink) {
  unixfs::import_options opt;
  opt.cid_version = 1;
  opt.raw_leaves = true;
  opt.chunk_size = 1024;
  opt.width = 8;
  opt.hamt_threshold = 300;
  unixfs::directory_builder dir(sink, opt);
  sample_site s;
  auto add = [&](const std::string& path, const std::string& content) {
    auto f = unixfs::import_bytes(sink, opt, content);
    if (!f || !dir.add_file(path, *f))
      throw std::runtime_error("sample site: cannot import " + path);
    return f->root;
  };
  s.index = add("index.html", "<!DOCTYPE html><html><body>home</body></html>");
  add("docs/a.txt", "alpha\n");
  add("_redirects", "/old /docs/a.txt 301\n/spa/* /index.html 200\n");
  std::string big;
  for (size_t i = 0; i < 20000; ++i)
    big += static_cast<char>('a' + (i * 7919) % 26);
  s.data = add("data.bin", big);
  for (int i = 0; i < 20; ++i)
    add("many/file-" + std::to_string(i) + ".txt", "n" + std::to_string(i));
  (void)dir.add_directory("empty");
  auto dirs = dir.finish();
  if (!dirs || !sink.flush())
    throw std::runtime_error("sample site: cannot finish the directory");
  s.root = dirs->back().second.root;
  return s;
}

} // namespace mantle::fuzz
