#!/bin/sh
# Install the packages of conf/deps.txt whose check fails.
#   conf/deps.sh check    exit 1 (listing them) if something is missing
#   conf/deps.sh install  apt-get install exactly what is missing
# The Makefile runs "install" by itself whenever a check fails, so that
# "make check" and "make run" work on a fresh Debian machine.
set -eu
here=$(dirname "$0")
list="$here/deps.txt"

missing=""
while read -r pkg kind what; do
    case "$pkg" in ''|'#'*) continue ;; esac
    case "$kind" in
    header) [ -e "/usr/include/$what" ] || [ -e "/usr/include/x86_64-linux-gnu/$what" ] ||
                missing="$missing $pkg" ;;
    tool)   command -v "$what" >/dev/null 2>&1 || missing="$missing $pkg" ;;
    python) /usr/bin/python3 -c "import $what" >/dev/null 2>&1 ||
                missing="$missing $pkg" ;;
    *)      echo "deps.sh: unknown kind '$kind' for $pkg in $list" >&2; exit 2 ;;
    esac
done < "$list"

case "${1:-check}" in
check)
    if [ -n "$missing" ]; then
        echo "missing packages:$missing"
        exit 1
    fi
    ;;
install)
    [ -z "$missing" ] && exit 0
    echo "deps: installing$missing"
    sudo=""
    if [ "$(id -u)" != 0 ]; then
        if command -v sudo >/dev/null 2>&1; then sudo=sudo; else
            echo "deps: not root and no sudo; install as root: apt-get install$missing" >&2
            exit 1
        fi
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    $sudo apt-get install -y -qq --no-install-recommends $missing
    ;;
*)
    echo "usage: conf/deps.sh [check|install]" >&2
    exit 2
    ;;
esac
