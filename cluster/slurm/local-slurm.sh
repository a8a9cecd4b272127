#!/usr/bin/env bash
# A real single-node Slurm on localhost, for trying the sharded workflow and for the integration
# test: `local-slurm.sh start` installs Debian's slurm-wlm and munge where they are missing
# (needs root and apt), starts munged, slurmctld and slurmd by hand (no systemd needed), and
# waits until the node is idle; `local-slurm.sh stop` stops what `start` started, by PID.
# Exit status 3 from `start` means Slurm cannot be installed or started here.
set -euo pipefail

STATE_DIR=${FORESIGHT_SLURM_STATE:-/tmp/foresight-local-slurm}
CONF=/etc/slurm/slurm.conf

say() { echo "local-slurm: $*" >&2; }
unavailable() { say "$*"; exit 3; }

# A daemon counts as gone once its PID is free or a zombie (orphans are reaped late here).
alive() {
    local pid=$1
    [ -r "/proc/$pid/stat" ] || return 1
    [ "$(awk '{print $3}' "/proc/$pid/stat")" != "Z" ]
}

install_packages() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null; then
        return 0
    fi
    [ "$(id -u)" = 0 ] || unavailable "slurm-wlm is not installed and installing needs root"
    command -v apt-get >/dev/null || unavailable "slurm-wlm is not installed and there is no apt-get"
    say "installing slurm-wlm and munge with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || unavailable "apt-get update failed"
    apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null \
        || unavailable "apt-get could not install slurm-wlm and munge"
}

start_munge() {
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
        return 0   # a munged is already running: reuse it, and leave it running at stop
    fi
    if [ ! -s /etc/munge/munge.key ]; then
        mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null \
            || dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=128 status=none
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
    install -d -o munge -g munge -m 0755 /run/munge
    runuser -u munge -- /usr/sbin/munged || unavailable "munged would not start"
    wait_for_file /run/munge/munged.pid || unavailable "munged did not stay up"
    cat /run/munge/munged.pid > "$STATE_DIR/munged.pid"
    munge -n | unmunge | grep -q 'STATUS: *Success' || unavailable "munge does not authenticate"
}

write_conf() {
    local host cpus memory
    host=$(hostname -s)
    cpus=$(nproc)
    memory=$(slurmd -C 2>/dev/null | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
    memory=${memory:-1024}
    [ "$memory" -gt 1024 ] && memory=1024
    install -d -m 0755 /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
    [ -f "$CONF" ] && [ ! -f "$STATE_DIR/conf.ours" ] && cp "$CONF" "$STATE_DIR/slurm.conf.saved"
    cat > "$CONF" <<CONF
ClusterName=localcluster
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
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
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
    touch "$STATE_DIR/conf.ours"
}

# Daemons write their PID file a moment after they fork.
wait_for_file() {
    for _ in $(seq 1 50); do [ -s "$1" ] && return 0; sleep 0.1; done
    return 1
}

start() {
    mkdir -p "$STATE_DIR"
    if [ -f "$STATE_DIR/slurmctld.pid" ] && alive "$(cat "$STATE_DIR/slurmctld.pid")"; then
        say "already running"
        return 0
    fi
    install_packages
    start_munge
    write_conf
    rm -f /run/slurmctld.pid /run/slurmd.pid
    /usr/sbin/slurmctld -c || unavailable "slurmctld would not start"
    wait_for_file /run/slurmctld.pid || unavailable "slurmctld did not stay up"
    cat /run/slurmctld.pid > "$STATE_DIR/slurmctld.pid"
    /usr/sbin/slurmd -N "$(hostname -s)" || unavailable "slurmd would not start"
    wait_for_file /run/slurmd.pid || unavailable "slurmd did not stay up"
    cat /run/slurmd.pid > "$STATE_DIR/slurmd.pid"
    for _ in $(seq 1 60); do
        if sinfo -h -o '%t' 2>/dev/null | grep -q idle; then
            say "up: $(sinfo -h -o '%P %a %D %t')"
            return 0
        fi
        sleep 0.5
    done
    unavailable "the node did not become idle (see /var/log/slurm/)"
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
        rm -f "$file"
    done
    if [ -f "$STATE_DIR/slurm.conf.saved" ]; then
        mv "$STATE_DIR/slurm.conf.saved" "$CONF"
    fi
    rm -f "$STATE_DIR/conf.ours"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
