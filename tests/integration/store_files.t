#!/bin/sh
# Files are byte vectors (issue 19, docs/store.md "Files"): store-put of a
# byte vector derives :format from its content when the caller gives none
# (store/format.c, tested byte by byte in tests/unit/store_format.c), and
# a mail message gets :category :email, :sender, :subject and :date from
# its headers; what the caller gives wins; the derived
# values need not be in the caller's value sets; the indexes hold them.
set -u
build="${LISPOS_BUILD:-build}"
repl="$build/lispos-repl"
. "$(dirname "$0")/tap.sh"

dir=$(mktemp -d "${TMPDIR:-/tmp}/lispos-store-files-XXXXXX")
trap 'rm -rf "$dir"' EXIT
store="$dir/store.img"
"$repl" --store "$store" --size 64M \
    -e '(defun bytes (&rest parts) (let ((out nil)) (dolist (p parts) (if (stringp p) (loop for c across p do (push (char-code c) out)) (push p out))) (coerce (nreverse out) (quote (vector (unsigned-byte 8))))))' \
    > /dev/null 2>&1

. "$(dirname "$0")/repl_checks.sh"
fmt() {   # fmt NAME EXPECTED BYTES-FORM: the :format a put derives
    check "$1" - "$2" "(entry-attribute (store-put $3) :format)"
}

fmt "a PDF" :PDF '(bytes "%PDF-1.4" 10 "1 0 obj")'
fmt "a PNG" :PNG '(bytes 137 "PNG" 13 10 26 10 0 0 0 13 "IHDR" 0 0 0 1 0 0 0 1 8 2 0 0 0)'
fmt "a gzip stream" :GZIP '(bytes 31 139 8 0 0 0 0 0 0 3)'
fmt "an ELF file" :ELF '(bytes 127 "ELF" 2 1 1 0 0 0 0 0 0 0 0 0)'
fmt "HTML" :HTML '(bytes "<!DOCTYPE html><html><body>hi</body></html>")'
fmt "UTF-8 text" :TEXT '(bytes "just some words" 10)'
fmt "unknown bytes: no :format" NIL '(bytes 0 1 2 3 255 254)'
check "the caller's :format wins" - :LATEX \
    '(entry-attribute (store-put (bytes "%PDF-1.4") :format :latex) :format)'
check "a derived value need not be in the caller's set" - '(T :PDF)' \
    '(list (value-set-remove :format :pdf) (entry-attribute (store-put (bytes "%PDF-1.4")) :format))'
check "a string object is not a file: nothing derived" - NIL \
    '(entry-attribute (store-put "%PDF-1.4") :format)'

mail='(bytes "From: Ada Lovelace <ada@example.org>" 10 "To: bob@example.org" 10 "Subject: Notes on" 10 " the engine" 10 "Date: Fri, 17 May 2013 14:30:05 +0200" 10 10 "Body" 10)'
check "a mail message: its headers become attributes" - \
    '(:NAME "mail" :FORMAT :TEXT :CATEGORY :EMAIL :SENDER "Ada Lovelace <ada@example.org>" :SUBJECT "Notes on the engine")' \
    "(let ((a (entry-attributes (store-put $mail :name \"mail\")))) (remf a :date) a)"
check "and its Date: becomes a :date of one second, in UTC" - \
    '"#@\"2013-05-17T12:30:05\""' \
    "(prin1-to-string (entry-attribute (store-put $mail) :date))"
check "the caller's :category wins over :email" - :NOTE \
    "(entry-attribute (store-put $mail :category :note) :category)"
check "the derived values are in the indexes" - '(2 3 NIL)' \
    "(list (store-count '(= :category :email)) (store-count '(contains :sender \"lovelace\")) (lispos-internal::%store-check-indexes))"
check "a user's files too" alice :PDF \
    '(entry-attribute (store-put (coerce (list 37 80 68 70 45) (quote (vector (unsigned-byte 8))))) :format)'
echo "1..$n"
