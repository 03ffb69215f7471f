// dag-pb nodes and the UnixFS Data inside them: every block a peer, a CAR file or block/put
// hands the node is decoded by these before anything else looks at it.
#include "storage/dag_pb.hpp"
#include "storage/unixfs_pb.hpp"
#include "tools/fuzz/fuzz_target.hpp"

namespace mantle::fuzz {

void dag_pb(std::string_view in) {
  if (take_selector(in) & 1) { // the Data message alone: the fuzzer finds its fields faster
    check_roundtrip(in, unixfs::decode, unixfs::encode, "UnixFS Data");
    if (auto d = unixfs::decode(in))
      (void)unixfs::type_name(d->type);
    return;
  }
  auto n = dag_pb::decode(in);
  auto links = dag_pb::decode_links(in);
  // decode_links promises the same checks as decode, without Data.
  check(n.ok() == links.ok(), "dag_pb::decode and decode_links disagree on validity");
  if (n) {
    check(links->size() == n->links.size(), "decode_links found a different number of links");
    for (size_t i = 0; i < n->links.size(); ++i) {
      const auto& a = n->links[i];
      const auto& b = (*links)[i];
      check(a.target == b.target && a.name == b.name && a.tsize == b.tsize,
            "decode_links differs from decode");
      (void)dag_pb::encoded_link_size(a);
    }
    check_roundtrip(in, dag_pb::decode, dag_pb::encode, "dag-pb");
    if (n->data)
      check_roundtrip(*n->data, unixfs::decode, unixfs::encode, "UnixFS Data in dag-pb");
  }
}

} // namespace mantle::fuzz
