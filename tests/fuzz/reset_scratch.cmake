# ctest fixture of tests/fuzz: empties the fuzzers' scratch corpora and makes sure the scratch
# and artifact directories exist. Arguments: -DSCRATCH=<dir> -DARTIFACTS=<dir> -DTARGETS=<list>.
file(REMOVE_RECURSE "${SCRATCH}")
foreach(t IN LISTS TARGETS)
  file(MAKE_DIRECTORY "${SCRATCH}/${t}")
endforeach()
file(MAKE_DIRECTORY "${ARTIFACTS}")
