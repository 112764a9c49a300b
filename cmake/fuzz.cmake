# Shared by the fuzz folders (tests/fuzz/, capture/fuzz/): instrumented copies of the
# project's libraries for the libFuzzer targets. libFuzzer only sees coverage of code compiled
# with -fsanitize=fuzzer-no-link, and the project's own libraries are built without it (they
# are shared with the unit tests and the tools), so each fuzzed library is built again from the
# same sources, flags and dependencies; only the fuzz targets link the copies.
# Fuzzing wants executions per second: the fuzz targets and the instrumented copies are
# optimised even in Debug builds (-O1 is what the sanitizers recommend; stack traces stay
# usable). The rest of the build keeps its build type's flags.
set(PG_FUZZ_OPT -O1 -fno-omit-frame-pointer)

# Defines static library `copy` from the sources and the build/usage requirements of `orig`,
# compiled with libFuzzer's coverage instrumentation. Link dependencies named in `ARGN` as
# pairs "from=to" are replaced (so the compiler copy links the grammar copy).
function(pg_fuzz_instrumented_copy orig copy)
  get_target_property(srcs ${orig} SOURCES)
  get_target_property(dir ${orig} SOURCE_DIR)
  set(abs_srcs)
  foreach(s IN LISTS srcs)
    cmake_path(ABSOLUTE_PATH s BASE_DIRECTORY ${dir} OUTPUT_VARIABLE a)
    list(APPEND abs_srcs ${a})
  endforeach()
  add_library(${copy} STATIC ${abs_srcs})
  foreach(prop INCLUDE_DIRECTORIES COMPILE_DEFINITIONS COMPILE_OPTIONS COMPILE_FEATURES
               INTERFACE_INCLUDE_DIRECTORIES INTERFACE_SYSTEM_INCLUDE_DIRECTORIES
               INTERFACE_COMPILE_DEFINITIONS INTERFACE_COMPILE_OPTIONS
               INTERFACE_COMPILE_FEATURES LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
    get_target_property(value ${orig} ${prop})
    if(NOT value)
      continue()
    endif()
    if(prop MATCHES "LINK_LIBRARIES")
      foreach(pair IN LISTS ARGN)
        string(REPLACE "=" ";" pair "${pair}")
        list(GET pair 0 from)
        list(GET pair 1 to)
        list(TRANSFORM value REPLACE "^${from}$" "${to}")
      endforeach()
    endif()
    set_property(TARGET ${copy} PROPERTY ${prop} "${value}")
  endforeach()
  # The original's own SYSTEM include directories are not a readable property: list them again.
  get_target_property(sys ${orig} INTERFACE_SYSTEM_INCLUDE_DIRECTORIES)
  if(sys)
    target_include_directories(${copy} SYSTEM PRIVATE ${sys})
  endif()
  target_compile_options(${copy} PRIVATE -fsanitize=fuzzer-no-link ${PG_FUZZ_OPT})
  # Generated sources (the ANTLR parser) are produced by the original target's rules.
  add_dependencies(${copy} ${orig})
endfunction()

# pg_fuzz_instrumented_copy() once per copy: the same copy (pg_vm_fuzz) serves several folders.
function(pg_fuzz_copy orig copy)
  if(NOT TARGET ${copy})
    pg_fuzz_instrumented_copy(${orig} ${copy} ${ARGN})
  endif()
endfunction()
