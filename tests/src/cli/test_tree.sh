#!/usr/bin/env bash
# test_tree — the tree and the build agree: every C source of the tree is
# one the Makefile compiles, every C source and header one `make
# format-check` covers (a file a glob misses is a file nothing checks), and
# the dependency rule of docs/DESIGN.md holds (tests/lib/lint_deps.sh, with the
# circle check on this build's objects).
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/lib.sh

listed=$(mktemp)
trap 'rm -f "$listed"' EXIT
make -s --no-print-directory list-sources >"$listed" 2>/dev/null

# The C files on disk, outside the build and generated folders.
tree_files() { # pattern...
    find . \( -path ./build -o -path ./.git -o -path ./data -o -path ./runs \) -prune -o \
        \( "$@" \) -type f -print | sed 's|^\./||' | sort
}
missing_from() { # kind files...
    local kind=$1 missing=0
    shift
    for f in "$@"; do
        grep -qx "$kind $f" "$listed" || { echo "not $kind by the Makefile: $f"; missing=1; }
    done
    [ $missing -eq 0 ]
}
every_c_file_is_compiled() {
    [ -s "$listed" ] || { echo "make list-sources printed nothing"; return 1; }
    missing_from compiled $(tree_files -name '*.c')
}
every_c_and_header_is_formatted() {
    missing_from formatted $(tree_files -name '*.c' -o -name '*.h')
}
dependency_rule_holds() {
    tests/lib/lint_deps.sh "$(dirname "$FINELAB")"
}

check every_c_file_is_compiled every_c_file_is_compiled
check every_c_and_header_is_formatted every_c_and_header_is_formatted
check dependency_rule_holds dependency_rule_holds
finish
