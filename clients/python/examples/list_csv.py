#!/usr/bin/env python3
"""Lists the LispOS store's entries a filter matches, as CSV.

    list_csv.py '(= :category :article)' --attrs name,format,date

The header is id and the attributes asked for; each line an entry, each
cell an attribute's values joined with ";" (keywords as :NAME, dates and
durations as their ISO 8601 text).  The filter is store.md's language.
"""

import argparse
import csv
import sys

import lispos
from lispos.cli import add_connection_arguments, connect_from_args


def cell(value) -> str:
    """One attribute value as text."""
    if value is None:
        return "NIL"
    if value is True:
        return "T"
    if isinstance(value, list):
        return "(%s)" % " ".join(cell(v) for v in value)
    return str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("filter", help="a filter, e.g. '(has :name)' or t")
    parser.add_argument("--attrs", default="name",
                        help="the attributes to list, separated by commas "
                        "(default: name)")
    parser.add_argument("--order-by", help="order by this key's first value")
    parser.add_argument("--limit", type=int, help="at most this many")
    add_connection_arguments(parser)
    args = parser.parse_args()
    keys = [k.strip() for k in args.attrs.split(",") if k.strip()]

    with connect_from_args(args) as client:
        entries = client.query(args.filter, order_by=args.order_by,
                               limit=args.limit)
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["id"] + keys)
    for entry in entries:
        out.writerow([entry.id] +
                     [";".join(cell(v) for v in entry.attrs(k)) for k in keys])


if __name__ == "__main__":
    try:
        main()
    except lispos.LispOSError as e:
        sys.exit("list_csv.py: %s" % e)
