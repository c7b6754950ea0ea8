#!/bin/sh
# lispos-disk's command line: help, create, info, scan, and clear errors.
set -u
bin="${LISPOS_BUILD:-build}/lispos-disk"
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-disk-cli-XXXXXX")
trap 'rm -rf "$dir"' EXIT
n=0
check() {   # check NAME COMMAND...: ok when the command succeeds
    name=$1; shift
    n=$((n + 1))
    if "$@" >/dev/null 2>&1; then echo "ok $n - $name"; else echo "not ok $n - $name"; fi
}

check "--help exits 0" "$bin" --help
check "--help names the commands" sh -c "'$bin' --help | grep -q 'lispos-disk create PATH SIZE'"
check "no arguments is a usage error (exit 2)" sh -c "'$bin'; test \$? -eq 2"
check "create a 4M disk" "$bin" create "$dir/d.img" 4M
check "the file has the size" sh -c "test \$(stat -c %s '$dir/d.img') -eq 4194304"
check "info shows the size" sh -c "'$bin' info '$dir/d.img' | grep -q '1024 blocks (4194304 bytes)'"
check "info shows O_DIRECT" sh -c "'$bin' info '$dir/d.img' | grep -q 'O_DIRECT:    yes'"
check "info --io sync uses pread/pwrite" sh -c "'$bin' info --io sync '$dir/d.img' | grep -q 'pread/pwrite'"
check "scan reads it all" sh -c "'$bin' scan '$dir/d.img' | grep -q 'read 4194304 bytes'"
check "create with --block-size 512" "$bin" create "$dir/e.img" 1M --block-size 512
check "info --block-size 512 shows it" sh -c "'$bin' info --block-size 512 '$dir/e.img' | grep -q 'block size:  512'"
check "scan --block-size 512" sh -c "'$bin' scan --block-size 512 '$dir/e.img' | grep -q 'read 1048576 bytes'"
check "bad --block-size is refused (exit 1, clear message)" sh -c "'$bin' info --block-size 1000 '$dir/e.img' 2>/dev/null; test \$? -eq 1"
check "missing disk: exit 1" sh -c "'$bin' info '$dir/none' 2>/dev/null; test \$? -eq 1"
check "missing disk: the message names it" sh -c "'$bin' info '$dir/none' 2>&1 | grep -q 'cannot open .*none: no such file'"
check "bad size is refused (exit 2)" sh -c "'$bin' create '$dir/f.img' 12Q 2>/dev/null; test \$? -eq 2"
check "bad --io is refused (exit 2)" sh -c "'$bin' info --io fast '$dir/d.img' 2>/dev/null; test \$? -eq 2"
check "unknown option is refused (exit 2)" sh -c "'$bin' info --frobnicate '$dir/d.img' 2>/dev/null; test \$? -eq 2"
echo "1..$n"
