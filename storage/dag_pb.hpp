// dag-pb (codec 0x70) nodes as Kubo writes them: links first (Hash, Name, Tsize, always all
// three), then Data. Decoding is strict: unknown fields, wrong wire types and bad CIDs fail.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include "storage/cid.hpp"
#include "storage/result.hpp"

namespace mantle::dag_pb {

struct link {
  cid target;
  std::string name;
  uint64_t tsize = 0; // cumulative size of the target DAG's serialized blocks
};

struct node {
  std::vector<link> links;
  std::optional<std::string> data;
};

std::string encode(const node& n);
result<node> decode(std::string_view bytes);
// decode(bytes)->links, with the same checks, without copying Data.
result<std::vector<link>> decode_links(std::string_view bytes);

// Serialized size of one link inside a node (used for the HAMT threshold and block limits).
size_t encoded_link_size(const link& l);

} // namespace mantle::dag_pb
