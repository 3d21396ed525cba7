"""The files Spark reads for a source, listed and opened on the driver, so the checks that look at
a file's first bytes (gzip or not, a byte order mark, a Parquet footer's types) hold wherever it
lies: a local path's files as the DuckDB engine opens them, a URI's (``hdfs://``, ``s3a://``,
``file://``) through Hadoop's FileSystem, which Spark reads them with, a few bytes each."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
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
    """The files Spark reads for the source, listed by Hadoop's FileSystem as Spark lists them, a
    local path too: Spark resolves a path without a scheme against Hadoop's default file system
    and globs it Hadoop's way (``*`` matches a name starting ``.``; ``{a,b}``), not Python's. Of
    each path the glob matches: a file unless its name is hidden (:func:`_hidden`), even where the
    path names it; a folder whatever its name, and its files but hidden ones, in its partition
    folders too, into no hidden folder. A location Hadoop cannot list (no such file system, no
    access) fails naming the source; a hidden file the path names, which Spark reads as nothing,
    fails saying so."""
    from py4j.protocol import Py4JJavaError

    local = "://" not in spec.location
    try:
        path = spark._jvm.org.apache.hadoop.fs.Path(spec.location)
        fs = path.getFileSystem(spark._jsc.hadoopConfiguration())
        given = fs.makeQualified(path)
        files = []
        for status in sorted(fs.globStatus(path) or [], key=lambda s: s.getPath().toString()):
            match = status.getPath()
            if status.isDirectory():
                files += sorted(_folder_files(spec, fs, match, local), key=lambda f: f.name)
            elif not _hidden(match.getName()):
                files.append(_hadoop_file(fs, match, status.getLen(), match.equals(given), local))
            elif match.equals(given):
                raise SourceReadError(f"{spec.location}: source {spec.name!r}, key 'path': Spark reads no"
                                      " file whose name starts with '_' or '.' (nor a copy in progress,"
                                      " '._COPYING_'): rename the file")
        return files
    except Py4JJavaError as e:
        raise SourceReadError(f"{spec.location}: source {spec.name!r}, key 'path': cannot list its files:"
                              f" {e.java_exception.toString()}".splitlines()[0]) from e


def _hidden(name: str) -> bool:
    """Whether Spark leaves out a file or folder of this name in a folder it reads, as Hadoop's
    hidden names (``_SUCCESS``, ``.crc``, ``_temporary``) and a copy in progress; not a
    partition folder (``_k=v``) nor a Parquet summary (``_metadata``, ``_common_metadata``)."""
    if name.startswith(("_metadata", "_common_metadata")):
        return False
    return (name.startswith("_") and "=" not in name) or name.startswith(".") or name.endswith("._COPYING_")


def _folder_files(spec: SourceSpec, fs: Any, folder: Any, local: bool) -> list[SourceFile]:
    """A folder's files but hidden ones, listed a folder at a time by ``listStatus`` as Spark lists
    them, into no hidden folder, nor into one below a ``_temporary`` folder the glob matched (a
    write in progress). Not ``listFiles``: it gives each file's block locations, and at ``file://``
    reads each file's owner and permissions by running a process (4 ms a file: 8 s for 2,000
    parts). Each file costs five calls into the JVM. A file Spark would read no row of fails."""
    files, folders = [], [(folder, ())]
    while folders:
        at, parts = folders.pop()
        for status in fs.listStatus(at):
            path = status.getPath()
            if _hidden(name := path.getName()):
                continue
            if not status.isDirectory():
                files.append((_hadoop_file(fs, path, status.getLen(), False, local), parts))
            elif "/_temporary/" not in path.toString():
                folders.append((path, (*parts, name)))
    partitioned = any(parts and "=" in parts[0] for _, parts in files)
    for file, parts in files:
        if (parts and "=" not in parts[0]) or (not parts and partitioned):
            suffix = PurePosixPath(file.name).suffix
            raise SourceReadError(f"{file.name}: source {spec.name!r}, key 'path': Spark would read no row of"
                                  " this file: it reads a folder's files from the folder itself or from its"
                                  " partition folders (name=value), not from both nor from other folders in"
                                  " it; move the file, or name the files with a glob (the folder's"
                                  f" {{*{suffix},*/*{suffix}}} reads both levels)")
    return [file for file, _ in files]


def _hadoop_file(fs: Any, path: Any, size: int, named: bool, local: bool) -> SourceFile:
    """A listed file; one on the driver's disk, given by a local path, opened as the DuckDB engine
    opens it and named by its path, as the source gives it."""
    uri = path.toUri()
    if local and uri.getScheme() == "file":
        on_disk = Path(uri.getPath())
        return SourceFile(str(on_disk), named, lambda: size, lambda: on_disk.open("rb"))
    return SourceFile(path.toString(), named, lambda: size,
                      lambda: io.BufferedReader(_HadoopStream(fs, path, size)))


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
