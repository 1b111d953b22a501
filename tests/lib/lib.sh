# tests/lib/lib.sh — shared by the shell tests (tests/*/test_*.sh). Each check
# prints cmocka's "[       OK ]" / "[  FAILED  ]" lines so tests/lib/run.sh
# counts shell and C tests alike. Source it, call `check NAME COMMAND...`,
# end with `finish`. A test that runs finelab on a generated dataset also
# calls `lab_init NAME` and `lab_birds`, and writes its few-second training
# presets with `tiny_preset`. A test that drives the lab through tmux calls
# `tmux_init SESSION` (or, on generated birds, `tmux_lab`) and uses T,
# screen, keys, wait_for and wait_gone, and in the editor select_key and
# edit_key.
FINELAB=${FINELAB_BIN:-build/release/finelab}
failed=0
# sanitized: true for a sanitizer build of finelab (build/asan, build/tsan),
# which trains some thirty times slower: tests that need a run to last, or
# train many, size their runs by it.
sanitized() { case $FINELAB in */asan/* | */tsan/*) return 0 ;; *) return 1 ;; esac; }
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

# lab_init NAME: the scratch space of a test that runs finelab: FINELAB made
# absolute (such tests run it from other directories) and tmp a fresh
# /tmp/finelab_test_NAME_XXXXXX, removed when the script exits. A script
# with more to clean up sets its own EXIT trap, removing "$tmp" too. A
# hangup, Ctrl-C or kill ends the script through its EXIT trap as well, so a
# stopped test run leaves no tmux server or lab behind. Exits 1 when the
# directory cannot be made.
lab_init() {
    FINELAB=$(realpath "$FINELAB")
    tmp=$(mktemp -d "/tmp/finelab_test_$1_XXXXXX") || exit 1
    trap 'rm -rf "$tmp"' EXIT
    trap 'exit 129' HUP
    trap 'exit 130' INT
    trap 'exit 143' TERM
}
# lab_birds CLASSES PER_CLASS: generates the dataset $tmp/birds, 64 px images.
lab_birds() {
    "$FINELAB" synth "$tmp/birds" --classes "$1" --per-class "$2" --size 64 >/dev/null 2>&1
}

# tiny_preset FILE DATASET MAX_ITER [SECTION.KEY=VALUE...]: writes to FILE a
# preset that trains the smallest network from scratch on DATASET (36 px
# resized, 32 px crops, one loader thread) for MAX_ITER iterations. Each
# SECTION.KEY=VALUE replaces that key's value in place, or is added at the
# end of its section; sections come in the order experiment, data, model,
# transfer, solver, and one without keys is left out. Returns 1, writing
# nothing, for a section outside that list.
tiny_preset() {
    local file=$1 dataset=$2 max_iter=$3; shift 3
    local sections="experiment data model transfer solver"
    local -a keys=(data.dataset data.split data.resize data.resolution data.loader_threads
                   model.width model.bilinear_dim transfer.mode
                   solver.base_lr solver.max_iter solver.batch_size solver.test_iter
                   solver.test_interval solver.display)
    local -A value=([data.dataset]=$dataset [data.split]=official [data.resize]=36
                    [data.resolution]=32 [data.loader_threads]=1 [model.width]=0.0625
                    [model.bilinear_dim]=64 [transfer.mode]=scratch [solver.base_lr]=0.01
                    [solver.max_iter]=$max_iter [solver.batch_size]=5 [solver.test_iter]=3
                    [solver.test_interval]=10 [solver.display]=2)
    local set key section
    for set in "$@"; do
        key=${set%%=*}
        case " $sections " in
            *" ${key%%.*} "*) ;;
            *) echo "tiny_preset: no section '${key%%.*}' in '$set'" >&2; return 1 ;;
        esac
        [ -n "${value[$key]+set}" ] || keys+=("$key")
        value[$key]=${set#*=}
    done
    for section in $sections; do
        local header="[$section]"
        for key in "${keys[@]}"; do
            [ "${key%%.*}" = "$section" ] || continue
            [ -z "$header" ] || { echo "$header"; header=""; }
            echo "${key#*.} = ${value[$key]}"
        done
    done > "$file"
}

# tmux_init SESSION: for a test that drives the lab through tmux (after
# lab_init): a tmux server on $tmp/tmux.sock, killed with $tmp removed when
# the script exits (tmux_end), and the helpers below for the session named
# SESSION (lab when not given; the script starts it with `T new-session -d
# -s SESSION ...`). Exits 1 when tmux is missing.
tmux_init() {
    command -v tmux >/dev/null || { echo "tmux is missing (make deps-test installs it)"; exit 1; }
    sock="$tmp/tmux.sock"
    session=${1:-lab}
    trap 'tmux_end; rm -rf "$tmp"' EXIT
}
# tmux_end: kills the tmux server; the labs in its panes get the hangup a
# closed terminal sends, and have 20 s to finish. One still there is said
# and killed, so no test leaves a process behind (an ASan build has been
# seen to hang there, in LeakSanitizer's exit check, spinning a core).
tmux_end() {
    local pids p i alive
    pids=$(for p in $(T list-panes -a -F '#{pane_pid}' 2>/dev/null); do echo "$p"; pgrep -P "$p"; done)
    T kill-server 2>/dev/null
    for ((i = 0; i < 200; i++)); do
        alive=0
        for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ $alive -eq 0 ] && return 0
        sleep 0.1
    done
    for p in $pids; do
        kill -0 "$p" 2>/dev/null || continue
        echo "warning: the lab (pid $p) had not exited 20 s after its terminal closed: killed"
        kill -9 "$p" 2>/dev/null
    done
}
# tmux_lab NAME CLASSES PER_CLASS [SESSION]: the start of a lab test on
# generated birds: lab_init NAME, tmux_init SESSION, lab_birds CLASSES
# PER_CLASS, and the folder $tmp/presets/demo for its tiny_presets. Exits 1
# when a step fails.
tmux_lab() {
    lab_init "$1"
    tmux_init "$4"
    lab_birds "$2" "$3" || { echo "cannot generate the birds"; exit 1; }
    mkdir -p "$tmp/presets/demo" || exit 1
}
T() { tmux -S "$sock" "$@"; }
# lab_start SESSION ENVIRONMENT [WIDTH HEIGHT]: the lab in tmux session
# SESSION (80 x 24 when not given) on the presets of $tmp/presets and the run
# store $tmp/runs, started under ENVIRONMENT ("LANG=C.UTF-8 TERM=...").
lab_start() {
    T new-session -d -s "$1" -x "${3:-80}" -y "${4:-24}" \
        "cd $tmp && $2 $FINELAB --presets $tmp/presets --runs-dir $tmp/runs; sleep 30"
}
# lab_run_preset FILE [WIDTH]: the lab (WIDTH x 30, 100 wide when not
# given) in tmux session $session on the presets of $tmp/presets (FILE
# copied into its demo/) and the run store $tmp/l, then r on the first
# preset. 1 when the lab does not come up.
lab_run_preset() {
    mkdir -p "$tmp/presets/demo" && cp "$1" "$tmp/presets/demo/" || return 1
    T new-session -d -s "$session" -x "${2:-100}" -y 30 \
        "cd $tmp && LANG=C.UTF-8 TERM=xterm-256color $FINELAB --presets $tmp/presets --runs-dir $tmp/l; sleep 30"
    wait_for "Presets:" || return 1
    keys r
}
screen() { T capture-pane -p -t "$session"; }
keys() { T send-keys -t "$session" "$@"; }
# wait_for PATTERN [SECONDS]: until the screen shows PATTERN (grep), for up
# to SECONDS (40); prints the screen when it never does.
wait_for() {
    local limit=${2:-40}
    for _ in $(seq $((limit * 10))); do
        screen | grep -q -- "$1" && return 0
        sleep 0.1
    done
    echo "--- waited ${limit}s for '$1'; the screen was:"; screen
    return 1
}
# no_colour SESSION: the pane of tmux session SESSION (default $session)
# holds no colour escape (foreground or background, 8, 256 or true colour).
no_colour() {
    ! T capture-pane -p -e -t "${1:-$session}" | grep -qE $'\e\\[([0-9]*;)*(3[0-7]|38|4[0-7]|48)[;m]'
}
# plain_screen SESSION KEY READY: in SESSION, a lab started under NO_COLOR
# in an ASCII locale, presses KEY until the pane shows READY (10 s at the
# most), then checks it is ASCII alone and without colour. The pane is in
# $plain for the caller's own checks; 1, printing it, when a check fails.
plain_screen() {
    plain=""
    for _ in $(seq 100); do
        T send-keys -t "$1" "$2"
        plain=$(T capture-pane -p -t "$1")
        echo "$plain" | grep -q -- "$3" && break
        sleep 0.1
    done
    echo "$plain" | grep -q -- "$3" && ! echo "$plain" | LC_ALL=C grep -q '[^ -~]' && no_colour "$1" ||
        { echo "$plain"; return 1; }
}
# wait_gone PATTERN [SECONDS]: until the screen no longer shows PATTERN.
wait_gone() {
    local limit=${2:-40}
    for _ in $(seq $((limit * 10))); do
        screen | grep -q -- "$1" || return 0
        sleep 0.1
    done
    echo "--- waited ${limit}s for '$1' to go; the screen was:"; screen
    return 1
}

# selected: the key the editor's help line names (the selected one).
selected() { screen | sed -n 's/^\([a-z]*\.[a-z_0-9]*\): .*/\1/p' | tail -1; }
# select_key SECTION.KEY: in the editor, Up to the first row, then Down, a
# row at a time (each drawn before the next), until the help line names it;
# so a test names the key it edits rather than counting rows.
select_key() {
    keys $(printf 'Up %.0s' $(seq 80))
    wait_for "^transfer.mode: " 5 >/dev/null || return 1
    local prev=transfer.mode now
    for _ in $(seq 80); do
        [ "$prev" = "$1" ] && return 0
        keys Down
        for _ in $(seq 50); do
            now=$(selected)
            [ "$now" != "$prev" ] && break
            sleep 0.05
        done
        [ "$now" = "$prev" ] && break # the last row
        prev=$now
    done
    echo "--- never reached $1:"; screen
    return 1
}
# edit_key SECTION.KEY VALUE: in the editor, selects the key, erases its
# value, types VALUE and Enter, and waits until the screen shows VALUE.
# Saving (F2) is the caller's.
edit_key() {
    select_key "$1" || return 1
    keys Enter C-u
    for _ in $(seq 20); do keys BSpace; done
    keys "$2" Enter
    wait_for "$2"
}
