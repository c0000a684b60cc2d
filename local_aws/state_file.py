"""The server's data in a file (``python -m local_aws --state-file F``): written after every
request that may have changed something, read back when a server starts, so a server killed
(even with SIGKILL) and started again holds what it held.

The file is a pickle of moto's backends (see ``moto_glue.backend_snapshot``), written atomically
(a temporary file in the same folder, fsync, rename) with mode 0600: it holds contact channel
addresses. It is trusted input, like any pickle: only ever point ``--state-file`` at a file this
server wrote.
"""

from __future__ import annotations

import io
import os
import pickle
import threading
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

FORMAT = "local-aws-state/1"
FILE_MODE = 0o600


class StateFileError(RuntimeError):
    """The state file cannot be read back (not one this server wrote, or damaged)."""


def _defaultdict_of_dict() -> defaultdict[Any, dict[Any, Any]]:
    return defaultdict(dict)


def _restore_defaultdict(
    factory: Callable[[], Any], items: dict[Any, Any]
) -> defaultdict[Any, Any]:
    restored: defaultdict[Any, Any] = defaultdict(factory)
    restored.update(items)
    return restored


def _rebuild_defaultdict(
    kind: type[defaultdict[Any, Any]],
    factory: Callable[[], Any] | None,
    items: dict[Any, Any],
    attributes: dict[str, Any],
) -> defaultdict[Any, Any]:
    # A subclass's own __init__ may want arguments pickle does not give (moto's SSM
    # ParameterDict(account_id, region_name)): built as a defaultdict, then its attributes set.
    rebuilt = kind.__new__(kind)
    defaultdict.__init__(rebuilt, factory)
    rebuilt.update(items)
    rebuilt.__dict__.update(attributes)
    return rebuilt


def _load_private_key(der: bytes) -> Any:
    return serialization.load_der_private_key(der, password=None)


class _Pickler(pickle.Pickler):
    """pickle, plus the kinds of object moto's backends hold that pickle cannot keep: KMS
    asymmetric keys (cryptography's Rust objects, kept as DER), SSM's
    ``defaultdict(lambda: defaultdict(dict))`` (the lambda, kept as a named factory) and
    defaultdict subclasses whose ``__init__`` takes arguments (SSM's ``ParameterDict``)."""

    def reducer_override(self, obj: Any) -> Any:
        if type(obj).__module__.startswith("cryptography") and hasattr(obj, "private_bytes"):
            der = obj.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            return _load_private_key, (der,)
        if isinstance(obj, defaultdict):
            factory = obj.default_factory
            if getattr(factory, "__name__", "") == "<lambda>":
                sample = factory()  # type: ignore[misc]
                if not (type(sample) is defaultdict and sample.default_factory is dict):
                    raise pickle.PicklingError(f"cannot keep a defaultdict of {factory!r}")
                factory = _defaultdict_of_dict
            if type(obj) is not defaultdict:
                return _rebuild_defaultdict, (type(obj), factory, dict(obj), vars(obj))
            if factory is not obj.default_factory:
                return _restore_defaultdict, (factory, dict(obj))
        return NotImplemented


def dumps(snapshot: Any) -> bytes:
    """``snapshot`` as the state file's bytes."""
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump((FORMAT, snapshot))
    return buffer.getvalue()


def _partial(path: Path, writer: str) -> Path:
    return path.with_name(f".{path.name}.{writer}.tmp")


def remove_partial(path: Path) -> list[Path]:
    """Delete what a server killed while writing ``path`` left beside it (a temporary file
    never renamed: it holds the data too, channel addresses included); the files removed.
    Called before a server starts on ``path``: one server writes a state file at a time."""
    removed = sorted(path.parent.glob(_partial(path, "*").name))
    for partial in removed:
        partial.unlink(missing_ok=True)
    return removed


def write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically: a reader (or a crash) sees the old file or
    the new one, never half of one; the file is created 0600, never wider."""
    temporary = _partial(path, f"{os.getpid()}.{threading.get_ident()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a power cut
    finally:
        os.close(folder)


def read(path: Path) -> Any:
    """The snapshot ``path`` holds; ``StateFileError`` when it is not a state file."""
    try:
        with path.open("rb") as stream:
            loaded = pickle.load(stream)
    except OSError as error:
        raise StateFileError(f"{path}: cannot read: {error.strerror}") from error
    except Exception as error:
        raise StateFileError(f"{path}: not a local-aws state file ({error})") from error
    if not (isinstance(loaded, tuple) and len(loaded) == 2 and loaded[0] == FORMAT):
        raise StateFileError(f"{path}: not a local-aws state file (format {FORMAT} expected)")
    return loaded[1]
