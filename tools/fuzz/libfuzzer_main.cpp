// libFuzzer entry point; MANTLE_FUZZ_TARGET names the target this binary runs (tools/fuzz/run.sh).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include "tools/fuzz/fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const mantle::fuzz::target_fn run = [] {
    for (const auto& t : mantle::fuzz::targets)
      if (std::strcmp(t.name, MANTLE_FUZZ_TARGET) == 0)
        return t.run;
    __builtin_trap(); // a target listed in CMake but not in fuzz_target.hpp
  }();
  run(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
