"""The files Spark reads for a source, listed and opened on the driver, so the checks that look at
a file's first bytes (gzip or not, a byte order mark, a Parquet footer's types) hold wherever it
lies: a local path's files as the DuckDB engine opens them, a URI's (``hdfs://``, ``s3a://``,
``file://``) through Hadoop's FileSystem, which Spark reads them with, a few bytes each."""

from __future__ import annotations

import functools
import glob
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from mdm.errors import SourceReadError
from mdm.sources import SourceSpec
from mdm.sources.readers import MAGIC_BYTES, SNIFF_BYTES, file_start, starts_as_gzip


@dataclass(frozen=True)
class SourceFile:
    """One file Spark reads for a source: ``name`` as errors give it; ``named``: the source's
    path names this file itself, not a folder or a glob holding it."""

    name: str
    named: bool
    size: Callable[[], int]
    open: Callable[[], BinaryIO]  # its bytes, seekable

    @property
    def named_gzip(self) -> bool:
        return PurePosixPath(self.name).suffix == ".gz"

    @functools.cached_property
    def start(self) -> bytes:
        """The file's first bytes, read once for every check on them (a workbook's magic, gzip's,
        and for a file the source names, whose text's encoding is told, its byte order mark and
        text): each open of a file at a URI is a round trip, and a folder may hold thousands."""
        return file_start(self.open, SNIFF_BYTES if self.named else MAGIC_BYTES)

    def is_gzip(self) -> bool:
        """Whether the file is gzip-compressed, told by its first bytes, not its name."""
        return starts_as_gzip(self.start)


def source_files(spark: Any, spec: SourceSpec) -> list[SourceFile]:
    """The files Spark reads for the source: the file, or a folder's files but hidden ones
    (``_SUCCESS``, ``.crc``, in its partition folders too), of each path the glob matches."""
    location = spec.location
    if "://" in location:
        return _hadoop_files(spark, spec)
    return [_local_file(f, str(f) == location) for match in sorted(glob.glob(location))
            for f in _data_files(Path(match))]


def _local_file(path: Path, named: bool) -> SourceFile:
    return SourceFile(str(path), named, lambda: path.stat().st_size, lambda: path.open("rb"))


def _hidden(parts: Iterable[str]) -> bool:
    """Whether a file in a folder Spark reads is hidden from it (a name starting ``_`` or ``.``)."""
    return any(part.startswith(("_", ".")) for part in parts)


def _data_files(path: Path) -> list[Path]:
    """The files Spark reads for a local ``path``: the file, or a folder's files but hidden ones."""
    if not path.is_dir():
        return [path]
    return sorted(f for f in path.rglob("*") if f.is_file() and not _hidden(f.relative_to(path).parts))


def _hadoop_files(spark: Any, spec: SourceSpec) -> list[SourceFile]:
    """A URI's files, listed by Hadoop's FileSystem as Spark lists them; a glob's match that is
    hidden left out, as Spark leaves it out. A location Hadoop cannot list (no such file system,
    no access) fails naming the source."""
    from py4j.protocol import Py4JJavaError

    try:
        path = spark._jvm.org.apache.hadoop.fs.Path(spec.location)
        fs = path.getFileSystem(spark._jsc.hadoopConfiguration())
        given = fs.makeQualified(path)
        files = []
        for status in sorted(fs.globStatus(path) or [], key=lambda s: s.getPath().toString()):
            match = status.getPath()
            if status.isDirectory():
                files += sorted(_folder_files(fs, match), key=lambda f: f.name)
            elif match.equals(given) or not _hidden([match.getName()]):
                files.append(_hadoop_file(fs, match, match.toString(), status.getLen(), match.equals(given)))
        return files
    except Py4JJavaError as e:
        raise SourceReadError(f"{spec.location}: source {spec.name!r}, key 'path': cannot list its files:"
                              f" {e.java_exception.toString()}".splitlines()[0]) from e


def _folder_files(fs: Any, folder: Any) -> list[SourceFile]:
    """A folder's files but hidden ones, listed a folder at a time by ``listStatus`` as Spark lists
    them, into no hidden folder (``_temporary``). Not ``listFiles``: it gives each file's block
    locations, and at ``file://`` reads each file's owner and permissions by running a process
    (4 ms a file: 8 s for 2,000 parts). Each file costs five calls into the JVM."""
    files, folders = [], [folder]
    while folders:
        for status in fs.listStatus(folders.pop()):
            path = status.getPath()
            name = path.toString()
            if _hidden([name.rsplit("/", 1)[-1]]):
                continue
            if status.isDirectory():
                folders.append(path)
            else:
                files.append(_hadoop_file(fs, path, name, status.getLen(), False))
    return files


def _hadoop_file(fs: Any, path: Any, name: str, size: int, named: bool) -> SourceFile:
    return SourceFile(name, named, lambda: size, lambda: io.BufferedReader(_HadoopStream(fs, path, size)))


class _HadoopStream(io.RawIOBase):
    """A file read through Hadoop's FileSystem from the driver, seekable (a Parquet footer is
    read from the end); Java's errors raised as OSError, as a local file's."""

    def __init__(self, fs: Any, path: Any, size: int) -> None:
        from py4j.protocol import Py4JJavaError

        self._error = Py4JJavaError
        self._size, self._pos = size, 0
        try:
            self._in = fs.open(path)
        except Py4JJavaError as e:
            raise OSError(f"{path.toString()}: {e.java_exception.toString()}") from e

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._pos = max(0, offset + {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence])
        return self._pos

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), self._size - self._pos)
        if wanted <= 0:
            return 0
        try:
            self._in.seek(self._pos)
            data = self._in.readNBytes(wanted)  # py4j hands a byte[] back as bytes
        except self._error as e:
            raise OSError(e.java_exception.toString()) from e
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._in.close()
        super().close()
