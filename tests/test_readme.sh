#!/usr/bin/env bash
# test_readme — README.md stays true: its preset reference is exactly what
# `finelab keys --md` prints from the schema (regenerate with
# `make readme-keys`), it shows the two quick-start commands, and it names
# every command and every shipped preset.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh

keys_match() {
    diff <(sed -n '/<!-- keys:begin -->/,/<!-- keys:end -->/p' README.md | sed '1d;$d') \
         <("$FINELAB" keys --md)
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
check readme_quick_start quick_start
check readme_documents_every_command every_command_documented
check readme_documents_every_shipped_preset every_shipped_preset_documented
finish
