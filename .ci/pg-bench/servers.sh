# Sourced by .ci/pg-bench/run and .ci/pg-bench/http: a private PostgreSQL 15 primary on
# 127.0.0.1:$PORT and (STANDBY=1, the default) one synchronous streaming standby on
# $STANDBY_PORT, in a temporary folder $PGDIR, stopped and removed on exit. Sets WHAT.
BIN=/usr/lib/postgresql/15/bin
[ -x "$BIN/postgres" ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 > /dev/null; }
STANDBY=${STANDBY:-1}
PGDIR=$(mktemp -d /tmp/journey-pg-bench-XXXX)
PORT=${PORT:-18432} STANDBY_PORT=${STANDBY_PORT:-18433}
as_pg() { if [ "$(id -u)" = 0 ]; then setpriv --reuid=postgres --regid=postgres --init-groups "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres: "$PGDIR"
stop_servers() {
    as_pg "$BIN/pg_ctl" -D "$PGDIR/standby" -m immediate -w stop > /dev/null 2>&1 || true
    as_pg "$BIN/pg_ctl" -D "$PGDIR/data" -m immediate -w stop > /dev/null 2>&1 || true
    rm -rf "$PGDIR"
}
as_pg "$BIN/initdb" -D "$PGDIR/data" -U journey --auth=trust -E UTF8 > /dev/null
SYNC=""
# PostgreSQL's default settings but for the WAL's size, as in deploy/cluster/patroni/patroni.yml
# (WAL_SIZES= for PostgreSQL's defaults): min_wal_size keeps 2 GB of used WAL segments to be
# recycled (a load on a server that has run a while writes into them; a server made a moment ago
# creates, zero-fills and fsyncs each new one in the inserting backend, see README "A cluster made
# a moment ago"), max_wal_size 4 GB between checkpoints. TUNING="-c shared_buffers=2GB …" adds
# others (2 GB of buffers made no difference here).
WAL_SIZES=${WAL_SIZES--c min_wal_size=2GB -c max_wal_size=4GB}
TUNING="$WAL_SIZES ${TUNING-}"
[ "$STANDBY" = 1 ] && SYNC="-c synchronous_standby_names=*"
as_pg "$BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w -o "-p $PORT -k $PGDIR -c listen_addresses=127.0.0.1 -c max_connections=200 $TUNING $SYNC" start > /dev/null
if [ "$STANDBY" = 1 ]; then
    as_pg "$BIN/pg_basebackup" -h 127.0.0.1 -p $PORT -U journey -D "$PGDIR/standby" -R -X stream > /dev/null
    as_pg "$BIN/pg_ctl" -D "$PGDIR/standby" -l "$PGDIR/standby.log" -w -o "-p $STANDBY_PORT -k $PGDIR -c listen_addresses=127.0.0.1 -c max_connections=200 $TUNING" start > /dev/null
    for _ in $(seq 1 50); do
        state=$(as_pg "$BIN/psql" -h 127.0.0.1 -p $PORT -U journey -d postgres -Atc "SELECT sync_state FROM pg_stat_replication" 2>/dev/null || true)
        [ "$state" = sync ] && break
        sleep 0.2
    done
    [ "$state" = sync ] || { echo "the standby did not become synchronous (state: ${state:-none})" >&2; exit 1; }
    WHAT="one synchronous standby on 127.0.0.1:$STANDBY_PORT (synchronous_commit on)"
else
    WHAT="no standby"
fi
echo "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT, fsync on, $WHAT"
