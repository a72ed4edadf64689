"""API keys: creation, hashed storage, verification and the roles they carry.

A key looks like ``cs_<id>_<secret>``: the id names the key-file entry (so a request costs one
hash, not one per key) and is what the access log shows; the secret is 32 random bytes and is never
stored. The key file (``CHAINSCOUT_API_KEYS_FILE``, YAML or JSON) is a list of entries::

    - id: k3f9a2c1
      role: manager            # manager | analyst | admin
      branch_id: "310115001"   # required for managers: the branch whose leads they see
      hash: scrypt$16384$8$1$<salt b64>$<digest b64>

Hashes are scrypt with a per-key random salt; ``sha256$<salt>$<digest>`` (salted SHA-256) is also
accepted for keys minted elsewhere. The file is re-read when it changes, so a key created with
``chainscout api-key create`` works without a restart; a successful verification is remembered in
memory (by the SHA-256 of the presented key) so scrypt runs once per key and process.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import threading
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger("chainscout.api.auth")

KEY_ID = re.compile(r"^[a-z0-9]{4,32}$")
_KEY = re.compile(r"^cs_([a-z0-9]{4,32})_([A-Za-z0-9_-]{20,128})$")
BRANCH_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_SCRYPT = (2**14, 8, 1)


class Role(StrEnum):
    manager = "manager"
    analyst = "analyst"
    admin = "admin"


#: Which roles a role's key also acts as. Admins do everything analysts do; analysts read everything.
IMPLIED: dict[Role, frozenset[Role]] = {
    Role.manager: frozenset({Role.manager}),
    Role.analyst: frozenset({Role.analyst}),
    Role.admin: frozenset({Role.admin, Role.analyst}),
}


@dataclass(frozen=True)
class Principal:
    key_id: str
    role: Role
    branch_id: str | None = None

    def acts_as(self, role: Role) -> bool:
        return role in IMPLIED[self.role]

    @property
    def masks_pii(self) -> bool:
        """Managers see person names masked."""
        return self.role is Role.manager


@dataclass(frozen=True)
class KeyEntry:
    id: str
    role: Role
    branch_id: str | None
    hash: str


class KeyFileError(ValueError):
    pass


# -- hashing -------------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_key(key: str) -> str:
    salt = os.urandom(16)
    n, r, p = _SCRYPT
    digest = hashlib.scrypt(key.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def verify_hash(key: str, stored: str) -> bool:
    parts = stored.split("$")
    try:
        if parts[0] == "scrypt" and len(parts) == 6:
            n, r, p = (int(x) for x in parts[1:4])
            salt, want = base64.b64decode(parts[4]), base64.b64decode(parts[5])
            got = hashlib.scrypt(key.encode(), salt=salt, n=n, r=r, p=p, maxmem=2**26,
                                 dklen=len(want))
        elif parts[0] == "sha256" and len(parts) == 3:
            salt, want = base64.b64decode(parts[1]), base64.b64decode(parts[2])
            got = hashlib.sha256(salt + key.encode()).digest()
        else:
            return False
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


def new_key(key_id: str | None = None) -> tuple[str, str]:
    """A fresh ``(key_id, key)``; the key is shown once and never stored."""
    key_id = key_id or secrets.token_hex(4)
    if not KEY_ID.match(key_id):
        raise ValueError("key id: 4–32 lowercase letters or digits")
    return key_id, f"cs_{key_id}_{secrets.token_urlsafe(32)}"


def parse_key(key: str) -> str | None:
    """The key id of a well-formed key, else None."""
    match = _KEY.match(key)
    return match[1] if match else None


# -- key file ------------------------------------------------------------------------------------
def _entries(data: Any, source: str) -> dict[str, KeyEntry]:
    if data is None:
        return {}
    if isinstance(data, dict) and "keys" in data:
        data = data["keys"]
    if not isinstance(data, list):
        raise KeyFileError(f"{source}: expected a list of key entries")
    found: dict[str, KeyEntry] = {}
    for i, raw in enumerate(data):
        if not isinstance(raw, dict):
            raise KeyFileError(f"{source}: entry {i} is not a mapping")
        key_id = str(raw.get("id", ""))
        if not KEY_ID.match(key_id):
            raise KeyFileError(f"{source}: entry {i}: bad id {key_id!r}")
        try:
            role = Role(str(raw.get("role")))
        except ValueError as exc:
            raise KeyFileError(f"{source}: key {key_id}: role must be one of "
                               f"{', '.join(r.value for r in Role)}") from exc
        branch = raw.get("branch_id")
        branch = None if branch in (None, "") else str(branch)
        if role is Role.manager and branch is None:
            raise KeyFileError(f"{source}: key {key_id}: a manager key needs a branch_id")
        if branch is not None and not BRANCH_ID.match(branch):
            raise KeyFileError(f"{source}: key {key_id}: bad branch_id")
        digest = str(raw.get("hash", ""))
        if not digest.startswith(("scrypt$", "sha256$")):
            raise KeyFileError(f"{source}: key {key_id}: hash must be scrypt$… or sha256$…")
        if key_id in found:
            raise KeyFileError(f"{source}: duplicate key id {key_id}")
        found[key_id] = KeyEntry(key_id, role, branch, digest)
    return found


def read_key_file(path: Path) -> dict[str, KeyEntry]:
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    return _entries(data, str(path))


def append_key(path: Path, key_id: str, role: Role, branch_id: str | None, key: str) -> KeyEntry:
    """Add a hashed entry to the key file (created if missing), keeping its format."""
    existing = read_key_file(path) if path.exists() else {}
    if key_id in existing:
        raise KeyFileError(f"{path}: key id {key_id} exists already")
    if role is Role.manager and not branch_id:
        raise KeyFileError("a manager key needs --branch")
    if branch_id is not None and not BRANCH_ID.match(branch_id):
        raise KeyFileError("bad branch id")
    entry = KeyEntry(key_id, role, branch_id, hash_key(key))
    records = [
        {"id": e.id, "role": e.role.value, "branch_id": e.branch_id, "hash": e.hash}
        for e in [*existing.values(), entry]
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    if path.suffix == ".json":
        tmp.write_text(json.dumps(records, indent=2) + "\n", encoding="utf-8")
    else:
        tmp.write_text(yaml.safe_dump(records, sort_keys=False, allow_unicode=True),
                       encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)
    return entry


class KeyRing:
    """The configured keys, re-read when the file changes; verifies presented keys."""

    _CACHE_MAX = 1024

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._entries: dict[str, KeyEntry] = {}
        self._stamp: tuple[int, int] | None = None
        self._verified: dict[bytes, str] = {}
        if path is None:
            log.warning("CHAINSCOUT_API_KEYS_FILE is not set: every protected route answers 401")
        self._refresh()

    def _refresh(self) -> None:
        if self.path is None:
            return
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            if self._entries:
                log.warning("API key file %s vanished: no key is valid now", self.path)
            self._entries, self._stamp = {}, None
            self._verified.clear()
            return
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp == self._stamp:
            return
        try:
            entries = read_key_file(self.path)
        except (KeyFileError, OSError, ValueError, yaml.YAMLError) as exc:
            log.error("API key file %s not loaded: %s", self.path, exc)
            entries = {}
        self._entries, self._stamp = entries, stamp
        self._verified.clear()
        log.info("API keys loaded: %d", len(entries))

    def known(self, key: str) -> Principal | None:
        """The key's principal if it was verified before (no slow hash: cheap enough to run on
        the event loop); None when it needs :meth:`authenticate`."""
        entry, _, cached = self._lookup(key)
        if entry is None or cached != entry.hash:
            return None
        return Principal(entry.id, entry.role, entry.branch_id)

    def _lookup(self, key: str) -> tuple[KeyEntry | None, bytes, str | None]:
        """The key's entry, its fingerprint and the hash it was last verified against (None:
        not yet)."""
        key_id = parse_key(key)
        if key_id is None:
            return None, b"", None
        fingerprint = hashlib.sha256(key.encode()).digest()
        with self._lock:
            self._refresh()
            entry = self._entries.get(key_id)
            return entry, fingerprint, self._verified.get(fingerprint) if entry else None

    def authenticate(self, key: str) -> Principal | None:
        entry, fingerprint, cached = self._lookup(key)
        if entry is None:
            return None
        if cached != entry.hash:
            if not verify_hash(key, entry.hash):
                return None
            with self._lock:
                if len(self._verified) >= self._CACHE_MAX:
                    self._verified.clear()
                self._verified[fingerprint] = entry.hash
        return Principal(entry.id, entry.role, entry.branch_id)
