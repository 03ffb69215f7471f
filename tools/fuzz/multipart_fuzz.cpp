// multipart/form-data bodies as RPC add and dag/import receive them, fed in slices of a
// fuzzer-chosen size: the reader's state must not depend on where the body is cut.
#include <vector>
#include "net/multipart_reader.hpp"
#include "tools/fuzz/fuzz_target.hpp"

namespace mantle::fuzz {

namespace {

struct outcome {
  bool ok = false;
  std::vector<std::string> names;
  std::vector<std::string> bodies;
};

outcome read_all(std::string_view body, size_t slice) {
  outcome o;
  bool open = false;
  multipart_callbacks cb;
  cb.on_part_begin = [&](const multipart_part& p) -> status {
    check(!open, "a part began before the previous one ended");
    open = true;
    (void)p.header("content-disposition");
    (void)p.is_file();
    o.names.push_back(p.name);
    o.bodies.emplace_back();
    return {};
  };
  cb.on_part_data = [&](std::string_view d) -> status {
    check(open, "part data outside a part");
    o.bodies.back().append(d);
    return {};
  };
  cb.on_part_end = [&]() -> status {
    check(open, "a part ended that never began");
    open = false;
    return {};
  };
  multipart_limits lim;
  lim.max_header_bytes = 512;
  lim.max_parts = 64;
  lim.max_preamble_bytes = 1024;
  multipart_reader r("b0undary", cb, lim);
  for (size_t pos = 0; pos < body.size(); pos += slice)
    if (!r.feed(body.substr(pos, slice)))
      return o;
  o.ok = r.finish().ok();
  if (o.ok)
    check(r.complete() && !open && r.parts() == o.names.size(), "finished with a part still open");
  return o;
}

} // namespace

void multipart(std::string_view in) {
  unsigned char sel = take_selector(in);
  if (sel & 0x80) {
    (void)multipart_reader::boundary_of(in);
    return;
  }
  size_t slice = 1 + sel % 32;
  auto whole = read_all(in, in.size() + 1);
  auto cut = read_all(in, slice);
  check(whole.ok == cut.ok, "where the body is cut decides whether it parses");
  if (whole.ok)
    check(whole.names == cut.names && whole.bodies == cut.bodies,
          "where the body is cut changes the parts");
}

} // namespace mantle::fuzz
