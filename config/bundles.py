"""One script per page: each page's ES module and every module it imports, joined into
one module (``bundles/<page>.js``), so a phone loads one script instead of seven.

Built from static/js by plain Python, no tool outside the standard library: each module's
body runs in a function of its own, in the order the browser would evaluate the modules
(the imported ones first, each once), its exports returned as an object and its imports
taken from the objects of the modules it names. So a module's own names stay its own, as
they are in separate files, and the bundle behaves as the modules did. Only the forms the
pages use are understood (``import { a, b as c } from "./x.js"``, ``import * as x from``,
``import "./x.js"``, ``export function|const|let|class name``, ``export { a, b as c }``);
anything else (a default export, a re-export, an import cycle) stops the build with the
file and line named.

``BundleFinder`` (settings.STATICFILES_FINDERS) builds the bundles into DATA_DIR/bundles
whenever static files are listed or looked up (``collectstatic``, WhiteNoise at start,
the test client), rewriting a bundle only when its text changed, so they are never stale
and never committed.
"""

import os
import re
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

# The pages' entry modules (templates/workshops/phone.html, moderate.html, screen.html).
ENTRIES = ("js/phone.js", "js/moderate.js", "js/screen.js")
PREFIX = "bundles"

IMPORT = re.compile(
    r"""^import\s+(?:(\{[^}]*\})\s+from\s+|\*\s+as\s+(\w+)\s+from\s+)?["']([^"']+)["'];?[ \t]*$""",
    re.M,
)
EXPORT_DECLARATION = re.compile(
    r"^export\s+((?:async\s+)?function\*?\s+(\w+)|(?:const|let|var|class)\s+(\w+))", re.M
)
EXPORT_LIST = re.compile(r"^export\s+(\{[^}]*\});?[ \t]*$", re.M)
ANY_MODULE_SYNTAX = re.compile(r"^\s*(import|export)\b(?!\s*\()", re.M)


class BundleError(ValueError):
    pass


def _names(braces: str) -> list[tuple[str, str]]:
    """``{ a, b as c }`` -> [("a", "a"), ("b", "c")]"""
    pairs = []
    for part in braces.strip("{} \n").split(","):
        part = part.strip()
        if part:
            name, _, alias = part.partition(" as ")
            pairs.append((name.strip(), (alias or name).strip()))
    return pairs


def _module(root: Path, name: str) -> tuple[str, list[str], list[str]]:
    """A module's body with its import and export syntax taken out, the modules it imports
    and the names it exports."""
    source = (root / name).read_text(encoding="utf-8")
    imports: list[str] = []
    exported: list[str] = []

    def take_import(match):
        braces, star, target = match.groups()
        if not target.startswith("."):
            raise BundleError(f"{name}: only relative imports can be bundled ({target})")
        dependency = os.path.normpath(os.path.join(os.path.dirname(name), target))
        imports.append(dependency)
        if braces:
            pairs = ", ".join(n if n == a else f"{n}: {a}" for n, a in _names(braces))
            return f"const {{ {pairs} }} = {_variable(dependency)};"
        if star:
            return f"const {star} = {_variable(dependency)};"
        return ""

    def take_export_list(match):
        for name_, alias in _names(match.group(1)):
            exported.append(f"{alias}: {name_}" if alias != name_ else name_)
        return ""

    def take_declaration(match):
        exported.append(match.group(2) or match.group(3))
        return match.group(1)

    body = IMPORT.sub(take_import, source)
    body = EXPORT_LIST.sub(take_export_list, body)
    body = EXPORT_DECLARATION.sub(take_declaration, body)
    left = ANY_MODULE_SYNTAX.search(body)
    if left:
        line = body[: left.start()].count("\n") + 1
        raise BundleError(f"{name}, line {line}: this import or export cannot be bundled")
    return body, imports, exported


def _variable(name: str) -> str:
    return "$" + re.sub(r"\W", "_", name)


def bundle(root: Path, entry: str) -> str:
    """The text of the bundle whose entry module is ``entry`` (relative to ``root``)."""
    order: list[str] = []
    parts: dict[str, tuple[str, list[str]]] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            raise BundleError(f"import cycle: {' -> '.join((*path, name))}")
        if name in parts:
            return
        body, imports, exported = _module(root, name)
        parts[name] = (body, exported)
        for dependency in imports:
            visit(dependency, (*path, name))
        order.append(name)

    visit(entry, ())
    out = [
        f"// Built from static/{entry} and the modules it imports by config/bundles.py: "
        "edit those, not this.\n"
    ]
    for name in order:
        body, exported = parts[name]
        returned = f"return {{ {', '.join(exported)} }};\n" if exported else ""
        head = f"const {_variable(name)} = " if name != entry else ""
        out.append(f"{head}(() => {{ // static/{name}\n{body.rstrip()}\n{returned}}})();\n")
    return "".join(out)


def build(root: Path, target: Path) -> list[str]:
    """Write every page's bundle under ``target``/bundles (a file only when its text
    changed, atomically); the names written or already current."""
    names = []
    folder = target / PREFIX
    folder.mkdir(parents=True, exist_ok=True)
    for entry in ENTRIES:
        text = bundle(root, entry)
        path = folder / Path(entry).name
        names.append(f"{PREFIX}/{path.name}")
        try:
            if path.read_text(encoding="utf-8") == text:
                continue
        except FileNotFoundError:
            pass
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    return names


class BundleFinder(BaseFinder):
    """The pages' bundles as static files ``bundles/<page>.js``, built when asked for."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = Path(settings.BASE_DIR) / "static"
        self.target = Path(settings.DATA_DIR) / "built"
        self.storage = FileSystemStorage(location=self.target)

    def check(self, **kwargs):
        return []

    def _build(self) -> list[str]:
        return build(self.source, self.target)

    def find(self, path, find_all=False, **kwargs):
        if path.startswith(PREFIX + "/") and path in self._build():
            found = str(self.target / path)
            return [found] if find_all or kwargs.get("all") else found
        return [] if find_all or kwargs.get("all") else None

    def list(self, ignore_patterns):
        for name in self._build():
            yield name, self.storage
