#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for tests.
#
#   scripts/pg_tmp.sh start      start a new cluster in a fresh temp dir; prints
#                                (on stdout, eval-able, nothing else):
#                                  PG_TMP_DIR=/tmp/pg_tmp.XXXXXX
#                                  PG_TMP_PORT=NNNNN
#                                  CASEWORK_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:NNNNN/casework_test
#   scripts/pg_tmp.sh stop DIR   stop the cluster in DIR and delete DIR
#   scripts/pg_tmp.sh url DIR    print the SQLAlchemy URL of the cluster in DIR
#
# Typical use:   eval "$(scripts/pg_tmp.sh start)"
#                CASEWORK_TEST_DATABASE_URL=$CASEWORK_TEST_DATABASE_URL python3 -m pytest
#                scripts/pg_tmp.sh stop "$PG_TMP_DIR"
#
# The cluster listens on 127.0.0.1 only (plus a unix socket inside DIR), with
# trust authentication, no fsync, and a database named $PG_TMP_DB
# (default casework_test). Run as root, the server runs as the `postgres`
# user (created if absent), since PostgreSQL refuses to run as root.
# Progress and errors go to stderr. Set PG_BIN to a directory holding
# initdb/pg_ctl to override the auto-detected (highest) version.
set -euo pipefail

MARKER=".pg_tmp_cluster"
DB_NAME="${PG_TMP_DB:-casework_test}"

# Don't let a developer's libpq environment redirect our client calls.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE PGOPTIONS PGSSLMODE || true

log() { echo "pg_tmp: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

find_bin() {
    if [[ -n "${PG_BIN:-}" ]]; then
        [[ -x "$PG_BIN/initdb" && -x "$PG_BIN/pg_ctl" ]] || die "PG_BIN=$PG_BIN has no initdb/pg_ctl"
        echo "$PG_BIN"
        return
    fi
    local best
    best="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -n "$best" && -x "$best/initdb" && -x "$best/pg_ctl" ]]; then
        echo "$best"
        return
    fi
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return
    fi
    die "no PostgreSQL server binaries found (install the 'postgresql' package)"
}

free_port() {
    python3 - <<'EOF'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

# Run a command as the cluster's owner (postgres when we are root), from
# inside DIR so the tools never trip over an unreadable cwd or $HOME.
as_owner() {
    local dir="$1"
    shift
    if [[ $EUID -eq 0 ]]; then
        (cd "$dir" && HOME="$dir" runuser -u postgres -- "$@")
    else
        (cd "$dir" && "$@")
    fi
}

url_for() {
    local port="$1"
    echo "postgresql+psycopg://postgres@127.0.0.1:${port}/${DB_NAME}"
}

STARTING_DIR=""
cleanup_failed_start() {
    local rc=$?
    if [[ $rc -ne 0 && -n "$STARTING_DIR" ]]; then
        log "start failed; cleaning up $STARTING_DIR"
        cmd_stop "$STARTING_DIR" >/dev/null 2>&1 || rm -rf "$STARTING_DIR"
    fi
}

cmd_start() {
    local bin dir port attempt started=0
    bin="$(find_bin)"

    if [[ $EUID -eq 0 ]] && ! id -u postgres >/dev/null 2>&1; then
        log "creating system user 'postgres'"
        useradd --system --user-group --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin postgres 2>/dev/null ||
            useradd --system postgres ||
            die "could not create the postgres user"
    fi

    # Always a world-traversable parent (a TMPDIR under /root would not be).
    dir="$(mktemp -d "${PG_TMP_PARENT:-/tmp}/pg_tmp.XXXXXX")"
    # From here on, any failure removes what we made.
    STARTING_DIR="$dir"
    trap cleanup_failed_start EXIT
    touch "$dir/$MARKER"
    chmod 0755 "$dir"
    if [[ $EUID -eq 0 ]]; then
        chown -R postgres: "$dir"
    fi

    log "initdb ($bin) in $dir/data"
    if ! as_owner "$dir" "$bin/initdb" -D "$dir/data" -A trust -U postgres \
        -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        die "initdb failed"
    fi

    # A port picked by bind(0) can be taken by someone else before postgres
    # binds it; retry with a fresh one a few times.
    for attempt in 1 2 3; do
        port="$(free_port)"
        log "starting server on 127.0.0.1:$port (attempt $attempt)"
        if as_owner "$dir" "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
            -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            start >"$dir/pg_ctl.log" 2>&1; then
            started=1
            break
        fi
        log "pg_ctl start failed:"
        cat "$dir/pg_ctl.log" >&2 2>/dev/null || true
        tail -n 20 "$dir/log" >&2 2>/dev/null || true
        as_owner "$dir" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    done
    [[ $started -eq 1 ]] || die "could not start PostgreSQL"
    echo "$port" >"$dir/port"
    echo "$bin" >"$dir/bin"

    # Created over TCP as the client (not the server user): this also proves
    # that password-less TCP logins to 127.0.0.1 work.
    log "creating database $DB_NAME"
    PGCONNECT_TIMEOUT=10 "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DB_NAME" ||
        die "createdb over TCP failed"

    trap - EXIT
    printf 'PG_TMP_DIR=%q\n' "$dir"
    printf 'PG_TMP_PORT=%q\n' "$port"
    printf 'CASEWORK_TEST_DATABASE_URL=%q\n' "$(url_for "$port")"
}

cmd_stop() {
    local dir="${1:-}"
    [[ -n "$dir" ]] || die "usage: $0 stop DIR"
    [[ -d "$dir" ]] || { log "$dir does not exist; nothing to stop"; return 0; }
    [[ -f "$dir/$MARKER" ]] || die "$dir was not made by pg_tmp.sh; refusing to touch it"

    if [[ -f "$dir/data/postmaster.pid" ]]; then
        local bin pid
        bin="$(cat "$dir/bin" 2>/dev/null || find_bin)"
        if ! as_owner "$dir" "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1; then
            as_owner "$dir" "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
        fi
        pid="$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)"
        if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
            log "postmaster $pid still alive; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -rf "$dir"
    log "stopped and removed $dir"
}

cmd_url() {
    local dir="${1:-}"
    [[ -n "$dir" && -f "$dir/port" ]] || die "usage: $0 url DIR (of a running cluster)"
    url_for "$(cat "$dir/port")"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop "${2:-}" ;;
    url) cmd_url "${2:-}" ;;
    *)
        echo "usage: $0 start | stop DIR | url DIR" >&2
        exit 2
        ;;
esac
