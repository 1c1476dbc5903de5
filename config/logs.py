"""Logs without personal data, and structured when asked.

- No names, stakeholder groups, proposal texts or session keys: messages name forum ids,
  command types and counts.
- ``RedactAddresses`` is a logging filter on every handler of ``LOGGING``: any IPv4 or
  IPv6 address left in a message (a library's warning, a traceback, a stack) becomes
  ``[address]``. The formatters redact their finished line once more, since a formatter
  may format the traceback anew from ``exc_info`` (``JsonFormatter`` does): no way to the
  log leaves an address in it.
- ``AnonymousAccessLog`` is Daphne's access log with "-" for the client address and the
  path without its query string (screen keys, card codes); ``python -m config.serve``
  writes no access log unless ``--access-log`` is given, and then this one. The proxy's
  log is the place for access records (docs/operations.md).
- ``JsonFormatter``: one JSON object per line (``LOG_FORMAT=json``), for a log collector.
"""

import json
import logging
import re
import time

from daphne.access import AccessLogGenerator

# Only a digit, hex digit, dot or colon before an address keeps it from counting: a letter
# does not ("\\n198.51.100.9" in a JSON line is an address after an escaped newline).
IPV4_PART = r"(?:\d{1,3}\.){3}\d{1,3}"
IPV4 = rf"(?<![\d.]){IPV4_PART}(?![\w.])"
# with an IPv4 tail first: "::ffff:203.0.113.5" (an IPv4 client of a dual-stack server)
IPV6 = (
    rf"(?<![0-9a-fA-F:])(?:[0-9a-fA-F]{{0,4}}:){{2,6}}{IPV4_PART}(?![\w.])"
    r"|(?<![0-9a-fA-F:])(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}(?![\w:])"
)
ADDRESS_RE = re.compile(f"{IPV6}|{IPV4}")


def _address(match: re.Match) -> str:
    found = match.group(0)
    # an IPv6 address has 7 colons, or 6 and an IPv4 tail, or a "::"; "12:30:01" is a time
    colons = 6 if "." in found else 7
    if ":" in found and "::" not in found and found.count(":") != colons:
        return found
    return "[address]"


def redact(text: str) -> str:
    return ADDRESS_RE.sub(_address, text)


class RedactAddresses(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RedactingFormatter(logging.Formatter):
    """The plain format, with every address of the finished line redacted."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class AnonymousAccessLog(AccessLogGenerator):
    def __call__(self, protocol, action, details):
        details = dict(details, client="-", path=str(details.get("path", "")).split("?")[0])
        super().__call__(protocol, action, details)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            entry["trace"] = record.exc_text or self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # every text field, however it was made (the traceback anew from exc_info)
        entry = {
            key: redact(value) if isinstance(value, str) else value for key, value in entry.items()
        }
        return json.dumps(entry, ensure_ascii=False)
