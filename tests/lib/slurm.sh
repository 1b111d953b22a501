# tests/lib/slurm.sh — a real Slurm on this one machine for a test or a
# benchmark, started here and stopped again (by pid): munged as the munge
# user on a key and socket of its own, slurmctld and slurmd on a
# slurm.conf in $tmp/slurm (SLURM_CONF exported), on ports of their own.
# The node says 4 CPUs (config_overrides), so an array's %K and not the
# machine's cores is what holds tasks back. Needs $tmp (a scratch
# directory of the caller's).
#
#   slurm_missing        prints why Slurm cannot run here ("" and status 1
#                        when it can): not installed, not root, no munge user
#   slurm_start          starts munged, slurmctld and slurmd; 1 (saying
#                        why) when they do not come up
#   slurm_stop           stops what slurm_start started (for an EXIT trap)
daemons=()

slurm_missing() {
    local c
    for c in slurmctld slurmd sbatch squeue scancel sinfo munged runuser; do
        command -v "$c" > /dev/null ||
            { echo "no '$c': Slurm is not installed (apt-get install slurm-wlm munge; .ci/run does)"; return 0; }
    done
    [ "$(id -u)" -eq 0 ] || { echo "starting slurmd and munged needs root"; return 0; }
    id munge > /dev/null 2>&1 || { echo "no munge user (apt-get install munge)"; return 0; }
    return 1
}

slurm_stop() {
    local p
    [ -s "$tmp/munge/munged.pid" ] && daemons+=("$(cat "$tmp/munge/munged.pid")")
    for p in "${daemons[@]}"; do kill "$p" 2> /dev/null; done
    for p in "${daemons[@]}"; do
        for _ in $(seq 50); do kill -0 "$p" 2> /dev/null || break; sleep 0.1; done
    done
}

start_munge() {
    mkdir -p "$tmp/munge" && chown munge:munge "$tmp/munge" && chmod 700 "$tmp/munge" &&
        dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 status=none &&
        chown munge:munge "$tmp/munge/munge.key" && chmod 400 "$tmp/munge/munge.key" &&
        runuser -u munge -- munged --force --key-file="$tmp/munge/munge.key" \
            --socket="$tmp/munge/munge.sock" --pid-file="$tmp/munge/munged.pid" \
            --log-file="$tmp/munge/munged.log" --seed-file="$tmp/munge/munged.seed"
}

start_slurm() {
    local node port=$((20000 + ($$ % 10000) * 2))
    node=$(slurmd -C | sed -n 's/^NodeName=\([^ ]*\).*/\1/p')
    [ -n "$node" ] || return 1
    mkdir -p "$tmp/slurm/state" "$tmp/slurm/spool" || return 1
    cat > "$tmp/slurm/slurm.conf" << CONF
ClusterName=finelabtest
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/munge.sock
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
ReturnToService=2
SlurmdParameters=config_overrides
StateSaveLocation=$tmp/slurm/state
SlurmdSpoolDir=$tmp/slurm/spool
SlurmctldPidFile=$tmp/slurm/slurmctld.pid
SlurmdPidFile=$tmp/slurm/slurmd.pid
SlurmctldLogFile=$tmp/slurm/slurmctld.log
SlurmdLogFile=$tmp/slurm/slurmd.log
NodeName=$node NodeAddr=127.0.0.1 CPUs=4 RealMemory=1000 State=UNKNOWN
PartitionName=finelab Nodes=ALL Default=YES State=UP MaxTime=INFINITE
CONF
    export SLURM_CONF=$tmp/slurm/slurm.conf
    slurmctld -D -i > "$tmp/slurm/slurmctld.out" 2>&1 &
    daemons+=($!)
    slurmd -D > "$tmp/slurm/slurmd.out" 2>&1 &
    daemons+=($!)
    for _ in $(seq 100); do
        [ "$(sinfo -h -o %T 2> /dev/null)" = idle ] && return 0
        sleep 0.2
    done
    echo "slurm did not come up:"; tail -5 "$tmp/slurm/slurmctld.log" "$tmp/slurm/slurmd.log"
    return 1
}

slurm_start() {
    chmod 755 "$tmp" # munged runs as munge and must reach its directory
    start_munge || { echo "munged did not start"; cat "$tmp/munge/munged.log"; return 1; }
    start_slurm
}

