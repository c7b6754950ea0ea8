"""Command-line helpers for scripts using the client (the examples): the
connection's options from flags or the environment, and a logged-in
connection made from them.

=================  ===================  ==========================
flag               environment          default
=================  ===================  ==========================
``--host``         ``LISPOS_HOST``      ``127.0.0.1``
``--port``         ``LISPOS_PORT``      ``7453``
``--user``         ``LISPOS_USER``      (required)
``--ca``           ``LISPOS_CA``        the system's CAs
``--fingerprint``  ``LISPOS_FINGERPRINT``
``--key``          ``LISPOS_KEY``       log in with a password
(none)             ``LISPOS_PASSWORD``  asked on the terminal
=================  ===================  ==========================

The password is never a flag: other users could read it from the process
list.
"""

import argparse
import getpass
import os
import sys

from .client import DEFAULT_PORT, Client, connect


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the connection's options (above) to PARSER."""
    env = os.environ.get
    g = parser.add_argument_group(
        "connection", "each option defaults to its LISPOS_* environment "
        "variable; the password is LISPOS_PASSWORD, or asked")
    g.add_argument("--host", default=env("LISPOS_HOST", "127.0.0.1"),
                   help="the server's host (LISPOS_HOST)")
    g.add_argument("--port", type=int,
                   default=int(env("LISPOS_PORT", DEFAULT_PORT)),
                   help="its port (LISPOS_PORT, default %d)" % DEFAULT_PORT)
    g.add_argument("--user", default=env("LISPOS_USER"),
                   help="the user to log in as (LISPOS_USER)")
    g.add_argument("--ca", default=env("LISPOS_CA"),
                   help="a CA file to verify the server's certificate, such "
                   "as its DATA/tls/server.crt (LISPOS_CA)")
    g.add_argument("--fingerprint", default=env("LISPOS_FINGERPRINT"),
                   help="the certificate's SHA-256 fingerprint, as "
                   "lispos-server --init prints it (LISPOS_FINGERPRINT)")
    g.add_argument("--key", default=env("LISPOS_KEY"),
                   help="an Ed25519 private key file to log in with instead "
                   "of a password (LISPOS_KEY)")


def connect_from_args(args: argparse.Namespace) -> Client:
    """A connection made and logged in as ARGS (from a parser given
    :func:`add_connection_arguments`) say; exits with a message when no
    user is named."""
    if not args.user:
        sys.exit("%s: no user: give --user or LISPOS_USER"
                 % os.path.basename(sys.argv[0]))
    client = connect(args.host, args.port, ca=args.ca,
                     fingerprint=args.fingerprint)
    try:
        if args.key:
            client.login_key(args.user, args.key)
        else:
            password = os.environ.get("LISPOS_PASSWORD")
            if password is None:
                password = getpass.getpass("password for %s: " % args.user)
            client.login(args.user, password)
    except BaseException:
        client.close()
        raise
    return client
