#!/usr/bin/env python3
"""Imports every file of a folder, recursively, into the LispOS store.

Each file becomes an entry whose object is its bytes, with the attributes
:name (the file's name), :origin (its path within the folder, with /),
:date (the day it was last modified, UTC) and :size (in bytes), plus those
given with --attr; the store derives :format from the content.  Prints
each new entry's id and the file's path, one a line.  Files larger than
4 MiB are sent in pieces.

    LISPOS_USER=alice LISPOS_PASSWORD=... LISPOS_CA=data/tls/server.crt \\
        import_folder.py ~/papers --attr category :article

--attr KEY VALUE: a VALUE written :word is a keyword, one that is an
integer an integer, any other a string.
"""

import argparse
import datetime
import os
import sys

import lispos
from lispos.cli import add_connection_arguments, connect_from_args


def attribute_value(text: str):
    """VALUE of --attr KEY VALUE: a keyword, an integer, or the text."""
    if text.startswith(":") and len(text) > 1:
        return lispos.Keyword(text[1:].upper())
    try:
        return int(text)
    except ValueError:
        return text


def files(folder: str):
    """Each regular file under FOLDER, with its path relative to it."""
    for top, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(top, name)
            if os.path.isfile(path):
                yield path, os.path.relpath(path, folder).replace(os.sep, "/")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", help="the folder to import")
    parser.add_argument("--attr", nargs=2, action="append", default=[],
                        metavar=("KEY", "VALUE"),
                        help="one more attribute for every entry")
    add_connection_arguments(parser)
    args = parser.parse_args()
    if not os.path.isdir(args.folder):
        parser.error("%s is not a folder" % args.folder)
    extra = [(key, attribute_value(value)) for key, value in args.attr]

    with connect_from_args(args) as client:
        for path, origin in files(args.folder):
            st = os.stat(path)
            day = datetime.datetime.fromtimestamp(
                st.st_mtime, datetime.timezone.utc).date()
            attrs = [("name", os.path.basename(path)), ("origin", origin),
                     ("date", day), ("size", st.st_size)] + extra
            print("%d\t%s" % (client.put_file(path, attrs), origin),
                  flush=True)


if __name__ == "__main__":
    try:
        main()
    except (lispos.LispOSError, OSError) as e:
        sys.exit("import_folder.py: %s" % e)
