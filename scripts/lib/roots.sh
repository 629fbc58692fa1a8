# shellcheck shell=bash
# Sourced by scripts/test-majors and bench/run (after scripts/lib/deps.sh): Debian roots that run another
# PostgreSQL major with its own pg_dump, pg_restore and psql, made with debootstrap and apt from Debian's
# other releases. This machine's own apt sources are never changed.
#
#   root_build 17            # builds (or reuses) the root; sets ROOT_DIR; fails with the step and its log
#   root_run 17 CMD...       # runs CMD inside it as root, with this repo, the .NET SDK and NuGet's packages
#                            # mounted at the same paths, in a mount and pid namespace of its own: the
#                            # mounts and every process started inside (servers too) end with CMD
#
# Roots are cached under $LIFEBOAT_ROOTS (default /var/cache/lifeboat-majors), one folder per major and
# package list: a changed list (or ROOT_FORMAT) builds a new root and removes the old one.

ROOTS_DIR=${LIFEBOAT_ROOTS:-/var/cache/lifeboat-majors}
ROOT_MIRROR=${LIFEBOAT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
ROOT_FORMAT=1 # bump when the way a root is made changes

# The Debian release that carries each major, with its PostGIS.
root_suite() {
    case $1 in
        13) echo bullseye ;;
        17) echo trixie ;;
        18) echo forky ;;
        *) return 1 ;;
    esac
}

# The packages of a root: the server, its client tools, PostGIS; zstd for the backups, GNU time for bench/run.
# libstdc++6 and ICU (pulled in by postgresql) are what the .NET runtime needs.
root_packages() {
    echo "postgresql-$1 postgresql-client-$1 postgresql-$1-postgis-3 zstd time ca-certificates libstdc++6"
}

# debootstrap on bookworm has no script for forky; sid's is the one that fits a testing release.
root_debootstrap_script() {
    case $1 in
        forky) echo /usr/share/debootstrap/scripts/sid ;;
        *) echo "" ;;
    esac
}

# forky's Release file on the archive here is past its Valid-Until date.
root_apt_options() {
    case $1 in
        forky) echo "-o Acquire::Check-Valid-Until=false" ;;
        *) echo "" ;;
    esac
}

ensure_root_deps() {
    (( EUID == 0 )) || { echo "error: scripts/test-majors builds and enters Debian roots (debootstrap, chroot, mount): run it as root, e.g. sudo scripts/test-majors" >&2; return 1; }
    local -a missing=()
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    command -v unshare >/dev/null || missing+=(util-linux)
    if (( ${#missing[@]} > 0 )); then
        echo "==> installing ${missing[*]}"
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
}

root_key() {
    local major=$1 suite
    suite=$(root_suite "$major")
    printf '%s\n' "$ROOT_FORMAT" "$suite" "$ROOT_MIRROR" "$(root_packages "$major")" "$(root_apt_options "$suite")" \
        "$(cat /usr/local/share/ca-certificates/* 2>/dev/null | sha256sum)" | sha256sum | cut -c1-12
}

# A step that failed: one line naming it and its log, then the log's last lines.
root_fail() {
    local major=$1 step=$2 log=$3
    echo "error: building the PostgreSQL $major root failed at $step; its log is $log" >&2
    tail -n 5 "$log" | sed 's/^/  | /' >&2
    return 1
}

# Runs a command inside root $1 with a clean environment (PATH for apt and the tools), with /proc and /dev
# mounted (postgresql-common's postinst needs /proc) in a mount and pid namespace that ends with it.
root_chroot() {
    local dir=$1; shift
    unshare --mount --pid --fork --propagation private /bin/sh -c '
        dir=$1; shift
        mount -t proc proc "$dir/proc" && mount --rbind /dev "$dir/dev" || exit 1
        exec chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"
    ' root-chroot "$dir" "$@"
}

root_build() {
    local major=$1 suite key dir partial logs script apt_opts
    suite=$(root_suite "$major") || { echo "error: no Debian root is known for PostgreSQL $major; choose 13, 17 or 18" >&2; return 2; }
    key=$(root_key "$major")
    dir="$ROOTS_DIR/pg$major-$key"
    logs="$ROOTS_DIR/logs"
    ROOT_DIR=$dir
    if [[ -f $dir/.lifeboat-root ]]; then
        return 0
    fi
    mkdir -p "$ROOTS_DIR" "$logs"
    chmod 0700 "$ROOTS_DIR"
    # Older roots of this major (another package list) and a build that was cut short. Nothing is ever
    # mounted under them in this namespace (root_run mounts in a namespace of its own), so rm cannot reach
    # through a bind mount into the repo or the SDK.
    local old
    for old in "$ROOTS_DIR/pg$major"-* "$ROOTS_DIR/.pg$major"-*; do
        [[ -e $old ]] || continue
        if findmnt -rn -o TARGET | grep -q "^$old"; then
            echo "error: $old has something mounted under it; unmount it before the root is rebuilt" >&2
            return 1
        fi
        rm -rf "$old"
    done
    partial="$ROOTS_DIR/.pg$major-$key.partial"
    script=$(root_debootstrap_script "$suite")
    apt_opts=$(root_apt_options "$suite")

    echo "==> building the PostgreSQL $major root ($suite) in $dir"
    # shellcheck disable=SC2086 # $script is empty or one path
    debootstrap --variant=minbase "$suite" "$partial" "$ROOT_MIRROR" $script >"$logs/pg$major-debootstrap.log" 2>&1 \
        || root_fail "$major" debootstrap "$logs/pg$major-debootstrap.log" || return 1

    # No main cluster on install (the tests make their own), no service started inside the root, and
    # this machine's certificate authorities (a proxy may sign what apt and NuGet fetch).
    mkdir -p "$partial/etc/postgresql-common" "$partial/usr/local/share/ca-certificates"
    echo "create_main_cluster = false" >"$partial/etc/postgresql-common/createcluster.conf"
    printf '#!/bin/sh\nexit 101\n' >"$partial/usr/sbin/policy-rc.d"
    chmod 0755 "$partial/usr/sbin/policy-rc.d"
    cp /usr/local/share/ca-certificates/* "$partial/usr/local/share/ca-certificates/" 2>/dev/null || true
    cp /etc/resolv.conf "$partial/etc/resolv.conf"

    local apt_log="$logs/pg$major-apt.log"
    # shellcheck disable=SC2046,SC2086
    {
        root_chroot "$partial" apt-get $apt_opts update -q &&
        root_chroot "$partial" apt-get $apt_opts install -y -q --no-install-recommends $(root_packages "$major") &&
        root_chroot "$partial" update-ca-certificates &&
        root_chroot "$partial" apt-get clean
    } >"$apt_log" 2>&1 || root_fail "$major" apt "$apt_log" || return 1
    chmod 1777 "$partial/tmp"

    # A server must start in it: initdb, then pg_ctl start and stop, as the tests will.
    local init_log="$logs/pg$major-initdb.log"
    root_run_in "$partial" "$major" /bin/sh -c "
        set -e
        d=\$(mktemp -d /tmp/lifeboat-root-check.XXXXXX); chown postgres \"\$d\"
        su postgres -s /bin/sh -c \"/usr/lib/postgresql/$major/bin/initdb -D \$d/data --no-sync -E UTF8 --locale=C.UTF-8 -U postgres\"
        su postgres -s /bin/sh -c \"/usr/lib/postgresql/$major/bin/pg_ctl -D \$d/data -w -o '-c listen_addresses= -k \$d' start\"
        su postgres -s /bin/sh -c \"/usr/lib/postgresql/$major/bin/psql -h \$d -U postgres -Atc 'SELECT version()' postgres\"
        su postgres -s /bin/sh -c \"/usr/lib/postgresql/$major/bin/pg_ctl -D \$d/data -w stop\"
        rm -rf \"\$d\"" >"$init_log" 2>&1 || root_fail "$major" initdb "$init_log" || return 1

    printf 'suite=%s\npackages=%s\nbuilt=%s\n' "$suite" "$(root_packages "$major")" "$(date -u +%FT%TZ)" >"$partial/.lifeboat-root"
    mv "$partial" "$dir"
}

# root_run_in DIR MAJOR CMD...: CMD inside DIR, in new mount and pid namespaces (see the header).
root_run_in() {
    local dir=$1 major=$2; shift 2
    local repo_dir dotnet_dir nuget_dir
    repo_dir=${ROOT_REPO:-}
    command -v dotnet >/dev/null || { echo "error: dotnet is not on PATH (sudo's secure_path?): the specs in the roots run with this machine's .NET SDK" >&2; return 1; }
    dotnet_dir=$(dirname "$(readlink -f "$(command -v dotnet)")")
    nuget_dir=${NUGET_PACKAGES:-$HOME/.nuget/packages}
    # Each mount target is made here; in the namespace, the mounts disappear when CMD's last process ends.
    local -a binds=("$dotnet_dir")
    [[ -n $repo_dir ]] && binds+=("$repo_dir")
    [[ -d $nuget_dir ]] && binds+=("$nuget_dir")
    local b
    for b in "${binds[@]}"; do mkdir -p "$dir$b"; done
    cp /etc/resolv.conf "$dir/etc/resolv.conf"
    # env --default-signal=INT: a background caller leaves SIGINT ignored, and the tests' children need it.
    env --default-signal=INT unshare --mount --pid --fork --propagation private /bin/bash -c '
        set -e
        dir=$1 major=$2 dotnet_dir=$3 nuget_dir=$4; shift 4
        mount -t proc proc "$dir/proc"
        mount --rbind /dev "$dir/dev"
        for b in "$@"; do
            [[ $b == -- ]] && break
            mount --bind "$b" "$dir$b"
            shift
        done
        shift
        # Not exec: bash stays pid 1 of the namespace and reaps what pg_ctl leaves to it (the postmaster it detaches);
        # with set -e it exits with the status of the command.
        chroot "$dir" /usr/bin/env -i \
            PATH="/usr/lib/postgresql/$major/bin:$dotnet_dir:/usr/sbin:/usr/bin:/sbin:/bin" \
            HOME=/root LANG=C.UTF-8 TMPDIR=/tmp DOTNET_ROOT="$dotnet_dir" NUGET_PACKAGES="$nuget_dir" \
            DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
            ${LIFEBOAT_EXCHANGE:+LIFEBOAT_EXCHANGE="$LIFEBOAT_EXCHANGE"} \
            ${LIFEBOAT_EXCHANGE_MAJORS:+LIFEBOAT_EXCHANGE_MAJORS="$LIFEBOAT_EXCHANGE_MAJORS"} \
            "$@"
    ' root-run "$dir" "$major" "$dotnet_dir" "$nuget_dir" "${binds[@]}" -- "$@"
}

# root_run MAJOR CMD...: CMD in the (built) root of MAJOR, with ROOT_REPO mounted.
root_run() {
    local major=$1; shift
    root_build "$major" || return 1
    root_run_in "$ROOT_DIR" "$major" "$@"
}
