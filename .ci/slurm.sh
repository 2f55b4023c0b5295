#!/usr/bin/env bash
# A real one-node Slurm for the tests (tests/slurm.rs runs deploy/slurm/submit.sh on it):
#   .ci/slurm.sh start STATE_DIR   installs slurm-wlm and munge if missing, writes slurm.conf,
#                                  starts munged, slurmctld and slurmd, waits for the node
#   .ci/slurm.sh stop STATE_DIR    stops the daemons it started, by the PIDs it saved
# Without systemd or cgroups: process tracking by /proc (proctrack/linuxproc), no task plugin,
# no accounting. On failure it prints the daemons' logs and exits 1.
set -euo pipefail

action="${1:?usage: .ci/slurm.sh start|stop STATE_DIR}"
state="${2:?usage: .ci/slurm.sh start|stop STATE_DIR}"
mkdir -p "$state"
state="$(cd "$state" && pwd)"

logs() {
  for log in "$state"/*.log /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log; do
    [[ -f "$log" ]] && { echo "--- $log"; tail -n 40 "$log"; }
  done >&2
}

stop_pid() {
  local file="$1" pid
  [[ -f "$file" ]] || return 0
  pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

case "$action" in
stop)
  stop_pid "$state/slurmd.pid"
  stop_pid "$state/slurmctld.pid"
  stop_pid "$state/munged.pid"
  ;;
start)
  if command -v sinfo >/dev/null && [[ "$(sinfo -h -o %T 2>/dev/null)" == idle ]]; then
    echo "slurm: a cluster is already up; using it as it is (nothing to stop)"
    exit 0
  fi
  if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >"$state/apt.log" 2>&1) \
      || { echo "error: could not install slurm-wlm and munge" >&2; tail -n 20 "$state/apt.log" >&2; exit 1; }
  fi
  node="$(hostname -s)"
  cpus="$(nproc)"
  memory=$(($(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) * 9 / 10))
  # The node's layout as slurmd sees it (a mismatch would drain the node).
  layout="$(slurmd -C | head -1 | grep -o 'CPUs=[0-9]* .*ThreadsPerCore=[0-9]*' | sed 's/Boards=[0-9]* //; s/SocketsPerBoard=/Sockets=/')"
  [[ -n "$layout" ]] || layout="CPUs=$cpus"
  address=""
  getent hosts "$node" >/dev/null || address="NodeAddr=127.0.0.1"
  mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge
  cat >/etc/slurm/slurm.conf <<EOF
ClusterName=breachcost-ci
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=/var/log/slurm/jobcomp.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
DependencyParameters=kill_invalid_depend
MailProg=/bin/true
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$node $address $layout RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
  [[ -f /etc/munge/munge.key ]] || mungekey -c
  chown munge:munge /etc/munge/munge.key /run/munge && chmod 0400 /etc/munge/munge.key
  runuser -u munge -- /usr/sbin/munged --pid-file="/run/munge/munged.pid" >"$state/munged.log" 2>&1 \
    || { logs; exit 1; }
  cp /run/munge/munged.pid "$state/munged.pid"
  munge -n | unmunge >/dev/null || { echo "error: munge does not work" >&2; logs; exit 1; }
  slurmctld -D >"$state/slurmctld.log" 2>&1 &
  echo $! >"$state/slurmctld.pid"
  slurmd -D >"$state/slurmd.log" 2>&1 &
  echo $! >"$state/slurmd.pid"
  for _ in $(seq 300); do
    [[ "$(sinfo -h -o %T 2>/dev/null)" == idle ]] && { echo "slurm: node $node idle"; exit 0; }
    sleep 0.1
  done
  echo "error: the Slurm node did not come up within 30 s" >&2
  sinfo >&2 || true
  logs
  "$0" stop "$state"
  exit 1
  ;;
*)
  echo "usage: .ci/slurm.sh start|stop STATE_DIR" >&2
  exit 2
  ;;
esac
