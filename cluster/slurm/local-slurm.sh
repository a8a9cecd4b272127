#!/usr/bin/env bash
# A real single-node Slurm on localhost, for trying the sharded workflow and for the integration
# test. Everything it runs and writes lives in one state folder ($FORESIGHT_SLURM_STATE, by
# default /tmp/foresight-local-slurm): its own munge key and socket, slurm.conf, spool, PID and
# log files. Nothing under /etc, /run or /var is touched, so `start` and `stop` leave the machine
# as they found it.
#
#   local-slurm.sh install   installs Debian's slurm-wlm and munge (root and apt-get; for CI or
#                            a machine of your own, never run by the tests)
#   local-slurm.sh start     starts munged, slurmctld and slurmd by hand (no systemd), waits until
#                            the node is idle, and prints the SLURM_CONF that clients must use
#   local-slurm.sh stop      stops what `start` started, by PID, and removes the state folder
#
# Exit status 3 from `start` means Slurm is not installed or cannot be started here.
set -euo pipefail

STATE_DIR=${FORESIGHT_SLURM_STATE:-/tmp/foresight-local-slurm}
CONF=$STATE_DIR/slurm.conf
SOCKET=$STATE_DIR/munge.socket

say() { echo "local-slurm: $*" >&2; }
unavailable() { say "$*"; exit 3; }

# A daemon counts as gone once its PID is free or a zombie (orphans are reaped late here).
alive() {
    local pid=$1
    [ -r "/proc/$pid/stat" ] || return 1
    [ "$(awk '{print $3}' "/proc/$pid/stat")" != "Z" ]
}

installed() {
    command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null \
        && command -v sbatch >/dev/null
}

install_packages() {
    installed && return 0
    [ "$(id -u)" = 0 ] || { say "installing needs root"; exit 3; }
    command -v apt-get >/dev/null || { say "there is no apt-get"; exit 3; }
    say "installing slurm-wlm and munge with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || { say "apt-get update failed"; exit 3; }
    apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null \
        || { say "apt-get could not install slurm-wlm and munge"; exit 3; }
}

start_munge() {
    dd if=/dev/urandom of="$STATE_DIR/munge.key" bs=1 count=128 status=none
    chmod 0400 "$STATE_DIR/munge.key"
    # --force: the key's folder lies under /tmp, which munged would otherwise call insecure.
    munged --force --socket="$SOCKET" --key-file="$STATE_DIR/munge.key" \
        --pid-file="$STATE_DIR/munged.pid" --log-file="$STATE_DIR/munged.log" \
        --seed-file="$STATE_DIR/munged.seed" 2>>"$STATE_DIR/munged.log" \
        || unavailable "munged would not start (see $STATE_DIR/munged.log)"
    wait_for_file "$STATE_DIR/munged.pid" || unavailable "munged did not stay up"
    munge -S "$SOCKET" -n | unmunge -S "$SOCKET" | grep -q 'STATUS: *Success' \
        || unavailable "munge does not authenticate"
}

write_conf() {
    local host cpus memory
    host=$(hostname -s)
    cpus=$(nproc)
    memory=$(slurmd -C 2>/dev/null | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
    memory=${memory:-1024}
    [ "$memory" -gt 1024 ] && memory=1024
    mkdir -p "$STATE_DIR/slurmctld" "$STATE_DIR/slurmd"
    cat > "$CONF" <<CONF
ClusterName=localcluster
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCKET
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=$STATE_DIR/slurmctld
SlurmdSpoolDir=$STATE_DIR/slurmd
SlurmctldPidFile=$STATE_DIR/slurmctld.pid
SlurmdPidFile=$STATE_DIR/slurmd.pid
SlurmctldLogFile=$STATE_DIR/slurmctld.log
SlurmdLogFile=$STATE_DIR/slurmd.log
PlugStackConfig=$STATE_DIR/plugstack.conf
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
    : > "$STATE_DIR/plugstack.conf"
}

# Daemons write their PID file a moment after they fork.
wait_for_file() {
    for _ in $(seq 1 50); do [ -s "$1" ] && return 0; sleep 0.1; done
    return 1
}

start() {
    installed || unavailable "slurm-wlm and munge are not installed: 'local-slurm.sh install' \
(as root, with apt-get) installs them"
    [ "$(id -u)" = 0 ] || unavailable "slurmd runs jobs as their users, which needs root"
    if [ -f "$STATE_DIR/slurmctld.pid" ] && alive "$(cat "$STATE_DIR/slurmctld.pid")"; then
        say "already running"
        echo "SLURM_CONF=$CONF"
        return 0
    fi
    mkdir -p "$STATE_DIR"
    chmod 0700 "$STATE_DIR"
    start_munge
    write_conf
    export SLURM_CONF=$CONF
    slurmctld -f "$CONF" || unavailable "slurmctld would not start"
    wait_for_file "$STATE_DIR/slurmctld.pid" || unavailable "slurmctld did not stay up"
    slurmd -f "$CONF" -N "$(hostname -s)" || unavailable "slurmd would not start"
    wait_for_file "$STATE_DIR/slurmd.pid" || unavailable "slurmd did not stay up"
    for _ in $(seq 1 60); do
        if sinfo -h -o '%t' 2>/dev/null | grep -q idle; then
            say "up: $(sinfo -h -o '%P %a %D %t')"
            echo "SLURM_CONF=$CONF"
            return 0
        fi
        sleep 0.5
    done
    unavailable "the node did not become idle (see $STATE_DIR/slurmctld.log)"
}

stop() {
    for daemon in slurmd slurmctld munged; do
        local file="$STATE_DIR/$daemon.pid"
        [ -f "$file" ] || continue
        local pid
        pid=$(cat "$file")
        if alive "$pid"; then
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
        fi
    done
    [ -f "$CONF" ] && rm -rf "$STATE_DIR"
    return 0
}

case "${1:-}" in
    install) install_packages ;;
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
