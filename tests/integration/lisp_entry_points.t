#!/bin/sh
# The Lisp is entered from C in one place (lisp/api.c, guard(): the jump
# buffer of every entry point), and the VM's loops keep their own
# (lisp/vm.c, run()); no other file of lisp/ sets a jump buffer.  The
# four hand-written entry points of before -- two in runtime.c, the
# cold boot's error_jump and guarded() in environment.c -- stay gone.
set -u
root="$(dirname "$0")/../.."
. "$(dirname "$0")/tap.sh"

sites=$(cd "$root" && grep -l 'SETJMP' lisp/*.c lisp/*.h | tr '\n' ' ')
is "the files of lisp/ that set a jump buffer" "lisp/api.c lisp/vm.c" echo $sites
is "api.c sets one" "1" sh -c "grep -c 'LO_SETJMP' '$root/lisp/api.c'"
is "vm.c sets one" "1" sh -c "grep -c 'LO_SETJMP' '$root/lisp/vm.c'"
is "no error_jump left" "" sh -c "grep -rl 'error_jump' '$root/lisp' '$root/tests/unit' '$root/tests/helpers' --include='*.c' --include='*.h' || true"
echo "1..$n"
