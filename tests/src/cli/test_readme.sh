#!/usr/bin/env bash
# test_readme — README.md stays true: its preset reference is exactly what
# `finelab keys --md` prints from the schema (regenerate with
# `make readme-keys`), its lessons table is `finelab lessons --md`'s
# (`make readme-lessons RUNS=DIR`), it shows the two quick-start commands,
# and it names every command and every shipped preset.
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/lib.sh

keys_match() {
    diff <(sed -n '/<!-- keys:begin -->/,/<!-- keys:end -->/p' README.md | sed '1d;$d') \
         <("$FINELAB" keys --md)
}
# The lessons block is `finelab lessons --md` of some store (make
# readme-lessons RUNS=DIR): its table has the lessons and the tutorial's
# figures that command prints, whatever the store's figures.
lessons_block_generated() {
    local block fresh
    block=$(sed -n '/<!-- lessons:begin -->/,/<!-- lessons:end -->/p' README.md | sed '1d;$d')
    [ -n "$block" ] || { echo "README.md has no lessons block"; return 1; }
    fresh=$("$FINELAB" lessons --md --runs-dir /nonexistent/finelab-readme-lessons) || return 1
    diff <(echo "$block" | grep '^|' | cut -d'|' -f1-3) <(echo "$fresh" | grep '^|' | cut -d'|' -f1-3) ||
        { echo "README's lessons block is not finelab lessons --md (make readme-lessons RUNS=DIR)"; return 1; }
    echo "$block" | grep -q '^demo family on .*; wall time '
}
quick_start() {
    grep -q '^    make run' README.md && grep -q '^    make test' README.md
}
every_command_documented() {
    local missing=0
    for c in $("$FINELAB" --help | awk '/^commands:/{on=1;next} /^$/{on=0} on{print $1}'); do
        grep -q "finelab $c" README.md || { echo "README.md does not mention 'finelab $c'"; missing=1; }
    done
    [ $missing -eq 0 ]
}
every_shipped_preset_documented() {
    local missing=0
    for f in presets/demo/*.ini presets/cub/*.ini presets/recipes/*.ini; do
        case $(basename "$f") in default.ini) continue ;; esac
        grep -q "$(basename "$f" .ini)" README.md || { echo "README.md does not mention $f"; missing=1; }
    done
    [ $missing -eq 0 ]
}
check readme_preset_reference_matches_schema keys_match
check readme_lessons_block_generated lessons_block_generated
check readme_quick_start quick_start
check readme_documents_every_command every_command_documented
check readme_documents_every_shipped_preset every_shipped_preset_documented
finish
