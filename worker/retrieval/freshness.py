"""Whether the help centre's index is there and matches its source: the one freshness check.

Light on purpose (no numpy): the API's /readyz asks it too, and the ingestion process never loads
the retrieval stack. An index file is a NumPy `.npz` (a zip); its metadata is a JSON byte array,
read here with zipfile and the `.npy` header format.
"""

from __future__ import annotations

import ast
import hashlib
import json
import struct
import zipfile
from pathlib import Path
from typing import Any

from worker.errors import ConfigError
from worker.retrieval.sources import fingerprint, load_articles
from worker.settings import Settings


class IndexFileError(ConfigError):
    """An index file is missing, truncated or not an index."""


def index_path(source: Path, index_dir: Path, encoder_kind: str = "local-lsa") -> Path:
    """Where the index of `source` lives: named after the source, keyed by its path and the encoder."""
    key = hashlib.sha256(f"{source.resolve()}\x1f{encoder_kind}".encode()).hexdigest()[:12]
    return index_dir / f"{source.stem or 'help'}-{key}.npz"


def encoder_kind(settings: Settings) -> str:
    """The configured encoder's name, as index files record it."""
    return "local-lsa" if settings.retrieval_embeddings == "local" else f"openai:{settings.openai_embedding_model}"


def read_meta(path: Path) -> dict[str, Any]:
    """The index file's metadata alone (source fingerprint, encoder, counts), without loading its arrays."""
    try:
        with zipfile.ZipFile(path) as z, z.open("meta.npy") as fh:
            raw = fh.read()
        if raw[:6] != b"\x93NUMPY":
            raise ValueError("not a .npy entry")
        major = raw[6]
        if major == 1:
            (hlen,) = struct.unpack("<H", raw[8:10])
            start = 10
        else:
            (hlen,) = struct.unpack("<I", raw[8:12])
            start = 12
        header = ast.literal_eval(raw[start:start + hlen].decode("latin1"))
        if header.get("descr") not in ("|u1", "<u1", "|i1", "|S1") or header.get("fortran_order"):
            raise ValueError(f"unexpected meta layout {header}")
        return dict(json.loads(raw[start + hlen:].decode()))
    except (OSError, ValueError, KeyError, SyntaxError, zipfile.BadZipFile, struct.error) as exc:
        raise IndexFileError(f"cannot read index {path}: {exc}") from exc


def index_check(settings: Settings) -> str:
    """"ok" when the configured help centre's index exists and matches it, else what is wrong (for /readyz and `index status`)."""
    source = settings.retrieval_source or settings.corpus_dir
    path = index_path(source, settings.index_dir, encoder_kind(settings))
    try:
        current = fingerprint(load_articles(source))
        if not path.exists():
            return f"missing: no index for {source} (run `ticketflow index build {source}`)"
        if read_meta(path)["source_fingerprint"] != current:
            return f"stale: {source} changed since {path.name} was built"
    except ConfigError as exc:
        return f"unusable: {exc}"
    return "ok"
