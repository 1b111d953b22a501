#!/usr/bin/env bash
# test_plot — `finelab plot` on a run store of tiny runs on generated birds
# (a 2 x 2 sweep, src/plot/ drawing through cairo): a run's curves as PNG
# at the default and a --size (the size from the PNG's header, the plot
# area inked: the pixels decoded by python3's zlib), several runs' curves
# as PDF with the legend naming each run (the text read back by pdftotext:
# cairo's SVG draws text as glyph outlines, its PDF keeps it as text), a
# sweep named by its preset name drawn as its grid (SVG and PDF, the keys
# and cells' figures in the PDF's text, --rows / --cols swapping them),
# --what curves on a sweep; the Study screen's views of the sweep (--what
# parallel, slice with --key, history, importance: PNGs inked, the axes'
# and keys' names and the bars' shares in the PDF's text); and bad input: an unknown run, an unknown
# extension, a folder that is not there, a bad key, size or --what, each
# a clear error with its exit code and nothing written, no temporary file.
. "$(dirname "$0")/../../lib/lib.sh"
PY=/usr/bin/python3
lab_init plot
lab_birds 3 6 || exit 1
cd "$tmp" || exit 1
tiny_preset s.ini birds 30 experiment.threads=1 experiment.name=sw solver.test_interval=10 || exit 1
printf '[sweep]\nsolver.base_lr = 0.03, 0.003\nmodel.bilinear_dim = 64, 32\n' >>s.ini
"$FINELAB" run s.ini --runs-dir r --progress 0 >s.log 2>&1 || { cat s.log; exit 1; }
mapfile -t ids < <(ls r | grep -- '-sw')
[ ${#ids[@]} -eq 4 ] || { ls r; exit 1; }
mkdir out

# png_check FILE W H [ink]: FILE is a W x H PNG; with ink, its middle
# half (the panels) has at least 2% of its pixels inked (not near white),
# read by undoing PNG's filters in plain python3 (slow: small files only).
png_check() {
    "$PY" - "$@" <<'PYEOF'
import struct, sys, zlib
path, want_w, want_h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = open(path, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, head = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR": head = struct.unpack(">IIBB", body[:10])
    if kind == b"IDAT": idat += body
    pos += 12 + n
w, h, depth, ctype = head
assert (w, h) == (want_w, want_h), ("size", w, h)
assert depth == 8 and ctype in (2, 6), ("format", depth, ctype)
if len(sys.argv) < 5: sys.exit(0)
bpp = 3 if ctype == 2 else 4
raw, stride, prev, rows, o = zlib.decompress(idat), w * bpp, bytearray(w * bpp), [], 0
for y in range(h):  # PNG's row filters undone
    f, line = raw[o], bytearray(raw[o + 1:o + 1 + stride]); o += 1 + stride
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line); prev = line
inked = total = 0
for y in range(h // 4, 3 * h // 4):
    for x in range(w // 4, 3 * w // 4):
        px = rows[y][x * bpp:x * bpp + 3]; total += 1
        inked += min(px) < 200
assert inked > total // 50, ("plot area nearly empty", inked, total)
PYEOF
}

have_pdftotext() {
    command -v pdftotext >/dev/null && return 0
    echo "pdftotext is missing (make deps-test installs poppler-utils): legend text not checked"
    return 1
}

curves_of_a_run_as_png() {
    "$FINELAB" plot "${ids[0]}" --runs-dir r --out out/one.png >o.log 2>&1 || { cat o.log; return 1; }
    grep -qx "wrote out/one.png: curves of 1 run" o.log || { cat o.log; return 1; }
    png_check out/one.png 1600 1000 || return 1
    "$FINELAB" plot "r/${ids[1]}" --runs-dir r --out out/small.png --size 900x500 >o.log 2>&1 &&
        png_check out/small.png 900 500 ink
}

curves_of_runs_name_each_in_the_legend() {
    "$FINELAB" plot "${ids[@]:0:3}" --runs-dir r --out out/three.pdf >o.log 2>&1 ||
        { cat o.log; return 1; }
    grep -qx "wrote out/three.pdf: curves of 3 runs" o.log || { cat o.log; return 1; }
    head -c 5 out/three.pdf | grep -q '%PDF-' || return 1
    have_pdftotext || return 0
    pdftotext out/three.pdf out/three.txt || return 1
    grep -q "3 runs: train loss and test accuracy by iteration" out/three.txt || { cat out/three.txt; return 1; }
    # one sweep's runs are named by their labels, each with its best figure
    [ "$(grep -oE "base_lr=0.0*3, bilinear_dim=[0-9]+: best test [0-9.]+%" out/three.txt | wc -l)" -eq 3 ] ||
        { cat out/three.txt; return 1; }
}

grid_of_a_sweep_by_its_name() {
    "$FINELAB" plot sw --runs-dir r --out out/grid.svg >o.log 2>&1 || { cat o.log; return 1; }
    grep -qx "wrote out/grid.svg: grid of 4 runs" o.log || { cat o.log; return 1; }
    head -c 5 out/grid.svg | grep -q '<?xml' || return 1
    "$FINELAB" plot sw --runs-dir r --out out/grid.png --size 800x500 >/dev/null 2>&1 &&
        png_check out/grid.png 800 500 ink || return 1
    "$FINELAB" plot sw --runs-dir r --out out/grid.pdf >/dev/null 2>&1 || return 1
    have_pdftotext || return 0
    pdftotext -raw out/grid.pdf out/grid.txt || return 1
    grep -q "sweep sw: best test accuracy per cell, 4 runs" out/grid.txt &&
        grep -q "rows: model.bilinear_dim, columns: solver.base_lr" out/grid.txt &&
        [ "$(grep -oE '[0-9]+\.[0-9]{2}%' out/grid.txt | wc -l)" -ge 4 ] && grep -qx best out/grid.txt ||
        { cat out/grid.txt; return 1; }
    "$FINELAB" plot sw --runs-dir r --rows solver.base_lr --cols model.bilinear_dim \
        --out out/swapped.pdf >/dev/null 2>&1 || return 1
    pdftotext -raw out/swapped.pdf - | grep -q "rows: solver.base_lr, columns: model.bilinear_dim"
}

what_curves_of_a_sweep() {
    "$FINELAB" plot sw --what curves --runs-dir r --out out/sw.png >o.log 2>&1 &&
        grep -qx "wrote out/sw.png: curves of 4 runs" o.log || { cat o.log; return 1; }
}

study_views_of_a_sweep() { # the lines of parallel coordinates ink the plot area
    local w
    for w in parallel slice history importance; do
        "$FINELAB" plot sw --what $w --runs-dir r --out out/sw-$w.png --size 800x500 >o.log 2>&1 &&
            grep -qx "wrote out/sw-$w.png: $w of sweep sw, 4 trials" o.log &&
            png_check out/sw-$w.png 800 500 $([ $w = parallel ] && echo ink) || { cat o.log; return 1; }
    done
    have_pdftotext || return 0
    "$FINELAB" plot sw --what parallel --runs-dir r --out out/par.pdf >/dev/null 2>&1 &&
        pdftotext -raw out/par.pdf out/par.txt || return 1
    grep -q "^sweep sw: parallel coordinates" out/par.txt &&
        grep -qx "solver.base_lr" out/par.txt && grep -qx "model.bilinear_dim" out/par.txt &&
        grep -qx "held-out accuracy" out/par.txt && grep -qx "test accuracy" out/par.txt &&
        grep -q "^best trial" out/par.txt || { cat out/par.txt; return 1; }
    "$FINELAB" plot sw --what slice --key model.bilinear_dim --runs-dir r --out out/sl.pdf \
        >/dev/null 2>&1 && pdftotext -raw out/sl.pdf - | grep -q "held-out accuracy against model.bilinear_dim" ||
        return 1
    "$FINELAB" plot sw --what importance --runs-dir r --out out/imp.pdf >/dev/null 2>&1 &&
        pdftotext -raw out/imp.pdf - | grep -q "^not ranked:" # 4 trials: too few for fANOVA
}

# fails CODE PATTERN ARGS...: finelab plot ARGS exits CODE, saying PATTERN on stderr.
fails() {
    local code=$1 pattern=$2 rc; shift 2
    "$FINELAB" plot "$@" >e.out 2>e.log; rc=$?
    [ $rc -eq "$code" ] && grep -q -- "$pattern" e.log && [ ! -s e.out ] ||
        { echo "plot $*: exit $rc, wanted $code and '$pattern'"; cat e.log; return 1; }
}
bad_input_writes_nothing() {
    mkdir bad && cd bad || return 1
    fails 2 "'nope': no run or sweep of that name in ../r" nope --runs-dir ../r --out x.png &&
        fails 2 "x.gif: unknown image type '.gif'" "${ids[0]}" --runs-dir ../r --out x.gif &&
        fails 1 "no/such/x.png" "${ids[0]}" --runs-dir ../r --out no/such/x.png &&
        fails 2 "no preset key 'data.nope'" sw --runs-dir ../r --rows data.nope --out x.png &&
        fails 2 "--size expects WIDTHxHEIGHT" sw --runs-dir ../r --size 10x10 --out x.png &&
        fails 2 "--what expects curves, grid, parallel" sw --runs-dir ../r --what pie --out x.png &&
        fails 2 "--key model.width: not a swept key of sw" sw --runs-dir ../r --what slice \
            --key model.width --out x.png &&
        fails 2 "--key chooses a slice's key" sw --runs-dir ../r --what history --key solver.base_lr \
            --out x.png &&
        fails 2 "draws one study: name one sweep" sw "${ids[0]}" --runs-dir ../r --what history \
            --out x.png &&
        fails 2 "needs --out" sw --runs-dir ../r &&
        fails 2 "do not go with --what curves" sw --runs-dir ../r --what curves --rows data.resolution --out x.png ||
        return 1
    cd .. && [ -z "$(ls bad | grep -v '^e\.')" ] || { ls -la bad; return 1; }
    [ -z "$(ls out | grep tmp)" ] || { ls out; return 1; }
}

check curves_of_a_run_as_png curves_of_a_run_as_png
check curves_of_runs_name_each_in_the_legend curves_of_runs_name_each_in_the_legend
check grid_of_a_sweep_by_its_name grid_of_a_sweep_by_its_name
check what_curves_of_a_sweep what_curves_of_a_sweep
check study_views_of_a_sweep study_views_of_a_sweep
check bad_input_writes_nothing bad_input_writes_nothing
finish
