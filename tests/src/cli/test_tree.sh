#!/usr/bin/env bash
# test_tree — the tree and the build agree: every C source of the tree is
# one the Makefile compiles, every C source and header one `make
# format-check` covers (a file a glob misses is a file nothing checks), and
# the dependency rule of docs/DESIGN.md holds (tests/lib/lint_deps.sh, with the
# circle check on this build's objects), and every module of engine/ and
# src/ has its test where the mirrored tree puts it.
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
# tests/engine/nn/test_conv.c for engine/nn/conv.c (a .sh where the module
# is best tested through the program); a part of a module
# (engine/train/trainer_core.c of trainer) is tested by the module's test.
# src/cli/ is the program's commands, tested by the shell tests beside
# them, and ui/ is tested through tmux (tests/ui/).
every_module_has_its_test() {
    local missing=0 f d stem t
    for f in $(tree_files -path './engine/*.c' -o -path './src/*.c'); do
        d=$(dirname "$f") stem=$(basename "$f" .c)
        [ "$d" = src/cli ] && continue
        for t in "tests/$d/test_$stem".{c,sh} "tests/$d/test_${stem%_*}".{c,sh}; do
            [ -f "$t" ] && continue 2
        done
        echo "no test of its own: $f (tests/$d/test_$stem.c)"
        missing=1
    done
    [ $missing -eq 0 ]
}
dependency_rule_holds() {
    tests/lib/lint_deps.sh "$(dirname "$FINELAB")"
}

check every_c_file_is_compiled every_c_file_is_compiled
check every_c_and_header_is_formatted every_c_and_header_is_formatted
check every_module_has_its_test every_module_has_its_test
check dependency_rule_holds dependency_rule_holds
finish
