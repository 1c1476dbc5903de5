"""``python -m config.serve [daphne arguments]``: Daphne, with the access log of
``config.logs`` (no client addresses, no query strings). ``make run`` starts this."""
import sys

from daphne import cli

from config.logs import AnonymousAccessLog


def main(argv=None):
    # Daphne's CLI builds its access log from this module-level name.
    cli.AccessLogGenerator = AnonymousAccessLog
    cli.CommandLineInterface().run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
