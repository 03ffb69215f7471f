#include <catch2/catch.hpp>

#include "storage/cid.hpp"
#include "storage/dag_pb.hpp"
#include "storage/multihash.hpp"
#include "storage/unixfs_pb.hpp"

using namespace mantle;

TEST_CASE("hello world as a v0 dag-pb leaf and a v1 raw leaf", "[storage][cid]") {
  unixfs::data d;
  d.type = unixfs::data_type::file;
  d.payload = "hello world";
  d.filesize = 11;
  dag_pb::node n;
  n.data = unixfs::encode(d);
  cid v0{0, codec::dag_pb, multihash::sha256(dag_pb::encode(n))};
  CHECK(v0.str() == "Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD");
  cid v1{1, codec::raw, multihash::sha256("hello world")};
  CHECK(v1.str() == "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e");
  auto parsed = cid::parse(v1.str());
  REQUIRE(parsed);
  CHECK(*parsed == v1);
  auto p0 = cid::parse(v0.str());
  REQUIRE(p0);
  CHECK(*p0 == v0);
}

TEST_CASE("empty directory", "[storage][cid]") {
  unixfs::data d;
  d.type = unixfs::data_type::directory;
  dag_pb::node n;
  n.data = unixfs::encode(d);
  cid v0{0, codec::dag_pb, multihash::sha256(dag_pb::encode(n))};
  CHECK(v0.str() == "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn");
  CHECK(v0.to_v1().str() == "bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354");
}
