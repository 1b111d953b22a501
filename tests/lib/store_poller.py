#!/usr/bin/env python3
"""store_poller — a reader in another process for tests/src/cli/test_many_writers.sh.

Polls every run under RUNS_DIR until the file STOP exists, reading each
status.ini and metrics.tsv as raw bytes while other processes replace and
append them, and fails (exit 1, naming the file and what was wrong) on a torn
file:
  status.ini   must be whole: "[run]" first, a newline last, every line
               "key = value", the always-written "slurm" key present; its
               iteration never goes back.
  metrics.tsv  must start with its header; every complete line is a row of
               8 tab-separated fields (an integer iteration, train or test);
               a last line without its newline is being written; what was
               read before is a prefix of what is read now (append only).
Prints the rounds made (and how many while some run was not finished).
"""
import os
import sys

HEADER = b"iter\tphase\tloss\taccuracy\tlr\tseconds\timages_per_s\tdata_wait\n"
FINISHED = {b"done", b"failed", b"stopped", b"diverged", b"pruned"}


def torn(path, why, data):
    sys.stderr.write("torn %s: %s\n--- read (%d bytes):\n%r\n" % (path, why, len(data), data[:600]))
    sys.exit(1)


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def check_status(path, data, last_iter):
    if not data.startswith(b"[run]\n") or not data.endswith(b"\n"):
        torn(path, "not whole", data)
    keys = {}
    for line in data.split(b"\n")[1:-1]:
        key, eq, value = line.partition(b" = ")
        if not eq:
            torn(path, "line %r" % line, data)
        keys[key] = value
    if b"slurm" not in keys:
        torn(path, "no slurm line (cut short)", data)
    it = int(keys.get(b"iter", b"0"))
    if it < last_iter:
        torn(path, "iteration went back from %d to %d" % (last_iter, it), data)
    return it, keys.get(b"state", b"") in FINISHED


def check_metrics(path, data, before):
    if not data.startswith(HEADER) and not HEADER.startswith(data):
        torn(path, "header", data)
    if not data.startswith(before):
        torn(path, "rows read before are gone or changed", data)
    complete = data[: data.rfind(b"\n") + 1]
    for line in complete[len(HEADER):].split(b"\n")[:-1]:
        fields = line.split(b"\t")
        if len(fields) != 8 or fields[1] not in (b"train", b"test"):
            torn(path, "row %r" % line, data)
        int(fields[0])
        for x in fields[2:]:
            float(x)
    return complete


def main():
    runs_dir, stop = sys.argv[1], sys.argv[2]
    if len(sys.argv) > 3:  # tell the test the loop starts now
        open(sys.argv[3], "w").close()
    last_iter, seen = {}, {}
    rounds = live = reads = 0
    while not os.path.exists(stop):
        unfinished = 0
        for run in sorted(os.listdir(runs_dir)) if os.path.isdir(runs_dir) else []:
            d = os.path.join(runs_dir, run)
            if run.startswith(".") or not os.path.isdir(d):
                continue
            status = read(os.path.join(d, "status.ini"))
            if status is None:
                continue
            it, finished = check_status(d + "/status.ini", status, last_iter.get(run, 0))
            last_iter[run] = it
            unfinished += not finished
            metrics = read(os.path.join(d, "metrics.tsv"))
            if metrics is not None:
                seen[run] = check_metrics(d + "/metrics.tsv", metrics, seen.get(run, b""))
            reads += 1
        rounds += 1
        live += unfinished > 0
    print("poller: %d rounds (%d while runs trained), %d run reads, %d runs seen, nothing torn"
          % (rounds, live, reads, len(seen)))
    if live < 100:
        sys.stderr.write("poller: only %d rounds while runs trained (want 100 or more)\n" % live)
        sys.exit(1)


if __name__ == "__main__":
    main()
