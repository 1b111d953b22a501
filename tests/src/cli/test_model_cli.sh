#!/usr/bin/env bash
# test_model_cli — using a trained model from the shell: `finelab eval` on a
# tiny trained run prints accuracy (equal to the run's final test accuracy,
# its test pass covering the split once) and one line per class; `predict`
# prints five classes per image, the same for the run and for its preset
# plus --weights; `features` writes .npy files that a stdlib-only Python
# reader accepts (header, shape, size) for each layer; conv5_3 and pool
# need only a backbone file (the shipped preset as it is, an export) and
# give the run's values, while the logits, predict and eval exit 2 naming
# the classifier tensors such a file lacks; bad input exits 2 naming the
# file, run, layer or tensor.
cd "$(dirname "$0")/../../.." || exit 1
. tests/lib/lib.sh
lab_init model_cli
lab_birds 6 6
# One full-coverage test pass: test_iter x batch_size = the test split.
n_test=$(awk '$2 == 0' "$tmp/birds/train_test_split.txt" | wc -l)
batch=$((n_test / 3))
[ $((batch * 3)) -eq "$n_test" ] || batch=$n_test
full_pass=(solver.batch_size=$batch solver.test_iter=$((n_test / batch)))
tiny_preset "$tmp/tiny.ini" "$tmp/birds" 6 model.bilinear_dim=64 "${full_pass[@]}"
tiny_preset "$tmp/other.ini" "$tmp/birds" 6 model.bilinear_dim=128 "${full_pass[@]}"
"$FINELAB" run "$tmp/tiny.ini" --runs-dir "$tmp/runs" > "$tmp/run.out" 2>&1
run=$(sed -n 's/^run: //p' "$tmp/run.out")
snap=$(ls "$run"/snapshots/iter_*.safetensors | tail -1)
images=("$tmp"/birds/images/001.*/*_0001_*.jpg "$tmp"/birds/images/002.*/*_0002_*.jpg
        "$tmp"/birds/images/003.*/*_0003_*.jpg)

eval_prints_accuracy_and_per_class_lines() {
    "$FINELAB" eval "$run" > "$tmp/eval" || return 1
    local final evald
    final=$(sed -n 's/^final test accuracy: \([0-9.]*\)%.*/\1/p' "$tmp/run.out")
    evald=$(sed -n 's/^accuracy *\([0-9.]*\)%.*/\1/p' "$tmp/eval")
    [ -n "$final" ] && [ "$final" = "$evald" ] || { echo "run $final% vs eval $evald%"; return 1; }
    grep -q "^test *$n_test images" "$tmp/eval" && grep -q "^loss " "$tmp/eval" &&
        [ "$(grep -cE '^ +[0-9.]+% +[0-9]+/[0-9]+  [0-9]{3}\.' "$tmp/eval")" -eq 6 ] &&
        grep -q "^most confused" "$tmp/eval"
}
eval_by_run_id_in_runs_dir() {
    "$FINELAB" eval "$(basename "$run")" --runs-dir "$tmp/runs" | grep -q "^accuracy"
}
predict_prints_five_classes_per_image() {
    "$FINELAB" predict "$run" "${images[@]}" > "$tmp/pred" || return 1
    [ "$(grep -c '^/' "$tmp/pred")" -eq 3 ] &&
        [ "$(grep -cE '^  [1-5]  [01]\.[0-9]{6}  [0-9]{3}\.' "$tmp/pred")" -eq 15 ] &&
        grep -qF "${images[1]}" "$tmp/pred"
}
predict_from_preset_and_weights_matches_run() {
    "$FINELAB" predict "$tmp/tiny.ini" --weights "$snap" "${images[@]}" > "$tmp/pred2" &&
        cmp -s "$tmp/pred" "$tmp/pred2"
}

# check_npy FILE SHAPE: the header parses, the shape matches and the file
# holds exactly the header plus prod(shape) float32 values.
check_npy() {
    python3 - "$1" "$2" <<'PY'
import ast, struct, sys
path, want = sys.argv[1], ast.literal_eval(sys.argv[2])
b = open(path, 'rb').read()
assert b[:6] == b'\x93NUMPY', 'magic'
assert b[6:8] == b'\x01\x00', 'version'
hlen = struct.unpack('<H', b[8:10])[0]
start = 10 + hlen
assert start % 64 == 0, 'alignment'
assert b[start - 1:start] == b'\n', 'newline'
d = ast.literal_eval(b[10:start].decode('latin1'))
assert d == {'descr': '<f4', 'fortran_order': False, 'shape': want}, d
n = 1
for s in want:
    n *= s
assert len(b) == start + 4 * n, (len(b), start, n)
vals = struct.unpack('<%df' % n, b[start:])
assert all(v == v and abs(v) < 1e30 for v in vals), 'finite'
PY
}
features_write_valid_npy() {
    local layer shape
    for pair in "conv5_3:(3, 32, 2, 2)" "pool:(3, 64)" "logits:(3, 6)"; do
        layer=${pair%%:*} shape=${pair#*:}
        "$FINELAB" features "$run" --layer "$layer" --out "$tmp/$layer.npy" "${images[@]}" \
            > "$tmp/feat" || return 1
        grep -q "^wrote $tmp/$layer.npy" "$tmp/feat" || return 1
        check_npy "$tmp/$layer.npy" "$shape" || { echo "$layer: $shape"; return 1; }
    done
}

# conv5_3 and pool from a backbone file: the shipped preset with its own
# model.weights (and no dataset: data/demo need not exist), the same file
# through --weights, and a run's exported backbone, as a preset's
# model.weights and through --weights, giving exactly the run's values.
features_need_only_the_backbone() {
    local demo=presets/demo/ft_last_layer.ini layer shape
    for pair in "conv5_3:(3, 128, 14, 14)" "pool:(3, 8192)"; do
        layer=${pair%%:*} shape=${pair#*:}
        "$FINELAB" features "$demo" --layer "$layer" --out "$tmp/demo_$layer.npy" "${images[@]}" \
            > "$tmp/feat" 2>&1 || { cat "$tmp/feat"; return 1; }
        check_npy "$tmp/demo_$layer.npy" "$shape" || { echo "$layer: $shape"; return 1; }
        "$FINELAB" features "$demo" --weights models/vgg16_w025_synth.safetensors \
            --layer "$layer" --out "$tmp/demo_w_$layer.npy" "${images[@]}" > /dev/null &&
            cmp "$tmp/demo_$layer.npy" "$tmp/demo_w_$layer.npy" || return 1
    done
    python3 - "$tmp/demo_conv5_3.npy" <<'PY' || return 1
import struct, sys
b = open(sys.argv[1], 'rb').read()
start = 10 + struct.unpack('<H', b[8:10])[0]
v = struct.unpack('<%df' % ((len(b) - start) // 4), b[start:])
assert min(v) >= 0 and max(v) > 0, 'conv5_3 is after its ReLU and not all zero'
PY
    "$FINELAB" export "$run" "$tmp/bb.safetensors" > /dev/null || return 1
    tiny_preset "$tmp/bb.ini" "$tmp/birds" 6 model.bilinear_dim=64 "${full_pass[@]}" \
        transfer.mode=last_layer model.weights="$tmp/bb.safetensors" || return 1
    for layer in conv5_3 pool; do
        "$FINELAB" features "$run" --layer "$layer" --out "$tmp/run_$layer.npy" "${images[@]}" \
            > /dev/null &&
            "$FINELAB" features "$tmp/bb.ini" --layer "$layer" --out "$tmp/bb_$layer.npy" \
                "${images[@]}" > /dev/null &&
            "$FINELAB" features "$tmp/tiny.ini" --weights "$tmp/bb.safetensors" --layer "$layer" \
                --out "$tmp/bbw_$layer.npy" "${images[@]}" > /dev/null || return 1
        cmp "$tmp/run_$layer.npy" "$tmp/bb_$layer.npy" &&
            cmp "$tmp/run_$layer.npy" "$tmp/bbw_$layer.npy" || return 1
    done
}

# expect_2 TEXT COMMAND...: exit code 2 and TEXT on stderr.
expect_2() {
    local text=$1; shift
    "$FINELAB" "$@" > /dev/null 2> "$tmp/err"
    local rc=$?
    [ $rc -eq 2 ] && grep -qF -- "$text" "$tmp/err" || { echo "rc $rc: $(cat "$tmp/err")"; return 1; }
}
bad_inputs_exit_2_naming_the_file() {
    mkdir -p "$tmp/runs/empty/snapshots" && cp "$run"/*.ini "$tmp/runs/empty/" &&
        expect_2 "/nonexistent/bird.jpg" predict "$run" "${images[0]}" /nonexistent/bird.jpg &&
        expect_2 "$snap" predict "$run" "$snap" &&
        expect_2 "unknown layer 'fc7'" features "$run" --layer fc7 --out "$tmp/x.npy" "${images[0]}" &&
        expect_2 "/nonexistent/x.npy" features "$run" --layer pool --out /nonexistent/x.npy \
            "${images[0]}" &&
        expect_2 "$tmp/runs/empty: no snapshots" eval empty --runs-dir "$tmp/runs" &&
        expect_2 "no-such-run" eval no-such-run --runs-dir "$tmp/runs" &&
        expect_2 "$tmp/tiny.ini: a preset needs --weights" eval "$tmp/tiny.ini" &&
        expect_2 "tensor head.fc.weight" eval "$tmp/other.ini" --weights "$snap" &&
        expect_2 "/nonexistent/w.safetensors" eval "$tmp/tiny.ini" --weights /nonexistent/w.safetensors &&
        expect_2 "needs at least one image" predict "$run" &&
        [ ! -e "$tmp/x.npy" ]
}

# The logits, predict and eval from a backbone file (the shipped preset's,
# or a run's export as --weights) say a classifier is needed, name the
# tensors missing and where to get them.
classifier_commands_name_the_missing_tensors() {
    local demo=presets/demo/ft_last_layer.ini bb=$tmp/bb_only.safetensors
    local none="has no classifier (head.fc.weight and head.fc.bias are missing)"
    "$FINELAB" export "$run" "$bb" > /dev/null || return 1
    expect_2 "models/vgg16_w025_synth.safetensors $none" eval "$demo" &&
        grep -qF "name a trained RUN, or give --weights one of its snapshots" "$tmp/err" &&
        expect_2 "models/vgg16_w025_synth.safetensors $none" predict "$demo" "${images[@]}" &&
        expect_2 "$none" features "$demo" --layer logits --out "$tmp/l.npy" "${images[0]}" &&
        expect_2 "$bb $none" predict "$run" --weights "$bb" "${images[0]}" &&
        expect_2 "$bb $none" features "$tmp/tiny.ini" --weights "$bb" --layer logits \
            --out "$tmp/l.npy" "${images[0]}" &&
        expect_2 "$bb $none" eval "$run" --weights "$bb" &&
        [ ! -e "$tmp/l.npy" ]
}

# export: the backbone tensors of the last snapshot, byte for byte, and
# nothing else; a last_layer preset then trains from the file.
export_writes_the_backbone_only() {
    "$FINELAB" export "$run" "$tmp/backbone.safetensors" > "$tmp/export" || return 1
    grep -q "^wrote $tmp/backbone.safetensors: 26 backbone tensors" "$tmp/export" || return 1
    python3 - "$snap" "$tmp/backbone.safetensors" <<'PY' || return 1
import json, struct, sys
def load(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    head = json.loads(raw[8:8 + n])
    meta = head.pop("__metadata__", {})
    data = {k: raw[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]] for k, v in head.items()}
    return head, meta, data
shead, smeta, sdata = load(sys.argv[1])
bhead, bmeta, bdata = load(sys.argv[2])
want = sorted(k for k in shead if k.startswith("features.") and not k.endswith(".history"))
assert sorted(bhead) == want, (sorted(bhead), want)
for k in want:
    assert bhead[k]["dtype"] == "F32" and bhead[k]["shape"] == shead[k]["shape"], k
    assert bdata[k] == sdata[k], k
assert bmeta["format"] == "finelab-backbone-1" and bmeta["input"] == smeta["input"], bmeta
assert bmeta["exported_iter"] == smeta["iter"], bmeta
assert bmeta["exported_from"] == sys.argv[1].split("/")[-3] + "/snapshots/" + sys.argv[1].split("/")[-1], bmeta
PY
    python3 tests/lib/safetensors_check.py "$tmp/backbone.safetensors" > /dev/null || return 1
    sed -e 's/^mode = scratch/mode = last_layer/' -e "s|^\[model\]|[model]\nweights = $tmp/backbone.safetensors|" \
        "$tmp/tiny.ini" > "$tmp/from_backbone.ini"
    "$FINELAB" run "$tmp/from_backbone.ini" --runs-dir "$tmp/runs2" > "$tmp/run2.out" 2>&1 ||
        { cat "$tmp/run2.out"; return 1; }
    grep -q "^final test accuracy" "$tmp/run2.out"
}
export_bad_input_exits_2_and_writes_nothing() {
    expect_2 "no-such-run" export no-such-run "$tmp/none.safetensors" --runs-dir "$tmp/runs" &&
        expect_2 "${images[0]}" export "${images[0]}" "$tmp/none.safetensors" &&
        expect_2 "usage: finelab export" export "$run" &&
        [ ! -e "$tmp/none.safetensors" ]
}

check export_writes_the_backbone_only export_writes_the_backbone_only
check export_bad_input_exits_2_and_writes_nothing export_bad_input_exits_2_and_writes_nothing
check eval_prints_accuracy_and_per_class_lines eval_prints_accuracy_and_per_class_lines
check eval_by_run_id_in_runs_dir eval_by_run_id_in_runs_dir
check predict_prints_five_classes_per_image predict_prints_five_classes_per_image
check predict_from_preset_and_weights_matches_run predict_from_preset_and_weights_matches_run
check features_write_valid_npy features_write_valid_npy
check bad_inputs_exit_2_naming_the_file bad_inputs_exit_2_naming_the_file
check features_need_only_the_backbone features_need_only_the_backbone
check classifier_commands_name_the_missing_tensors classifier_commands_name_the_missing_tensors
finish
