"""Versions of a trained model on disk: one folder per version and an atomic pointer.

Layout under a model's root (e.g. <artifacts>/models/ranker):

    versions/<id>/          one trained version: its files and MANIFEST.json (sha256 and size
                            of every file, written last: a folder without it is half-written)
    versions/.staging-<id>/ a version being written; never pointed at
    CURRENT                 {"current": id, "history": [older ids, newest last]}, replaced
                            atomically (write a temporary file, then rename)

Before any version exists (no CURRENT), the root folder itself is the model: the flat layout of
older builds (id `FLAT`), so an existing build keeps working. `publish` moves a staging folder
into place and points at it; `rollback` points at the previous one. Readers poll `stamp()` (one
`stat`) and reload when it changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import time
from pathlib import Path

FLAT = "flat"  # the version id of the flat layout (the root folder itself)
POINTER_FILE = "CURRENT"
MANIFEST_FILE = "MANIFEST.json"
VERSIONS = "versions"


class VersionError(RuntimeError):
    """A version is missing, half-written or corrupt, or there is nothing to roll back to."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(3)}.tmp")
    with temporary.open("w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)  # readers see the old file or the new one, never half of one


class ModelVersions:
    """The versions of one model under `root` (see the module docstring)."""

    def __init__(self, root: Path, keep: int = 6):
        self.root = Path(root)
        self.keep = keep  # versions kept on disk (the current one and its history first)

    # -- reading ------------------------------------------------------------------------------
    def pointer(self) -> dict:
        """{"current": id | None, "history": [ids]}; the flat layout when there is no pointer."""
        path = self.root / POINTER_FILE
        if not path.exists():
            return {"current": FLAT if self.root.exists() else None, "history": []}
        return json.loads(path.read_text())

    def current_id(self) -> str | None:
        return self.pointer()["current"]

    def folder(self, version: str) -> Path:
        return self.root if version == FLAT else self.root / VERSIONS / version

    def current_folder(self) -> Path:
        """The current version's folder (the root itself in the flat layout)."""
        current = self.current_id()
        return self.root if current is None else self.folder(current)

    def stamp(self) -> tuple | None:
        """Changes whenever the pointer is replaced: one `stat`, for polling."""
        try:
            s = os.stat(self.root / POINTER_FILE)
        except FileNotFoundError:
            return None
        return (s.st_ino, s.st_mtime_ns, s.st_size)

    def versions(self) -> list[str]:
        """Published version ids, oldest first (ids sort by their creation time)."""
        folder = self.root / VERSIONS
        if not folder.exists():
            return []
        return sorted(p.name for p in folder.iterdir()
                      if p.is_dir() and not p.name.startswith("."))

    def verify(self, version: str, required: tuple[str, ...] = ()) -> Path:
        """The version's folder when it is complete: every file of its manifest present with
        its size and sha256, and `required` files present. Raises VersionError otherwise."""
        folder = self.folder(version)
        if not folder.is_dir():
            raise VersionError(f"model version {version!r}: no folder {folder}")
        missing = [name for name in required if not (folder / name).exists()]
        if missing:
            raise VersionError(f"model version {version!r}: missing {', '.join(missing)}")
        if version == FLAT:
            return folder
        manifest = folder / MANIFEST_FILE
        if not manifest.exists():
            raise VersionError(f"model version {version!r}: no {MANIFEST_FILE} (half-written)")
        try:
            files = json.loads(manifest.read_text())["files"]
        except (ValueError, KeyError) as e:
            raise VersionError(f"model version {version!r}: unreadable manifest ({e})") from e
        for name, (size, digest) in files.items():
            path = folder / name
            if not path.exists() or path.stat().st_size != size or _sha256(path) != digest:
                raise VersionError(f"model version {version!r}: {name} is missing or differs "
                                   "from its manifest (corrupt or half-written)")
        return folder

    # -- writing ------------------------------------------------------------------------------
    def staging(self) -> Path:
        """A new, empty folder to write a version into; `publish` it when complete."""
        now = time.time_ns()  # ids sort by creation time: UTC second, then its nanosecond
        version = (time.strftime("%Y%m%d-%H%M%S", time.gmtime(now // 10**9))
                   + f"-{now % 10**9:09d}-{secrets.token_hex(2)}")
        folder = self.root / VERSIONS / f".staging-{version}"
        folder.mkdir(parents=True)
        return folder

    def publish(self, staging: Path, skip: tuple[str, ...] = ("checkpoints",)) -> str:
        """Seal a staging folder (MANIFEST.json of its files, except the folders in `skip`),
        move it into place and point at it. Returns the new version id."""
        staging = Path(staging)
        version = staging.name.removeprefix(".staging-")
        files = {}
        for path in sorted(staging.rglob("*")):
            relative = path.relative_to(staging)
            if path.is_file() and relative.parts[0] not in skip:
                files[str(relative)] = (path.stat().st_size, _sha256(path))
        (staging / MANIFEST_FILE).write_text(json.dumps({"version": version, "files": files},
                                                        indent=1))
        target = self.folder(version)
        os.replace(staging, target)
        self.point_at(version)
        self.prune()
        return version

    def point_at(self, version: str, history: list[str] | None = None) -> None:
        """Make `version` current (the previous current one goes on the history)."""
        if history is None:
            pointer = self.pointer()
            history = list(pointer["history"])
            if pointer["current"] is not None and pointer["current"] != version:
                history.append(pointer["current"])
        self.root.mkdir(parents=True, exist_ok=True)
        _write_atomically(self.root / POINTER_FILE,
                          json.dumps({"current": version, "history": history[-50:]}))

    def previous(self) -> tuple[str, list[str]]:
        """(the version before the current one that is still on disk, the history before it);
        VersionError when there is none."""
        history = list(self.pointer()["history"])
        while history:
            previous = history.pop()
            if previous == FLAT or self.folder(previous).is_dir():
                return previous, history
        raise VersionError("no earlier model version to roll back to")

    def rollback(self) -> str:
        """Point at the version before the current one; returns its id."""
        previous, history = self.previous()
        self.point_at(previous, history)
        return previous

    def prune(self) -> list[str]:
        """Delete published versions beyond `keep` that neither the pointer nor its history's
        newest entries name, and staging folders older than an hour. Returns what went."""
        pointer = self.pointer()
        wanted = {pointer["current"], *pointer["history"][-(self.keep - 1):]} if self.keep > 1 \
            else {pointer["current"]}
        published = self.versions()
        doomed = [v for v in published[:-self.keep] if v not in wanted]
        for version in doomed:
            shutil.rmtree(self.folder(version), ignore_errors=True)
        folder = self.root / VERSIONS
        for path in folder.glob(".staging-*") if folder.exists() else []:
            if time.time() - path.stat().st_mtime > 3600:
                shutil.rmtree(path, ignore_errors=True)
        return doomed
