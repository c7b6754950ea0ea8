# repl_checks.sh -- what the scripts that drive lispos-repl on one store
# share (sourced after tap.sh, with $repl and $store set):
#   as USER FORM          the last line lispos-repl prints evaluating FORM
#                         as USER ("-": the administrator, no --user)
#   check NAME USER EXPECTED FORM
#                         one TAP check: that line is EXPECTED
as() {
    if [ "$1" = - ]; then
        "$repl" --store "$store" -e "$2" 2>&1 | tail -1
    else
        "$repl" --store "$store" --user "$1" -e "$2" 2>&1 | tail -1
    fi
}
check() {
    value_is "$1" "" "$3" "$(as "$2" "$4")"
}
