#!/bin/sh
# The object store across SIGKILL (issue 19): entries, indexes, value
# sets, groups, ACLs and history made durable by normal exits survive; a
# process killed in the middle of changing them (at a random moment of a
# loop of puts, changes and deletes) leaves the store as the last durable
# snapshot, whole: every index agrees with a scan, the counts and the
# histories are those of that snapshot.  Five rounds, a fresh seed each.
set -u
repl="${LISPOS_BUILD:-build}/lispos-repl"
dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-store-kill-XXXXXX")
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
store="$dir/store"
. "$(dirname "$0")/tap.sh"

as() {   # as USER FORM...: the last line lispos-repl prints
    user=$1
    shift
    if [ "$user" = - ]; then
        "$repl" --store "$store" "$@" 2>&1 | tail -1
    else
        "$repl" --store "$store" --user "$user" "$@" 2>&1 | tail -1
    fi
}
# The durable state the checks compare against: counts, a value set, the
# groups, one entry's history length and ACL, and the indexes' check.
state='(list (store-count t) (lispos-internal::%store-check-indexes) (groups) (length (store-history 1)) (entry-attribute 1 :acl) (member :podcast (value-set :category)))'

"$repl" --store "$store" --size 256M -e t > /dev/null 2>&1
as - -e '(make-group "staff")' -e '(group-add-member "staff" "bob")' \
     -e '(value-set-add :category :podcast)' \
     -e '(store-create-index :n :kind :ordered)' > /dev/null
as alice -e '(dotimes (i 50) (store-put i :n i :name (format nil "e~d" i) :acl (list (list (list :group "staff") 1))))' \
         -e '(setf (entry-attribute 1 :name) "changed")' > /dev/null
durable=$(as - -e "$state")
value_is "the durable state is as made" "" \
    '(50 NIL (("staff" "bob")) 2 (((:GROUP "staff") 1)) (:PODCAST))' "$durable"

seed=${LISPOS_STORE_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "# seed $seed"
tap_note="$(basename "$0"): seed $seed"
victim='(progn (store-put :first :n -1) (quote started))
(dotimes (i 1000000)
  (store-put i :n (+ 1000 i) :category :podcast)
  (when (zerop (mod i 3)) (setf (entry-attribute 1 :name) (format nil "v~d" i)))
  (when (zerop (mod i 7)) (ignore-errors (store-delete (+ 2 (mod i 40)))))
  (when (zerop (mod i 11)) (store-grant 1 "carol" 1)))'
for round in 1 2 3 4 5; do
    # the victim changes things in a loop until it is killed
    mkfifo "$dir/in.$round"
    "$repl" --store "$store" > "$dir/out" 2>&1 < "$dir/in.$round" &
    pid=$!
    exec 3> "$dir/in.$round"
    printf '%s\n' "$victim" >&3
    for i in $(seq 1 100); do
        grep -q STARTED "$dir/out" 2>/dev/null && break
        sleep 0.1
    done
    # a random moment of the loop: 0.0 to 0.9 s after it started
    sleep "0.$(( (seed + round * 7) % 10 ))"
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    exec 3>&-
    pid=
    value_is "round $round: killed mid-change, the store is the last durable state" "" \
        "$durable" "$(as - -e "$state")"
done
value_is "a user still sees what was shared with the group" "" 50 \
    "$(as bob -e '(store-count t)')"
echo "1..$n"
