"""Putting a backup in the database's place, with the server stopped.

Copying the file over the database by hand gets three things wrong. A write-ahead log the
database left (a server killed) is replayed onto the copy as DuckDB opens it. Downstream
systems have read the change feed past the backup's moment, so the restored feed must go on
from there and tell them what went back. And what happened since stays true: keys revoked stay
revoked, the audit log keeps its entries, and a customer erased since must not come back. So a
restore checks the backup, builds the restored database beside the original while holding it
(no server may open it meanwhile), and only then moves the original aside (kept, with its log)
and the restored one into its place: a failure at any point leaves the database as it was.
"""

from __future__ import annotations

import glob
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from mdm.errors import MDMError
from mdm.store import audit, database, integrity, restoring
from mdm.store.restoring import Replaced


class RestoreError(MDMError):
    """The backup could not be put in place; the database is as it was."""

    code = "restore_failed"


@dataclass
class Restored:
    set_aside: Path | None  # where the database it replaced now is (None: there was none)
    feed_entries: int = 0  # change-feed entries for the golden records that went back
    audit_entries: int = 0  # the replaced database's audit entries the backup did not have
    erasures: list[str] = field(default_factory=list)  # erasures made since, applied again
    also_erased: list[str] = field(default_factory=list)  # records erased with them that they did not name
    failed_checks: list[str] = field(default_factory=list)  # the restored copy's, but for damage


def restore(backup: Path, path: Path, *, rules_path: Path | None = None) -> Restored:
    """Put ``backup`` in the place of the database at ``path`` (which need not exist yet)."""
    restoring.check_backup(backup)
    if path.exists() and backup.resolve() == path.resolve():
        raise RestoreError(f"{backup}: is the database itself")
    log = path.with_name(path.name + ".wal")
    if not path.exists() and log.exists():
        raise RestoreError(f"{path}: no database, but its write-ahead log {log.name} is there (the database"
                           " moved or deleted without it): DuckDB would replay it onto the restored one."
                           " Move it away with its database, or delete it, and restore again")
    partial = path.with_name(f".{path.name}.restoring")
    parts = (partial, partial.with_name(partial.name + ".wal"))
    held = database.connect(path) if path.exists() else None  # refused while a server holds it
    aside: Path | None = None
    placed = False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in parts:  # of a restore killed part way
            leftover.unlink(missing_ok=True)
        for name in _second_names(path):  # of one killed as it put its copy in place
            name.unlink()
        if held is not None:
            held.execute("CHECKPOINT")  # its log folded in: the file set aside is whole alone
        shutil.copyfile(backup, partial)
        done = _rebuild(partial, held, backup_name=backup.name, rules_path=rules_path)
        if parts[1].exists():
            raise RestoreError("the restored copy was left unfinished")
        _checked(partial, backup, done)
        if held is not None:
            kept = path.with_name(f"{path.name}.before-restore-{database.now():%Y%m%dT%H%M%S.%f}Z")
            _set_aside(path, kept)
            aside = done.set_aside = kept
        os.replace(partial, path)
        placed = True
    except BaseException as e:
        if aside is not None and not placed:  # set aside, the copy not in its place
            if path.exists():
                aside.unlink()  # a second name of the database, which stays where it is
            else:
                os.replace(aside, path)
        for part in parts:
            part.unlink(missing_ok=True)
        if isinstance(e, OSError | duckdb.Error):
            raise RestoreError(f"{path}: the restore failed: {e}; the database is as it was") from e
        raise
    finally:
        if held is not None:
            held.close()
    return done


def _checked(partial: Path, backup: Path, done: Restored) -> None:
    """The restored copy's integrity checks (mdm/store/integrity.py): a backup damaged on disk
    (a table that does not read whole) is refused; what else fails is said, and restored all the
    same (the backup may be the best copy there is)."""
    for result in integrity.check_file(partial):
        if result.ok:
            continue
        if result.name == "tables_readable":
            raise RestoreError(f"{backup}: damaged, not restored: {'; '.join(result.examples)}")
        done.failed_checks.append(f"{result.name} ({result.violations:,}: {', '.join(result.examples)})")


def _set_aside(path: Path, aside: Path) -> None:
    """Keep the database at ``path`` as ``aside`` too, before the restored copy takes ``path``.

    A second name (a hard link), not a rename: the database is at ``path`` until the copy
    replaces it in one step. A restore killed between a rename and that step left no database
    there, and one run again then restored as onto a new machine (nothing to go on from: the
    customers erased since came back). A rename where the file system has no hard links."""
    try:
        os.link(path, aside)
    except OSError:
        os.replace(path, aside)


def _second_names(path: Path) -> list[Path]:
    """The names beside ``path`` that a restore killed after :func:`_set_aside` left: they are
    the database itself (a hard link), not a database it replaced."""
    if not path.exists():
        return []
    found = path.parent.glob(f"{glob.escape(path.name)}.before-restore-*")
    return [p for p in found if p.is_file() and os.path.samefile(p, path)]


def _rebuild(
    partial: Path, held: duckdb.DuckDBPyConnection | None, *, backup_name: str, rules_path: Path | None
) -> Restored:
    """Make the copy at ``partial`` go on from the database ``held`` (None: there was none)."""
    con = database.connect(partial)  # migrated, if the backup is older than this version
    try:
        before = restoring.replaced(held, con) if held is not None else Replaced(0, [], [])
        done = Restored(set_aside=None)
        with database.transaction(con):
            if held is not None:
                done.audit_entries = restoring.carry_over(held, con)
                restoring.carry_erasures(held, con)
            done.feed_entries = restoring.continue_feed(con, before, backup=backup_name, at=database.now())
            audit.record(con, actor="cli", action="backup.restore", target=backup_name,
                         detail={"feed_entries": done.feed_entries, "audit_entries": done.audit_entries,
                                 "erasures_since": sorted({e for _s, _i, e in before.erased})})
        con.execute("CHECKPOINT")
        # Only a record the backup holds needs erasing again, and only then a service that can
        # (a backup from before the first run has no model, and none of their records).
        holds_erased = bool(restoring.erased_holders(con, [(s, i) for s, i, _e in before.erased]))
    finally:
        con.close()
    if holds_erased:
        _erase_again(partial, before, done, rules_path=rules_path)
    else:
        done.erasures = list(dict.fromkeys(e for _s, _i, e in before.erased))
    return done


def _erase_again(partial: Path, before: Replaced, done: Restored, *, rules_path: Path | None) -> None:
    """Erase again, in the restored copy, the customers erased since the backup: each golden
    record that holds a record an erasure deleted, as ``POST /golden-records/{id}/erase`` would."""
    from mdm.service import Service

    service = Service(partial, rules_path=rules_path, replay=False, push=False)
    service.open()
    try:  # ready or not (rules changed since the backup's model): an erasure needs no model
        by_erasure: dict[str, list[tuple[str, str]]] = {}
        for source, source_id, erasure_id in before.erased:
            by_erasure.setdefault(erasure_id, []).append((source, source_id))
        for erasure_id, keys in by_erasure.items():
            named = set(keys)
            for golden_id in restoring.erased_holders(service.reader(), keys):
                result = service.erase(golden_id, actor="cli", again=erasure_id,
                                       reason=f"restore: erasure {erasure_id}, made after the backup, again")
                done.also_erased += [f"{s}:{i}" for s, i in result.records if (s, i) not in named]
            done.erasures.append(erasure_id)
    finally:
        service.close()
