"""Structured logs: one JSON object per line (``LOG_FORMAT=json``), for a log collector.

What is logged never carries personal data: no names, no stakeholder groups, no
proposal texts, no session keys, no addresses (Daphne's access log, which would carry
addresses and screen keys in query strings, is off in ``config.serve``; the proxy's log
is the place for access records, see docs/operations.md). Messages name forum ids,
command types and counts.
"""
import json
import logging
import time


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            entry["trace"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
