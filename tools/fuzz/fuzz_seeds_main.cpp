// fuzz_seeds DIR: writes make_seeds() as DIR/<target>/<name> for libFuzzer (tools/fuzz/run.sh).
#include <filesystem>
#include <fstream>
#include <iostream>
#include "tools/fuzz/fuzz_seeds.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_seeds DIR\n";
    return 2;
  }
  try {
    for (const auto& [target, inputs] : mantle::fuzz::make_seeds(MANTLE_SOURCE_DIR)) {
      std::filesystem::path dir = std::filesystem::path(argv[1]) / target;
      std::filesystem::create_directories(dir);
      for (const auto& [name, bytes] : inputs)
        std::ofstream(dir / name, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
  } catch (const std::exception& e) {
    std::cerr << "fuzz_seeds: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
