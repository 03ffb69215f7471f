// A fresh directory under /tmp for one test, removed with everything in it afterwards.
#pragma once
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

namespace mantle::test {

struct temp_dir {
  std::string path;
  explicit temp_dir(const char* prefix = "mantle-test") {
    std::string tmpl = std::string("/tmp/") + prefix + "-XXXXXX";
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~temp_dir() { std::system(("rm -rf '" + path + "'").c_str()); }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

} // namespace mantle::test
