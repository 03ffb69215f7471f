// mantled: the Mantle node. Everything but the list of supervised children lives in
// actors/node/node.cpp.
#include "actors/node/node.hpp"

namespace {

// Supervised children in start order; they stop in reverse order, so put the block store
// before the actors that use it. One line per child:
//   out.push_back({"blocks", [&env](caf::actor_system& sys) { return sys.spawn<caf::detached>(...); }});
// Names are CAF atoms (at most 10 of [A-Za-z0-9_]); blocking children must be detached.
std::vector<mantle::child_spec> make_children(const mantle::node::environment& env) {
  std::vector<mantle::child_spec> out;
  (void)env;
  return out;
}

} // namespace

int main(int argc, char** argv) { return mantle::node::run(argc, argv, make_children); }
