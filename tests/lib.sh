# tests/lib.sh — shared by the shell tests (tests/test_*.sh). Each check
# prints cmocka's "[       OK ]" / "[  FAILED  ]" lines so tests/run.sh
# counts shell and C tests alike. Source it, call `check NAME COMMAND...`,
# end with `finish`.
FINELAB=${FINELAB_BIN:-build/release/finelab}
failed=0
check() {
    local name=$1; shift
    echo "[ RUN      ] $name"
    if "$@"; then
        echo "[       OK ] $name"
    else
        echo "[  FAILED  ] $name"
        failed=$((failed + 1))
    fi
}
finish() {
    [ "$failed" -eq 0 ]
}
