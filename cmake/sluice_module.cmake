# sluice_module(NAME DEPS dep...) builds src/NAME/*.cc into the static library sluice_NAME.
# Sources are globbed so that adding a file never needs a CMake edit.
function(sluice_module name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/*.cc")
  if(srcs)
    add_library(sluice_${name} STATIC ${srcs})
    set(scope PUBLIC)
  else()  # a module that has only headers so far
    add_library(sluice_${name} INTERFACE)
    set(scope INTERFACE)
  endif()
  target_include_directories(sluice_${name} ${scope} "${PROJECT_SOURCE_DIR}/src")
  target_link_libraries(sluice_${name} ${scope} ${ARG_DEPS})
endfunction()

# sluice_tests(NAME DEPS dep...) builds tests/NAME/*_test.cc into one GoogleTest binary
# NAME_tests and registers each test with CTest.
function(sluice_tests name)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/${name}/*_test.cc")
  if(NOT srcs)
    return()
  endif()
  add_executable(${name}_tests ${srcs})
  target_include_directories(${name}_tests PRIVATE "${PROJECT_SOURCE_DIR}/src" "${PROJECT_SOURCE_DIR}/tests")
  target_link_libraries(${name}_tests PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name}_tests PRIVATE
    SLUICE_SOURCE_DIR="${PROJECT_SOURCE_DIR}" SLUICE_BINARY_DIR="${PROJECT_BINARY_DIR}")
  gtest_discover_tests(${name}_tests DISCOVERY_TIMEOUT 60 PROPERTIES LABELS ${name})
endfunction()
