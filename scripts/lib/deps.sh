# shellcheck shell=bash
# Sourced by scripts/test, scripts/demo and bench/run: installs the Debian 12 packages Lifeboat needs,
# but only when something is missing (so repeated runs never touch apt).

PG_MAJOR=15

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
    if (( EUID == 0 )); then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        echo "error: need root (or sudo) to run: $*" >&2
        return 1
    fi
}

ensure_deps() {
    local pg=/usr/lib/postgresql/$PG_MAJOR/bin
    local -a missing=()
    [[ -x $pg/initdb ]] || missing+=("postgresql-$PG_MAJOR")
    [[ -x $pg/psql && -x $pg/pg_dump && -x $pg/pg_restore ]] || missing+=("postgresql-client-$PG_MAJOR")
    [[ -f /usr/share/postgresql/$PG_MAJOR/extension/postgis.control ]] || missing+=("postgresql-$PG_MAJOR-postgis-3")
    command -v zstd >/dev/null || missing+=(zstd)
    command -v age >/dev/null || missing+=(age)
    command -v tmux >/dev/null || missing+=(tmux)
    command -v script >/dev/null || missing+=(bsdutils)
    [[ -x /usr/bin/time ]] || missing+=(time) # GNU time: bench/run reads peak RSS from it
    [[ -x /usr/bin/alembic ]] || missing+=(alembic)
    dpkg-query -W -f='${Status}' python3-psycopg2 2>/dev/null | grep -q 'install ok installed' || missing+=(python3-psycopg2)

    if (( ${#missing[@]} > 0 )); then
        if ! command -v apt-get >/dev/null; then
            echo "error: missing ${missing[*]} and apt-get is not available; install them by hand" >&2
            return 1
        fi
        echo "==> installing ${missing[*]}"
        as_root apt-get update -q
        # Installing postgresql-15 also creates and starts a "main" cluster on 5432; harmless,
        # the tests, the demo and the bench run their own clusters on free ports.
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi

    # The tests run initdb/pg_ctl as "postgres" when we are root; the package normally creates it.
    if ! getent passwd postgres >/dev/null; then
        as_root useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi
}

# Native AOT (bench/run and README's install for servers): the ILCompiler links with clang, and needs zlib's headers.
ensure_native_aot_deps() {
    local -a missing=()
    command -v clang >/dev/null || missing+=(clang)
    [[ -f /usr/include/zlib.h ]] || missing+=(zlib1g-dev)
    if (( ${#missing[@]} > 0 )); then
        echo "==> installing ${missing[*]} (Native AOT build)"
        as_root apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
}
