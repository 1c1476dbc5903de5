"""No client addresses, query strings or session keys in the logs: the filter on every
handler, Daphne's access log as `make run` starts it (python -m config.serve)."""

import json
import logging
import re
import subprocess
import time
import urllib.request

import pytest
from django.conf import settings

from config.logs import AnonymousAccessLog, JsonFormatter, RedactAddresses, redact
from tests.live import PYTHON, ROOT, base_env, free_port, prepare


def test_addresses_are_redacted_from_any_message():
    assert (
        redact("from 203.0.113.7:5123 and [2001:db8::1]:443")
        == "from [address]:5123 and [[address]]:443"
    )
    assert (
        redact("version 4.12.1 on 2026-11-24 12:30:01") == "version 4.12.1 on 2026-11-24 12:30:01"
    )
    record = logging.LogRecord(
        "x", logging.WARNING, __file__, 1, "client %s said %s", ("198.51.100.23", "hi"), None
    )
    RedactAddresses().filter(record)
    assert record.getMessage() == "client [address] said hi"


def test_ipv4_mapped_and_line_initial_addresses_are_redacted_whole():
    """A dual-stack server sees an IPv4 client as ``::ffff:203.0.113.5``; a JSON line
    escapes the newline before an address as ``\\n``: no octet of either is left."""
    mapped = redact("peer ::ffff:203.0.113.5 and 64:ff9b::198.51.100.2 left")
    assert mapped == "peer [address] and [address] left"
    escaped = json.dumps("Traceback\n198.51.100.9 refused\nfe80::1 too")
    assert redact(escaped) == json.dumps("Traceback\n[address] refused\n[address] too")
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "down", None, None)
    try:
        raise ConnectionError("no route to ::ffff:192.0.2.61")
    except ConnectionError:
        import sys

        record.exc_info = sys.exc_info()
    RedactAddresses().filter(record)
    line = JsonFormatter().format(record)
    assert "192.0.2" not in line and "0.2.61" not in line, line


def test_every_handler_of_the_logging_config_redacts():
    for name, handler in settings.LOGGING["handlers"].items():
        assert "redact_addresses" in handler.get("filters", []), name


def test_the_access_log_has_no_client_and_no_query_string():
    lines = []

    class Stream:
        def write(self, text):
            lines.append(text)

    log = AnonymousAccessLog(Stream())
    log(
        "http",
        "complete",
        {
            "client": "203.0.113.7:5555",
            "method": "GET",
            "path": "/f/K7MZQ4/screen/?key=geheim",
            "status": 200,
            "size": 10,
        },
    )
    log(
        "websocket",
        "connecting",
        {"client": "203.0.113.7:5556", "path": "/ws/forum/K7MZQ4/?key=geheim"},
    )
    text = "".join(lines)
    assert "203.0.113.7" not in text and "geheim" not in text
    assert '"GET /f/K7MZQ4/screen/"' in text and "WSCONNECTING /ws/forum/K7MZQ4/" in text


@pytest.mark.parametrize(
    "access_log", [[], ["--access-log", "-"]], ids=["default", "access-log-on"]
)
def test_make_run_s_server_logs_no_client_address_and_no_session_key(tmp_path, access_log):
    """``make run``'s server keeps no access log; asked for one (``--access-log``), it
    writes one without addresses, session keys or query strings."""
    env = base_env(tmp_path, LOG_LEVEL="INFO")
    info = prepare(env)
    port = free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "config.serve",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                *access_log,
                "config.asgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the server did not start")
        # join (a session is created), then a 404 and a refused screen key
        join = urllib.request.urlopen(f"{url}/j/{info['code']}")
        csrf = re.search(r"csrftoken=([^;]+)", join.headers["Set-Cookie"]).group(1)
        token = re.search(
            r'name="csrfmiddlewaretoken" value="([^"]+)"', join.read().decode()
        ).group(1)
        request = urllib.request.Request(
            f"{url}/j/{info['code']}",
            data=f"csrfmiddlewaretoken={token}".encode(),
            headers={"Cookie": f"csrftoken={csrf}"},
            method="POST",
        )
        opener = urllib.request.build_opener(
            type(
                "NoRedirect",
                (urllib.request.HTTPRedirectHandler,),
                {"redirect_request": lambda *a, **k: None},
            )
        )
        try:
            opener.open(request)
        except urllib.error.HTTPError as exc:
            session_key = re.search(r"sessionid=([^;]+)", exc.headers["Set-Cookie"]).group(1)
        for path in ("/nope", f"/f/{info['code']}/screen/?key=falsch"):
            try:
                urllib.request.urlopen(url + path)
            except urllib.error.HTTPError:
                pass
        time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=10)
    text = log_path.read_text()
    assert ('"GET /nope" 404' in text) == bool(access_log)  # an access log only when asked for
    assert "127.0.0.1" not in text
    assert session_key not in text and "falsch" not in text


ERROR_PROBE = """
import logging, django
django.setup()
log = logging.getLogger("workshops.probe")
try:
    raise ConnectionError("could not reach 203.0.113.9:5432 nor [2001:db8::7]")
except ConnectionError:
    log.exception("database at %s is away", "198.51.100.4")
log.warning("stack of 192.0.2.44", stack_info=True)
"""


@pytest.mark.parametrize("log_format", ["json", "plain"])
def test_an_error_carrying_an_address_is_logged_without_it(tmp_path, log_format):
    """The production setting (LOG_FORMAT=json) formats the traceback itself: it too
    goes through the redaction, as do stack traces."""
    env = base_env(tmp_path) | {"LOG_FORMAT": log_format}
    result = subprocess.run(
        [str(PYTHON), "-c", ERROR_PROBE],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    text = result.stderr
    assert "ConnectionError" in text and "[address]" in text
    for address in ("203.0.113.9", "2001:db8::7", "198.51.100.4", "192.0.2.44"):
        assert address not in text, text
    if log_format == "json":
        lines = [json.loads(line) for line in text.splitlines()]
        assert "could not reach [address]:5432" in lines[0]["trace"]
        assert lines[0]["error"] == "ConnectionError"
