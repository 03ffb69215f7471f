# mantle_add_plugin(<target> SOURCES <file>... [LIBRARIES <lib>...] [OUTPUT_DIRECTORY <dir>])
#
# Builds a Mantle plugin: a MODULE library named <target>.so (no "lib" prefix) that includes
# the Mantle headers (messages/plugin_api.hpp and messages/*.hpp) from MANTLE_SOURCE_DIR and
# links the same shared libcaf_core the node uses (one copy of CAF in the process). Out of tree:
#
#   cmake_minimum_required(VERSION 3.18)
#   project(my_plugin CXX)
#   include(${MANTLE_SOURCE_DIR}/cmake/MantlePlugin.cmake)
#   mantle_add_plugin(my_plugin SOURCES my_plugin.cpp)
#
#   cmake -S . -B build -DMANTLE_SOURCE_DIR=/path/to/mantle && cmake --build build
#
# The plugin must be compiled with the node's CAF headers and C++ standard library (same
# compiler family); the host refuses other ABI or CAF versions at load time.
include_guard(GLOBAL)

if(NOT MANTLE_SOURCE_DIR)
  message(FATAL_ERROR "mantle_add_plugin: set MANTLE_SOURCE_DIR to the Mantle source tree "
                      "(-DMANTLE_SOURCE_DIR=/path/to/mantle)")
endif()
if(NOT EXISTS "${MANTLE_SOURCE_DIR}/messages/plugin_api.hpp")
  message(FATAL_ERROR "mantle_add_plugin: ${MANTLE_SOURCE_DIR}/messages/plugin_api.hpp not found; "
                      "MANTLE_SOURCE_DIR must be the Mantle source tree")
endif()
find_package(Threads REQUIRED)
find_library(MANTLE_PLUGIN_CAF_CORE caf_core REQUIRED)
find_path(MANTLE_PLUGIN_CAF_INCLUDE caf/config.hpp REQUIRED)

function(mantle_add_plugin target)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "mantle_add_plugin(${target}): SOURCES is required")
  endif()
  add_library(${target} MODULE ${ARG_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    CXX_STANDARD 17
    CXX_STANDARD_REQUIRED ON
    CXX_EXTENSIONS OFF
    POSITION_INDEPENDENT_CODE ON)
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY})
  endif()
  target_include_directories(${target} PRIVATE ${MANTLE_SOURCE_DIR} ${MANTLE_PLUGIN_CAF_INCLUDE})
  # Every symbol resolved at link time, so a missing library shows now, not at dlopen.
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  target_link_libraries(${target} PRIVATE ${MANTLE_PLUGIN_CAF_CORE} Threads::Threads ${ARG_LIBRARIES})
endfunction()
