"""Files in DATA_DIR that only the server's own user may read, created so from the start.

``private_file_once`` writes the generated secret key: the content goes to a temporary
file opened with mode 0600 (``O_CREAT | O_EXCL``, whatever the umask), which is then
hard-linked to its name. A link never replaces an existing file, so of several processes
starting together exactly one key wins, and every process reads that one; nobody ever
reads a half-written key. ``private_file`` creates the SQLite database file empty with
mode 0600 before Django connects (SQLite then gives its ``-wal`` and ``-shm`` files the
same mode) and takes away what others could read of one created earlier.
"""

import os
import secrets
from collections.abc import Callable
from pathlib import Path

PRIVATE = 0o600


def _tighten(path: Path) -> None:
    if path.exists() and path.stat().st_mode & 0o077:
        path.chmod(PRIVATE)


def private_file(name: str | os.PathLike) -> None:
    """Create ``name`` empty with mode 0600 unless it exists; narrow it (and the SQLite
    files beside it) to 0600 if it exists with a wider mode. A memory database or a
    ``file:`` URI is left alone."""
    name = str(name)
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    path = Path(name)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE))
    except FileExistsError:
        pass
    except OSError:
        return  # no such directory, or not ours: SQLite says so when it connects
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            _tighten(Path(name + suffix))
        except OSError:
            pass  # another user's file: left as it is


def private_file_once(path: Path, make: Callable[[], str]) -> str:
    """The content of ``path``; if it does not exist yet, ``make()`` written there with
    mode 0600, atomically (see the module's docstring)."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(make())
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process was first: its key counts
    finally:
        temporary.unlink(missing_ok=True)
    return path.read_text().strip()
