# Fuzzing build (tools/fuzz/run.sh): clang, libFuzzer, AddressSanitizer and UBSan over the pure
# libraries and the plain-C++ parts of the actors the targets reach. No CAF, no tests.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "MANTLE_FUZZ needs clang++ (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++")
endif()
set(MANTLE_FUZZ_PURE_ACTORS
  actors/validator/tx.cpp actors/validator/chain_types.cpp actors/validator/state_tables.cpp
  actors/market/market_rules.cpp actors/prover/proof_tree.cpp actors/prover/reserved_space.cpp
  actors/prover/challenge.cpp actors/market/pricing.cpp actors/validator/state_transition.cpp
  actors/exchange/want_engine.cpp)
list(TRANSFORM MANTLE_FUZZ_PURE_ACTORS PREPEND ${CMAKE_SOURCE_DIR}/)
file(GLOB MANTLE_FUZZ_TARGET_SRC CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tools/fuzz/*_fuzz.cpp)
add_library(mantle_fuzz_targets STATIC ${MANTLE_FUZZ_TARGET_SRC} ${CMAKE_SOURCE_DIR}/tools/fuzz/fuzz_seeds.cpp
            ${CMAKE_SOURCE_DIR}/tools/fuzz/sample_site.cpp ${CMAKE_SOURCE_DIR}/tools/fuzz/http_node.cpp
            ${MANTLE_FUZZ_PURE_ACTORS})
target_link_libraries(mantle_fuzz_targets PUBLIC mantle_net)
foreach(src ${MANTLE_FUZZ_TARGET_SRC})
  get_filename_component(name ${src} NAME_WE)
  string(REGEX REPLACE "_fuzz$" "" target ${name})
  add_executable(fuzz_${target} ${CMAKE_SOURCE_DIR}/tools/fuzz/libfuzzer_main.cpp)
  target_compile_definitions(fuzz_${target} PRIVATE MANTLE_FUZZ_TARGET="${target}")
  target_link_options(fuzz_${target} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(fuzz_${target} PRIVATE mantle_fuzz_targets)
endforeach()
add_executable(fuzz_seeds ${CMAKE_SOURCE_DIR}/tools/fuzz/fuzz_seeds_main.cpp)
target_compile_definitions(fuzz_seeds PRIVATE MANTLE_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
target_link_libraries(fuzz_seeds PRIVATE mantle_fuzz_targets)
