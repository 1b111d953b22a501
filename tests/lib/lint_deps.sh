#!/usr/bin/env bash
# lint_deps — the dependency rule of docs/DESIGN.md, checked on the includes
# of every source file. Usage: tests/lib/lint_deps.sh [OBJDIR]; `make lint-deps`
# runs it on the release objects, tests/src/cli/test_tree.sh on the variant's.
#
#   main.c            -> ui, src/cli          (the entry point, above both front ends)
#   ui/               -> src/{preset,search,run,report,plot}, engine
#   src/cli/          -> src/{preset,search,run,report,plot}, engine
#   src/plot/         -> src/{preset,search,run,report}, engine
#   src/report/       -> src/{preset,search,run}, engine
#   src/run/          -> src/{preset,search}, engine
#   src/search/       -> src/preset, engine
#   src/preset/       -> engine
#   engine/train/     -> engine/{base,io,nn,data}
#   engine/synth/     -> engine/{base,io,data}
#   engine/data/      -> engine/{base,io}
#   engine/nn/        -> engine/base
#   engine/io/        -> engine/base
#   engine/base/      -> (nothing of ours)
#
# Every project include names its file from the repository root
# ("engine/nn/layer.h") and that file must exist. A folder may always include
# its own headers. Besides the folder rule: with OBJDIR (the build's objects)
# no circle of files calling each other, as nm sees it; only ui/term.c
# includes curses; one engine file each includes cblas.h, mpi.h,
# jpeglib.h and fftw3.h, and nothing outside engine/ includes them; only
# src/plot/'s .c files include cairo (its headers do not, so the front
# ends that include them build without cairo's flags).
# Prints every violation with file:line; exit 1 when there is any.
export LC_ALL=C
objdir=${1:-} # the build's object folder (build/release), for the circle check
[ -z "$objdir" ] || objdir=$(cd "$objdir" && pwd)
cd "$(dirname "$0")/../.." || exit 2

# src/'s layers, lowest first: each may include the ones before it (and
# engine), the two front ends (ui, src/cli) all of them.
src_layers="src/preset src/search src/run src/report src/plot"

allowed() { # folder -> the folders it may include from (prefixes)
    case $1 in
    .) echo "ui src/cli $src_layers engine" ;;
    ui | src/cli) echo "$src_layers engine" ;;
    src/*)
        if [[ " $src_layers " == *" $1 "* ]]; then
            echo "${src_layers%%"$1"*}engine" # the layers before it
        else
            echo UNKNOWN
        fi
        ;;
    engine/train) echo "engine/base engine/io engine/nn engine/data" ;;
    engine/synth) echo "engine/base engine/io engine/data" ;;
    engine/data) echo "engine/base engine/io" ;;
    engine/nn) echo "engine/base" ;;
    engine/io) echo "engine/base" ;;
    engine/base) echo "" ;;
    tests | tests/* | bench) echo "engine src ui tests" ;;
    bench/*) echo "engine src ui tests bench" ;;
    *) echo "UNKNOWN" ;;
    esac
}

fail=0
err() {
    echo "lint-deps: $*"
    fail=1
}

sources=$( (ls main.c; find engine src ui tests bench -name '*.[ch]') | sort)
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT

for f in $sources; do
    dir=$(dirname "$f")
    ok=$(allowed "$dir")
    [ "$ok" = UNKNOWN ] && err "$f: folder $dir is not in the dependency rule (tests/lib/lint_deps.sh)"
    while IFS=: read -r line inc; do
        [ -n "$line" ] || continue
        if [[ $inc != */* ]]; then
            err "$f:$line: #include \"$inc\" must name the file from the repository root"
            continue
        fi
        [ -f "$inc" ] || err "$f:$line: #include \"$inc\": no such file"
        idir=$(dirname "$inc")
        if [ "$idir" != "$dir" ]; then
            pass=0
            for p in $ok; do [[ $idir == "$p" || $idir == "$p"/* ]] && pass=1; done
            [ $pass -eq 1 ] || err "$f:$line: $dir/ may not include $inc (allowed: ${ok:-nothing})"
        fi
    done < <(grep -nE '^\s*#\s*include\s*"' "$f" | sed -E 's/^([0-9]+):\s*#\s*include\s*"([^"]*)".*/\1:\2/')
done

# Circles of files, from what the objects define and use (nm), when the
# build's object folder is given: file X uses file Y when X.o refers to a
# symbol Y.o defines. A circle of such uses is a tangle to cut.
if [ -n "$objdir" ]; then
    defs=$(mktemp)
    objects=$(for f in $(echo "$sources" | grep -E '^(engine|src|ui)/.*\.c$|^main\.c$'); do
        [ -f "$objdir/${f%.c}.o" ] && echo "$objdir/${f%.c}.o"
    done)
    for o in $objects; do
        nm -g --defined-only "$o" | awk -v m="${o#"$objdir"/}" 'NF == 3 {print $3, m}'
    done | sort -u >"$defs"
    for o in $objects; do
        m=${o#"$objdir"/}
        nm -u "$o" | awk '{print $NF}' | sort -u | join - "$defs" | awk -v m="$m" '$2 != m {print m, $2}'
    done | sed 's/\.o//g' | sort -u >"$edges"
    rm -f "$defs"
    if ! loops=$(tsort "$edges" 2>&1 >/dev/null) || [ -n "$loops" ]; then
        err "files use each other in a circle:"
        echo "$loops" | sed 's/^tsort: /  /'
    fi
fi

sys_include() { # pattern files...: lines of files including <pattern>
    local pat=$1
    shift
    grep -nE "^\s*#\s*include\s*[<\"]($pat)[\">]" "$@" 2>/dev/null
}
for f in $sources; do
    [ "$f" = ui/term.c ] && continue
    sys_include 'n?curses\.h|ncursesw/[a-z]+\.h|term\.h|panel\.h|menu\.h|form\.h' "$f" |
        sed "s|^|$f:|" | while read -r l; do echo "lint-deps: $l: only ui/term.c includes curses"; done
done | grep . && fail=1
for lib in cblas jpeglib fftw3 mpi; do
    users=$(grep -lE "^\s*#\s*include\s*[<\"]$lib\.h[\">]" $(echo "$sources" | grep '^engine/'))
    [ "$(echo "$users" | grep -c .)" -le 1 ] ||
        err "$lib.h is included by more than one engine file:" $users
    outside=$(grep -lE "^\s*#\s*include\s*[<\"]$lib\.h[\">]" $(echo "$sources" | grep -E '^(src|ui)/|^main\.c'))
    [ -z "$outside" ] || err "$lib.h is included outside engine/ (engine/ wraps it):" $outside
done

cairo_users=$(grep -lE '^\s*#\s*include\s*[<"]cairo(-[a-z]+)?\.h[">]' \
    $(echo "$sources" | grep -E '^(engine|src|ui)/|^main\.c'))
for f in $cairo_users; do
    [[ $f == src/plot/*.c ]] || err "$f includes cairo: only src/plot/'s .c files do (src/plot/canvas.h wraps it)"
done

[ $fail -eq 0 ] && echo "lint-deps: ok"
exit $fail
