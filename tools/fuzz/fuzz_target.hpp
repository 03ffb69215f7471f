// Fuzz targets: each takes arbitrary bytes, feeds them to one parser or decoder the node exposes
// to the outside (HTTP, peers, CAR files, stored records, config) and checks what must hold for
// any input. A crash, a sanitizer report or a failed check() is a bug.
//
// The same functions run under libFuzzer (tools/fuzz/run.sh, clang) and, for every input kept in
// tools/fuzz/corpus/<target>/, in the Catch2 suite (tests/tools/fuzz), so a fixed bug stays fixed.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>

namespace mantle::fuzz {

// A property that must hold for every input. Thrown, so libFuzzer reports it as a crash and
// Catch2 as a failure with the message.
struct violation : std::logic_error {
  using std::logic_error::logic_error;
};

inline void check(bool cond, const char* what) {
  if (!cond)
    throw violation(what);
}

// encode(decode(x)) must decode again, to something that encodes to the same bytes.
template <class Decode, class Encode>
void check_roundtrip(std::string_view in, Decode decode, Encode encode, const char* what) {
  auto first = decode(in);
  if (!first)
    return;
  std::string bytes = encode(*first);
  auto second = decode(bytes);
  if (!second)
    throw violation(std::string(what) + ": its own encoding does not decode: " +
                    second.err().describe());
  if (encode(*second) != bytes)
    throw violation(std::string(what) + ": encoding is not stable across a decode");
}

using target_fn = void (*)(std::string_view);

struct target {
  const char* name;
  target_fn run;
};

void multiformats(std::string_view in);
void dag_pb(std::string_view in);
void car(std::string_view in);
void exporter(std::string_view in);
void chain(std::string_view in);
void records(std::string_view in);
void http_inputs(std::string_view in);
void multipart(std::string_view in);
void config(std::string_view in);
void want_engine(std::string_view in);
void http_api(std::string_view in);
void http_wire(std::string_view in);
void store_ops(std::string_view in); // target "block_store"

inline constexpr target targets[] = {
    {"multiformats", multiformats}, {"dag_pb", dag_pb},   {"car", car},
    {"exporter", exporter},         {"chain", chain},     {"records", records},
    {"http_inputs", http_inputs},   {"multipart", multipart}, {"config", config},
    {"want_engine", want_engine},   {"http_api", http_api},
    {"http_wire", http_wire},       {"block_store", store_ops},
};

// Splits fuzz input into a selector byte and the rest, so one target covers several parsers.
inline unsigned char take_selector(std::string_view& in) {
  if (in.empty())
    return 0;
  unsigned char s = static_cast<unsigned char>(in.front());
  in.remove_prefix(1);
  return s;
}

} // namespace mantle::fuzz
