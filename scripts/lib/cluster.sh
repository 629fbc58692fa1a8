# shellcheck shell=bash
# Sourced by scripts/demo and bench/run (after scripts/lib/deps.sh, for PG_MAJOR): a throwaway
# PostgreSQL cluster in a folder, reachable over TCP only, with a generated password that lives only
# in a 0600 PGPASSFILE.
#
#   cluster_setup "$repo/.demo" demo   # where the cluster lives; exports PGPASSFILE
#   cluster_stop                       # one left over from a run killed before its trap ran
#   cluster_exists || cluster_init     # initdb, only when needed
#   cluster_trap                       # stop it on exit, Ctrl-C and SIGTERM
#   cluster_start "$(cluster_free_port 55432)"   # exports PGHOST PGPORT PGUSER
#
# The server only runs while the calling script does; the data stays for the next run.

PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin

# Inherited PG* settings (PGDATABASE, PGSSLMODE, PGOPTIONS...) would point psql, pg_dump and
# lifeboat somewhere else.
cluster_clear_pg_env() {
    local var
    while read -r var; do unset "$var"; done < <(compgen -e | grep '^PG' || true)
}

# PostgreSQL refuses to run as root, so the server tools run as "postgres" then.
as_pg() {
    if (( EUID == 0 )); then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# cluster_setup BASE NAME: the cluster lives in BASE/pg and its password in BASE/pgpass.
# Sets CLUSTER_NAME, CLUSTER_DIR, CLUSTER_DATA; clears inherited PG* variables; exports PGPASSFILE.
cluster_setup() {
    local base=$1
    CLUSTER_NAME=$2
    mkdir -p "$base"
    CLUSTER_DIR="$base/pg"
    if (( EUID == 0 )) && ! runuser -u postgres -- test -x "$base"; then
        # The postgres user cannot reach the folder (e.g. it lives under /root): keep the cluster in /var/tmp.
        CLUSTER_DIR="/var/tmp/lifeboat-$CLUSTER_NAME-$(cksum <<<"$base" | cut -d' ' -f1)/pg"
    fi
    CLUSTER_DATA="$CLUSTER_DIR/data"
    cluster_clear_pg_env
    export PGPASSFILE="$base/pgpass" # the password lives only here (0600), never on a command line
}

# True when the cluster was initialised and its password file is there.
cluster_exists() {
    [[ -f $CLUSTER_DATA/PG_VERSION && -f $PGPASSFILE ]]
}

# (Re)creates the cluster: superuser "postgres", scram-sha-256 over TCP, a fresh random password.
cluster_init() {
    local password
    rm -rf "$CLUSTER_DIR"
    mkdir -p "$CLUSTER_DIR"
    chmod 700 "$CLUSTER_DIR"
    password="$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
    (umask 077 && printf '%s\n' "$password" >"$CLUSTER_DIR/pwfile")
    if (( EUID == 0 )); then chown -R postgres "$CLUSTER_DIR"; fi
    if ! as_pg "$PG_BIN/initdb" -D "$CLUSTER_DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        --pwfile="$CLUSTER_DIR/pwfile" -E UTF8 --locale=C.UTF-8 >/dev/null; then
        rm -f "$CLUSTER_DIR/pwfile"
        echo "error: initdb failed in $CLUSTER_DIR" >&2
        return 1
    fi
    rm -f "$CLUSTER_DIR/pwfile"
    (umask 077 && printf '127.0.0.1:*:*:postgres:%s\n' "$password" >"$PGPASSFILE")
}

# cluster_free_port [FIRST]: prints the first port from FIRST (default 55432) on which nothing
# listens, trying 100 ports.
cluster_free_port() {
    local first=${1:-55432} port
    for (( port = first; port < first + 100; port++ )); do
        if ! (: >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    echo "error: no free port in $first-$((first + 99))" >&2
    return 1
}

# cluster_start PORT [postgres -c settings...]: starts the server on 127.0.0.1:PORT, TCP only (no
# Unix socket), so every client authenticates with the password from PGPASSFILE. Exports
# PGHOST, PGPORT and PGUSER for psql, pg_dump and lifeboat.
cluster_start() {
    local port=$1 opts setting
    shift
    opts="-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
    for setting in "$@"; do opts+=" -c $setting"; done
    if ! as_pg "$PG_BIN/pg_ctl" -D "$CLUSTER_DATA" -l "$CLUSTER_DIR/server.log" -w -o "$opts" start >/dev/null; then
        tail -n 20 "$CLUSTER_DIR/server.log" >&2
        return 1
    fi
    export PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres
}

# Stops the server if it runs. Safe to call any number of times, from a trap, or before
# cluster_setup ran; never fails.
cluster_stop() {
    if [[ -n ${CLUSTER_DATA:-} && -f $CLUSTER_DATA/postmaster.pid ]]; then
        echo "==> stopping the ${CLUSTER_NAME:-PostgreSQL} server"
        as_pg "$PG_BIN/pg_ctl" -D "$CLUSTER_DATA" -m fast -w stop >/dev/null 2>&1 || true
    fi
    return 0
}

# Stops the server when the script exits, including on Ctrl-C and SIGTERM (which would otherwise
# end bash without running the EXIT trap).
cluster_trap() {
    trap cluster_stop EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}
