#!/bin/sh
# The tracked-range test again on the mprotect fallback.
LISPOS_VM=mprotect exec "${LISPOS_BUILD:-build}/tests/vmtrack.t"
