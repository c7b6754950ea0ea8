#!/bin/sh
# Extract the C program of a document: the ```c block right after the
# line "<!-- NAME: ..." (docs/embedding.md's example program), so that the
# program built and tested is the one the document shows.
#   conf/extract_example.sh DOC.md NAME > OUT.c
set -eu
doc=$1
name=$2
awk -v marker="<!-- $name:" '
    index($0, marker) == 1 { armed = 1; next }
    armed && !inside && $0 == "```c" { inside = 1; next }
    inside && $0 == "```" { found = 1; exit }
    inside { print }
    END { if (!found) { print "no ```c block after " marker > "/dev/stderr"; exit 1 } }
' "$doc"
