"""The service core behind the API: one process owning one DuckDB file.

Reads use a cursor per thread. Every write (posted records, keys, runs' publish) goes through
one lock on one write cursor, in a transaction, so concurrent posts never interleave and a
failed write changes nothing. A batch run computes in a background thread without the lock
and takes it only to swap its results in; posts that arrived while it ran are replayed on top.
Previews (``records:match``, similar records, links, a merge's preview) read the live matcher
and the database together without that lock: they share a second one (mdm/shared_lock.py) that
a write holds alone only from its commit until the matcher has followed it.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import json
import logging
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pyarrow as pa

from matching_rules import AttributeSpec, RulesSpec, matching_fingerprint
from mdm import api_keys, changes, lapsed_decisions, overrides
from mdm.cancel import Cancellation
from mdm.delivery import Deliveries, new_subscription
from mdm.errors import (
    ChangedSinceError,
    ConfigError,
    ConflictError,
    InvalidInputError,
    MDMError,
    NotFoundError,
)
from mdm.gc_pause import gc_paused
from mdm.ingest import clean_id, source_warnings
from mdm.linking.model import Model
from mdm.pipeline import PublishHooks, RunReport, load_rules_checked, new_run_id, reconcile
from mdm.realtime import (
    DeleteResult,
    EraseResult,
    MatchResult,
    Preview,
    RealtimeMatcher,
    RecordIndex,
    Similar,
    erase_golden,
    typed_values,
)
from mdm.shared_lock import SharedLock
from mdm.sources import SourcesConfig, SourceSpec, load_sources, sources_from_json
from mdm.standardise.record import record_key
from mdm.stewardship import DECISIONS, Outcome, Stewardship
from mdm.store import (
    audit,
    backups,
    database,
    documents,
    exports,
    integrity,
    keys,
    models,
    records,
    runs,
    serving,
)
from mdm.store import stewardship as steward_sql
from mdm.store import subscriptions as subscriptions_sql
from mdm.store.backups import Copied, CopyError

logger = logging.getLogger(__name__)

T = TypeVar("T")

MAX_BATCH = 1000
STOPPED = "cancelled: the service was stopped"  # a run's error when the service stops during it


def _with_lag(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Subscriptions with how many entries of the feed each has not had acknowledged."""
    head = steward_sql.last_change(con)
    return [{**row, "lag": max(head - row["after_seq"], 0)} for row in rows]


class NotReadyError(MDMError):
    """The service cannot match records yet (no trained model or no source config)."""

    code = "not_ready"


@dataclass
class Replay:
    """The changes made through the API while a run computed, replayed onto its published
    results: how far it has got (``Service.replaying``) and, once done, what the run's report
    keeps (``replayed``)."""

    run_id: str
    since: dt.datetime | None = None  # the changes replayed are those from then on (None: all)
    posts: int = 0  # listed to replay
    deletions: int = 0
    posted: int = 0  # replayed so far
    deleted: int = 0
    skipped: int = 0  # changed again meanwhile (the newer change stands), or a deletion the run took
    # The golden ids the posts to replay were in before the publish (None until they are listed):
    # a lookup of any other has nothing to replay first, and need not wait for the writer.
    golden_ids: frozenset[str] | None = None
    # Golden ids a steward's merge made while the run computed kept, which its results lacked:
    # a post replayed that was in one goes back into it (mdm/late_decisions.py).
    rejoin: frozenset[str] = frozenset()
    # The change feed's last entry shown until the replay ends (None: all): the run's entries from
    # its first retirement on are held back, as a replayed post may restore what it retired, the
    # two then one entry (steward_sql.fold_taken_back): the feed never said the customer left.
    held_after: int | None = None

    def counts(self) -> dict[str, int]:
        return {"posts": self.posts, "deletions": self.deletions, "replayed": self.posted + self.deleted,
                "skipped": self.skipped}


class Service:
    def __init__(
        self, db_path: str | Path, *, sources_path: str | Path | None = None,
        rules_path: str | Path | None = None,
        delivery_backoff: float = 5.0, backup_dir: str | Path | None = None, backup_keep: int | None = None,
        replay: bool = True, push: bool = True,
    ) -> None:
        self.db_path = Path(db_path)
        self.sources_path = Path(sources_path) if sources_path else None
        self.rules_path = Path(rules_path) if rules_path else None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self.backup_dir = Path(backup_dir) if backup_dir else self.db_path.parent / "backups"
        self.backup_keep = backup_keep  # None: every backup is kept
        self._backup_lock = threading.Lock()
        # Previews share it; a write holds it alone from its commit until the matcher follows.
        self._state = SharedLock()
        self._writer: duckdb.DuckDBPyConnection | None = None
        self._settings: duckdb.DuckDBPyConnection | None = None  # SET threads, from any thread
        self._run_thread: threading.Thread | None = None
        self._run_cancellation = Cancellation()
        # A run computes, its results not yet swapped in: what is posted now they lack (_upsert).
        self._run_computing = False
        # `mdm export posted` was taken and no run succeeded since: a Spark run may compute from it
        # (_upsert). Read at open (neither command can open the file while the service holds it),
        # ended by a run of the service's own publishing (exports.posted_export_pending).
        self._export_pending = False
        self._replaced_matcher: RealtimeMatcher | None = None  # the one a run's publish replaced
        self.replaying: Replay | None = None  # a published run's replay, while it goes
        # What open() replayed of the last run's unfinished replay (posts, deletions): `mdm load`'s.
        self.replayed_on_open: tuple[int, int] | None = None
        self._key_cache: dict[str, dict[str, Any]] = {}
        self._threads = 1  # DuckDB's worker threads when a scan asks for them (see parallel)
        self._parallel_users = 0
        self._parallel_lock = threading.Lock()
        self.matcher: RealtimeMatcher | None = None
        self.not_ready_reason: str | None = "not opened"
        # The survivorship rules' golden attributes, read once at open, and each one's field
        # (all_emails -> email): what a reader without pii sees masked.
        self.attributes: dict[str, AttributeSpec] = {}
        self.attribute_fields: dict[str, str] = {}
        self._delivery_backoff = delivery_backoff
        # Replays what the last run's publish left unreplayed: not in a file that is not yet the
        # database (a restore's, before it is put in place: replay=False).
        self._replay = replay
        # Pushes the change feed to subscriptions: the server's. A service opened for one command
        # (`mdm erase`, `mdm load`'s replay) leaves it to the server's next start, which sends what
        # the command changed from each subscription's stored cursor: a URL tried from the command
        # was warned of, and counted failing, for entries that were never at risk.
        self._push = push
        self.deliveries: Deliveries | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def open(self) -> None:
        rules = self._rules()
        self.attributes = rules.attributes()
        self.attribute_fields = rules.attribute_fields()
        self._con = database.connect(self.db_path)
        self._writer = self._con.cursor()
        runs.fail_interrupted_runs(self._writer)
        with database.transaction(self._writer):
            overrides.key_unkeyed(self._writer, self.attributes, today=dt.date.today())
        self._export_pending = exports.posted_export_pending(self._writer)
        self._unfreeze_and_collect()
        with self._write_lock:
            self._load_matcher()
        self._replay_unfinished()
        self._freeze()
        self._settings = self._con.cursor()
        self._threads = database.threads(self._settings)
        database.set_threads(self._settings, 1)
        if not self._push:
            return
        self.deliveries = Deliveries(self.reader, self.write, self.attribute_fields, self.change_page,
                                     held=lambda: self.held_after() is not None,
                                     backoff=self._delivery_backoff)
        self.deliveries.set_active(self.reader())
        self.deliveries.start()

    def held_after(self) -> int | None:
        """The change feed's last entry shown while a replay holds the rest back (Replay.held_after)."""
        replay = self.replaying
        return None if replay is None else replay.held_after

    def change_page(
        self, after: int, limit: int, masked_fields: Mapping[str, str] | None
    ) -> changes.FeedPage:
        """A page of the change feed (changes.page), without what a replay going holds back: read
        as a publish's commit and swap are not under way, so its entries are held from the first."""
        with self._state.shared():
            return changes.page(self.reader(), after, limit, masked_fields=masked_fields,
                                upto=self.held_after())

    def _replay_unfinished(self) -> None:
        """Replay now what was posted and deleted while the last run computed, where the process
        that published it died before its replay ended (kill -9, a crash): those posts were
        answered and stored, yet served by no golden record until the next run. A post replayed
        already is unchanged, a deletion skipped. Not in a restore's own service (``replay``
        off): the erasures it carried must be erased again, not replayed as deletions. Where the
        posts were before the publish is what it noted of the keys it left out (xref_departed),
        and the golden ids they go back into (Replay.rejoin) are in its report: the process that
        held them in memory is gone (and `mdm load`'s never had them)."""
        assert self._writer is not None
        last = runs.latest_successful_run(self._writer)
        report = (last or {}).get("report") or {}
        if (last is None or not self._replay or self.matcher is None or "replayed" in report
                or not report.get("replay_from")):
            return
        since = dt.datetime.fromisoformat(report["replay_from"])
        posts, deletions = self.replay_api_changes(
            since, records.departed_posts(self._writer, since=since), run_id=last["run_id"],
            taken_out=report.get("late_deletions", []), rejoin=report.get("merged_late", []))
        self.replayed_on_open = posts, deletions
        logger.info("run %s: its replay had not ended; replayed %d records posted and %d deleted during it",
                    last["run_id"], posts, deletions)

    def close(self) -> None:
        self._cancel_run()
        if self.deliveries is not None:
            self.deliveries.stop()
            self.deliveries = None
        if self.matcher is not None:
            self.matcher.close()
            self.matcher = None
        if self._con is not None:
            self._con.close()
            self._con = None
        gc.unfreeze()  # what open or a run froze is the collector's again, to free at exit

    def _cancel_run(self) -> None:
        """Cancel the run under way and wait for it to end: a stop (SIGTERM) waited for a whole run,
        minutes at scale, until the orchestrator killed the server. The run is recorded as
        cancelled and published nothing; one already publishing completes (mdm/cancel.py)."""
        thread = self._run_thread
        while thread is not None and thread.is_alive():
            self._run_cancellation.cancel(STOPPED)  # again: an interrupt between statements is lost
            thread.join(0.1)

    @property
    def settable_attributes(self) -> list[str]:
        """The attributes a steward may set (mdm/overrides.py)."""
        return overrides.settable_attributes(self.attributes)

    @property
    def ready(self) -> bool:
        return self.matcher is not None

    def _rules(self) -> RulesSpec:
        return load_rules_checked(self.rules_path)

    def _sources(self, con: duckdb.DuckDBPyConnection) -> SourcesConfig | None:
        if self.sources_path is not None:
            return load_sources(self.sources_path)
        stored = runs.latest_sources_config(con)
        return sources_from_json(stored[1]) if stored else None

    def _load_matcher(self, built: RecordIndex | None = None) -> None:
        """(Re)build the real-time state from the database, with its record index if ``built``;
        the caller holds the write lock."""
        con = self._writer
        assert con is not None
        self.matcher = None
        stored = models.latest_model(con)
        if stored is None:
            self.not_ready_reason = "no trained model yet: run a batch reconciliation first (POST /runs)"
            return
        sources = self._sources(con)
        if sources is None:
            self.not_ready_reason = "no source config: run a batch reconciliation or start with --sources"
            return
        rules = self._rules()
        if stored["fingerprint"] != matching_fingerprint(rules.matching):
            self.not_ready_reason = ("the matching rules changed since the stored model was trained:"
                                     " run a batch reconciliation (POST /runs), which trains one for them")
            return
        model = Model(stored["model_id"], stored["fingerprint"], stored["settings"])
        self.matcher = RealtimeMatcher(con, sources, rules, model, built)
        self.not_ready_reason = None

    # -- connections ----------------------------------------------------------------------

    def reader(self) -> duckdb.DuckDBPyConnection:
        """This thread's read cursor."""
        if self._con is None:
            raise NotReadyError("the database is not open")
        cur = getattr(self._local, "cursor", None)
        if cur is None or getattr(self._local, "owner", None) is not self._con:
            cur = self._local.cursor = self._con.cursor()
            self._local.owner = self._con
        return cur

    @contextmanager
    def parallel(self) -> Iterator[None]:
        """DuckDB's worker threads for the duration of a scan (a batch run, a name search).

        Serving runs one thread: lookups and posts are one-row statements, which worker threads
        only wake up and wait for (1M database, 16 clients, alternating: 0.90-0.99 ms of server CPU
        a lookup with one thread, 1.01-1.24 with two; posts about 15% faster). The setting is the
        database's, so it stays raised while any scan holds it.
        """
        assert self._settings is not None
        with self._parallel_lock:
            self._parallel_users += 1
            if self._parallel_users == 1:
                database.set_threads(self._settings, self._threads)
        try:
            yield
        finally:
            with self._parallel_lock:
                self._parallel_users -= 1
                if self._parallel_users == 0 and self._con is not None:
                    database.set_threads(self._settings, 1)

    @contextmanager
    def _writing(self, then: Callable[[], None] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction; its commit, and ``then`` (the live matcher following it), wait
        for the previews under way and hold new ones off."""
        with self._write_lock:
            assert self._writer is not None
            with database.transaction(self._writer, commit_under=self._state.exclusive(), then=then):
                yield self._writer
        if self.deliveries is not None:
            self.deliveries.notify()

    def write(self, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        with self._writing() as con:
            return fn(con)

    def search(self, criteria: dict[str, Any], *, limit: int, offset: int) -> tuple[list[tuple[str, float]], int]:
        """(golden id, score) hits of serving.search, and their count; the scan of every source
        record runs on DuckDB's worker threads (a name search on 1M records: 0.7 s, 1.3 s on one)."""
        with self.parallel():
            return serving.search(self.reader(), **criteria, limit=limit, offset=offset,
                                  override_fields=self.attribute_fields)

    def golden_id_for(self, source: str, source_id: str) -> str | None:
        """The xref, from the real-time state in memory when it is loaded."""
        matcher = self.matcher
        if matcher is not None:
            return matcher.golden_of.get(record_key(source, source_id))
        return serving.xref(self.reader(), source, source_id)

    def lookup_golden_id(self, source: str, source_id: str) -> str | None:
        """golden_id_for, replaying first a key posted while the last run computed that the replay
        onto its results has not reached yet: its poster was given a golden id, and a lookup of it
        answered 404 until the replay came; and the posts into the golden record a key the run
        holds is in (replay_golden), which its document lacked until then. Waits for the writer's
        lock only then. (A key deleted meanwhile the run's publish took out: mdm/late_deletions.py.)"""
        found = self.golden_id_for(source, source_id)
        if found is None and self._replay_pending(source, source_id):
            return self.golden_id_for(source, source_id)
        if found is not None and self.replay_golden(found):
            return self.golden_id_for(source, source_id)
        return found

    def _replay_pending(self, source: str, source_id: str) -> bool:
        """Replay the key now if a replay is going that has not reached it (``_replay_first``);
        whether it did. Keys of sources the live matcher does not know are left, as the replay
        leaves them."""
        matcher = self.matcher
        if self.replaying is None or matcher is None:
            return False
        if all(spec.name != source for spec in matcher.sources.sources):
            return False
        with self._write_lock:
            return self._replay_first(source, source_id)

    def source_record(self, source: str, source_id: str) -> tuple[SourceSpec, dict[str, Any]]:
        """A source record as held (raw row, standardised row, golden id, the key's quarantined
        rows: a repeated id's others), with its source's spec; NotFoundError says so for a key
        its system deleted through the API."""
        con = self.reader()
        matcher = self.matcher  # its config, read when it was loaded; else the file's or the last run's
        config = matcher.sources if matcher is not None else self._sources(con)
        spec = next((s for s in config.sources if s.name == source), None) if config else None
        if spec is None:
            raise NotFoundError("source", source)
        key = clean_id(source_id) or source_id
        row = serving.source_record(con, source, key)
        if row is None and self._replay_pending(source, key):
            row = serving.source_record(con, source, key)
        if row is None:
            gone = serving.deletion(con, source, key)
            why = None
            if gone is not None:
                why = (f"its system deleted it through the API ({gone['deleted_by']},"
                       f" {gone['deleted_at']:%Y-%m-%d %H:%M} UTC)")
            raise NotFoundError("source record", f"{source}/{key}", why)
        return spec, {**row, "quarantined": serving.quarantined_rows(con, source, key)}

    # -- keys -----------------------------------------------------------------------------

    def authenticate(self, key: str) -> dict[str, Any] | None:
        """The key's row while it is in force (not revoked, not expired), else None."""
        digest = keys.digest(key)
        found = self._key_cache.get(digest)
        if found is None:
            found = keys.find_active(self.reader(), key)
            if found is not None:
                self._key_cache[digest] = found
        return found if found is not None and keys.in_force(found) else None

    def create_key(
        self,
        *,
        name: str,
        role: str,
        pii: bool,
        actor: str,
        expires_in_days: int | None = None,
        sources: list[str] | None = None,
    ) -> tuple[dict[str, Any], str]:
        if role not in keys.ROLES:
            raise InvalidInputError(f"field 'role': must be one of {', '.join(keys.ROLES)}")
        config = self._sources(self.reader())
        known = [s.name for s in config.sources] if config else None

        def create(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, Any], str]:
            try:
                return api_keys.create_key(con, actor=actor, name=name, role=role, pii=pii,
                                           expires_in_days=expires_in_days, sources=sources, known=known)
            except InvalidInputError as e:
                raise InvalidInputError(f"field 'sources': {e}") from None

        return self.write(create)

    # -- subscriptions to the change feed ----------------------------------------------------

    def create_subscription(
        self, *, name: str, url: str, pii: bool, after: int | None, actor: str
    ) -> tuple[dict[str, Any], str]:
        """A subscription pushed every change after entry ``after`` (default: the last so far);
        returns its row and its secret."""
        def create(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, Any], str]:
            head = steward_sql.last_change(con)
            if after is not None:
                changes.check_cursor(after, head)
            row, secret = new_subscription(name=name, url=url, pii=pii,
                                           after_seq=head if after is None else after,
                                           actor=actor)
            subscriptions_sql.create(con, row)
            audit.record(con, actor=actor, action="subscription.create", target=row["subscription_id"],
                         detail={"name": name, "url": url, "pii": pii, "after_seq": row["after_seq"]})
            return self._subscription(con, row["subscription_id"]), secret

        made = self.write(create)
        self._deliveries().set_active(self.reader())
        return made

    def subscriptions(self, *, revoked: bool) -> list[dict[str, Any]]:
        con = self.reader()
        return _with_lag(con, subscriptions_sql.listed(con, revoked=revoked))

    def _subscription(self, con: duckdb.DuckDBPyConnection, subscription_id: str) -> dict[str, Any]:
        row = subscriptions_sql.get(con, subscription_id)
        if row is None:
            raise NotFoundError("subscription", subscription_id)
        return _with_lag(con, [row])[0]

    def subscription(self, subscription_id: str) -> dict[str, Any]:
        return self._subscription(self.reader(), subscription_id)

    def revoke_subscription(self, subscription_id: str, *, actor: str) -> None:
        def revoke(con: duckdb.DuckDBPyConnection) -> None:
            if not subscriptions_sql.revoke(con, subscription_id, database.now(), actor):
                raise NotFoundError("active subscription", subscription_id)
            audit.record(con, actor=actor, action="subscription.revoke", target=subscription_id, detail={})

        self.write(revoke)
        self._deliveries().set_active(self.reader())

    def _deliveries(self) -> Deliveries:
        if self.deliveries is None:
            raise NotReadyError("the database is not open")
        return self.deliveries

    def revoke_key(self, key_id: str, *, actor: str) -> None:
        def revoke(con: duckdb.DuckDBPyConnection) -> None:
            if not keys.revoke_key(con, key_id):
                raise NotFoundError("active API key", key_id)
            audit.record(con, actor=actor, action="key.revoke", target=key_id, detail={})

        self.write(revoke)
        self._key_cache.clear()

    # -- backups --------------------------------------------------------------------------

    def backup(self, *, actor: str) -> tuple[Copied, list[backups.Backup]]:
        """A copy of the database, as of one moment, into the backup folder while the service
        goes on serving and writing (mdm/store/backups.py), and the backups it pruned: with
        ``backup_keep``, the oldest beyond that many, once the new one is whole. One at a time:
        a second is a 409."""
        if self._con is None:
            raise NotReadyError("the database is not open")
        if not self._backup_lock.acquire(blocking=False):
            raise ConflictError("a backup is being taken; ask again once it has finished")
        try:
            try:
                self.backup_dir.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise CopyError(f"{self.backup_dir}: cannot make the backup folder: {e}") from e
            backups.remove_leftovers(self.backup_dir, self.db_path.stem)
            target = self.backup_dir / backups.backup_name(self.db_path.stem, database.now())
            con = self._con.cursor()
            try:
                with self.parallel():
                    copied = backups.copy_database(con, target)
            finally:
                con.close()
            pruned = [] if self.backup_keep is None else backups.prune(
                self.backup_dir, self.db_path.stem, self.backup_keep, taken=target.name)
            self.write(lambda w: audit.record(w, actor=actor, action="backup.create", target=target.name,
                                              detail={"bytes": copied.bytes, "rows": copied.rows,
                                                      "pruned": [b.file for b in pruned]}))
            return copied, pruned
        finally:
            self._backup_lock.release()

    def list_backups(self) -> list[tuple[backups.Backup, int]]:
        """The backups, newest first, each with the erasures made since it was taken: a backup
        that still holds an erased customer's data counts them."""
        found = backups.listed(self.backup_dir, self.db_path.stem)
        con = self.reader()
        return [(b, audit.erasures_since(con, b.taken_at)) for b in found]

    def delete_backup(self, file: str, *, actor: str) -> backups.Backup:
        if not self._backup_lock.acquire(blocking=False):  # which may prune it meanwhile
            raise ConflictError("a backup is being taken; ask again once it has finished")
        try:
            removed = backups.remove(self.backup_dir, self.db_path.stem, file)
        finally:
            self._backup_lock.release()
        self.write(lambda w: audit.record(w, actor=actor, action="backup.delete", target=file,
                                          detail={"bytes": removed.bytes}))
        return removed

    def check_integrity(self) -> list[integrity.Result]:
        """The database's checks (mdm/store/integrity.py) on one snapshot, while the service
        goes on serving and writing."""
        if self._con is None:
            raise NotReadyError("the database is not open")
        con = self._con.cursor()
        try:
            with self.parallel():
                return integrity.check(con)
        finally:
            con.close()

    # -- real-time records ----------------------------------------------------------------

    def _realtime_write(self, write: Callable[[RealtimeMatcher, duckdb.DuckDBPyConnection], T]) -> T:
        """One real-time write as one transaction; the in-memory index follows once it commits."""
        with self._write_lock:
            matcher = self._matcher()
            try:
                with self._writing(then=matcher.commit_index) as con:
                    result = write(matcher, con)
            except BaseException:
                matcher.discard_pending()
                raise
            return result

    def _each(
        self, source: str, items: list[Any], write: Callable[[Any], T], *, field: str, noun: str
    ) -> list[T | MDMError]:
        """Up to MAX_BATCH writes of one source (the call's ``field``), each its own transaction
        with its own result; an unknown source fails the whole call."""
        if len(items) > MAX_BATCH:
            raise InvalidInputError(f"field {field!r}: at most {MAX_BATCH} {noun} per call, got {len(items)}")
        self._matcher().source(source)
        out: list[T | MDMError] = []
        for item in items:
            try:
                out.append(write(item))
            except (InvalidInputError, NotFoundError) as e:
                out.append(e)
        return out

    def post_record(
        self, source: str, payload: Mapping[str, Any], *, actor: str, golden_id_before: str | None = None,
        replayed: bool = False,
    ) -> MatchResult:
        """Post one record; ``replayed``: the replay's own post of it (replay_api_changes)."""
        with self._write_lock:
            if not replayed and self.replaying is not None:
                spec = self._matcher().source(source)
                self._replay_first(source, clean_id(typed_values(payload).get(spec.id_column)))
            return self._upsert(source, payload, actor=actor, golden_id_before=golden_id_before)

    def _replay_first(self, source: str, source_id: str | None) -> bool:
        """A key posted while a run computed that the replay onto its results has not reached yet
        (replay_api_changes): replayed now, before a post or deletion of it meanwhile, which would
        otherwise find no record (a deletion a 404, leaving the record; a post a new golden id,
        the one its poster was given gone from the feed unannounced), or a lookup of it (a 404).
        With it go the others posted into the same golden record: it is held whole, as its
        posters left it. Whether it replayed the key."""
        if self.replaying is None or not source_id or self._writer is None:
            return False
        replaced = self._replaced_matcher
        before = replaced.golden_of.get(record_key(source, source_id)) if replaced is not None else None
        if not self._replay_post(source, source_id, before):
            return False
        for other in self._pending_in(before) if before is not None else ():
            self._replay_post(*other, before)
        return True

    def replay_golden(self, golden_id: str) -> bool:
        """Replay now the posts the replay has not reached that were in golden record
        ``golden_id`` before the run's publish: one they made is in no result of the run, and a
        lookup of the id its posters were given answered 404 until the replay came; one the
        results hold too was served without the records posted into it. Whether there were any."""
        replay = self.replaying
        if replay is None or (replay.golden_ids is not None and golden_id not in replay.golden_ids):
            return False
        with self._write_lock:
            if self.replaying is None or self._replaced_matcher is None:
                return False
            return any([self._replay_post(source, source_id, golden_id)
                        for source, source_id in self._pending_in(golden_id)])

    def _pending_in(self, golden_id: str) -> list[tuple[str, str]]:
        """The keys posted since the replayed run read its input that were in ``golden_id``
        before its publish, oldest first; the caller holds the write lock."""
        replaced, replay = self._replaced_matcher, self.replaying
        if replaced is None or replay is None or replay.since is None:
            return []
        assert self._writer is not None
        return [(source, source_id) for source, source_id, _raw, _by
                in records.posted_records(self._writer, since=replay.since)
                if replaced.golden_of.get(record_key(source, source_id)) == golden_id]

    def _replay_post(self, source: str, source_id: str, golden_id_before: str | None) -> bool:
        """Post the key again as last posted, unless the live results hold it (or it was
        deleted since); whether it did. The caller holds the write lock."""
        assert self._writer is not None
        row = records.posted(self._writer, source, source_id)
        if row is None or record_key(source, source_id) in self._matcher().golden_of:
            return False
        raw, poster = row
        self._upsert(source, json.loads(raw), actor=poster or "replay", golden_id_before=golden_id_before)
        return True

    def _upsert(
        self, source: str, payload: Mapping[str, Any], *, actor: str, golden_id_before: str | None
    ) -> MatchResult:
        replay = self.replaying
        rejoin = replay is not None and golden_id_before is not None and golden_id_before in replay.rejoin

        def upsert(matcher: RealtimeMatcher, con: duckdb.DuckDBPyConnection) -> MatchResult:
            result = matcher.upsert(con, source, payload, actor=actor, today=dt.date.today(),
                                    golden_id_before=golden_id_before, rejoin=rejoin,
                                    run_computing=self._run_computing or self._export_pending)
            key = record_key(source, result.source_id)
            if (result.previous_golden_id is None and result.outcome not in ("unchanged", "stale")
                    and matcher.constrained(key)):
                # A key held again may bind a decision that lapsed when it left (mdm/lapsed_decisions.py).
                result = replace(result, decisions_binding_again=lapsed_decisions.note_posted(
                    con, key, actor=actor))
            # A run that restores a golden record says so of its overrides too; a replayed post taking
            # its id back, nothing: the run that retired it said nothing (lapsed_decisions.note).
            if result.restored and result.golden_id != golden_id_before:
                _lapsed, again = lapsed_decisions.note_overrides(
                    con, restored=[result.golden_id], actor=actor, detail={"posted": key})
                result = replace(result, overrides_binding_again=again)
            if result.outcome not in ("unchanged", "stale"):  # no record was written
                audit.record(
                    con, actor=actor, action="record.upsert", target=f"{source}:{result.source_id}",
                    detail={"outcome": result.outcome, "golden_id": result.golden_id,
                            "previous_golden_id": result.previous_golden_id,
                            "match_probability": result.match_probability},
                )
            return result

        return self._realtime_write(upsert)

    def match_record(self, source: str, payload: Mapping[str, Any]) -> Preview:
        """What posting the record would do, without storing it. It reads the live index and the
        database together: it holds the state lock shared, so that no write commits meanwhile."""
        with self._state.shared():
            return self._matcher().match(self.reader(), source, payload, today=dt.date.today())

    def similar_golden(self, golden_id: str, *, min_probability: float, limit: int) -> list[Similar]:
        """Other golden records that may be the same customer (RealtimeMatcher.similar), holding
        the state lock shared, as a match does."""
        with self._state.shared():
            matcher = self._matcher()
            members = [m["record_key"] for m in records.member_rows(self.reader(), golden_id)]
            if not members:
                raise NotFoundError("active golden record", golden_id)
            return matcher.similar(golden_id, members, min_probability=min_probability)[:limit]

    def links(self, golden_id: str) -> list[dict[str, Any]]:
        """Why a golden record's members are together (Stewardship.links), holding the state lock
        shared, as a match does."""
        with self._state.shared():
            return Stewardship(self._matcher()).links(self.reader(), golden_id)

    def post_records(
        self, source: str, payloads: list[Mapping[str, Any]], *, actor: str
    ) -> list[MatchResult | MDMError]:
        def post(payload: Mapping[str, Any]) -> MatchResult:
            return self.post_record(source, payload, actor=actor)

        return self._each(source, payloads, post, field="records", noun="records")

    def delete_record(self, source: str, source_id: str, *, actor: str) -> DeleteResult:
        def delete(matcher: RealtimeMatcher, con: duckdb.DuckDBPyConnection) -> DeleteResult:
            result = matcher.delete(con, source, source_id, actor=actor)
            key = record_key(source, result.source_id)
            result = replace(result, decisions_lapsed=lapsed_decisions.note_deleted(con, [key], actor=actor))
            if result.golden_change == "retired":  # as a run that retires a golden record says
                lapsed, _again = lapsed_decisions.note_overrides(
                    con, retired=[result.golden_id], actor=actor, detail={"deleted": key})
                result = replace(result, overrides_lapsed=lapsed)
            audit.record(
                con, actor=actor, action="record.delete", target=f"{source}:{result.source_id}",
                detail={"golden_id": result.golden_id, "golden_change": result.golden_change,
                        "decisions_carried": [c.as_dict() for c in result.decisions_carried],
                        "kept_together": result.kept_together, "decisions_lapsed": result.decisions_lapsed},
            )
            if result.kept_together:
                audit.record(con, actor=actor, action="decision.kept_together", target=result.kept_together,
                             detail={"golden_id": result.golden_id,
                                     "deleted": f"{source}:{result.source_id}"})
            return result

        with self._write_lock:
            self._replay_first(source, clean_id(source_id))
            return self._realtime_write(delete)

    def delete_records(
        self, source: str, source_ids: list[str], *, actor: str
    ) -> list[DeleteResult | MDMError]:
        def delete(source_id: str) -> DeleteResult:
            return self.delete_record(source, source_id, actor=actor)

        return self._each(source, source_ids, delete, field="source_ids", noun="keys")

    def erase(self, golden_id: str, *, actor: str, reason: str, again: str | None = None) -> EraseResult:
        """Erase a customer's golden record and every record in it (RealtimeMatcher.erase); the
        audit log keeps who, when, why and which keys, no values. ``again``: the erasure this one
        makes again (a restore's), so the customer is counted as erased once."""
        def audited(result: EraseResult, con: duckdb.DuckDBPyConnection) -> EraseResult:
            lapsed_decisions.note_deleted(con, [record_key(s, i) for s, i in result.records], actor=actor,
                                          erasure_id=result.erasure_id)
            audit.record(
                con, actor=actor, action="golden.erase", target=golden_id,
                detail={"erasure_id": result.erasure_id, "reason": reason, "golden_ids": result.golden_ids,
                        "records": [f"{s}:{i}" for s, i in result.records]}
                | ({"again": again} if again else {}),
            )
            return result

        with self._write_lock:
            if self.matcher is None and self._con is not None:
                # Not ready (the rules changed since the model was trained, a run failed): an
                # erasure is owed now, and needs no model; the matcher is built from the database.
                return self.write(lambda con: audited(erase_golden(con, golden_id, actor=actor)[0], con))
            return self._realtime_write(
                lambda matcher, con: audited(matcher.erase(con, golden_id, actor=actor), con))

    def replay_api_changes(
        self, since: dt.datetime | None, golden_of_before: Mapping[str, str] | None = None, *, run_id: str,
        taken_out: Collection[str] = (), rejoin: Collection[str] = (),
    ) -> tuple[int, int]:
        """Post again, and delete again, the records posted and deleted through the API from
        ``since`` on (all of them for None): results computed from input read before they
        arrived lack them. Records of sources the config no longer lists stay stored, unused,
        as a batch run leaves them. ``golden_of_before``: where the records were before the
        results were swapped in, so that a post that made a golden record of its own keeps its
        id. ``taken_out``: keys deleted meanwhile that the publish took out of the results (its
        report's ``late_deletions``), counted as replayed. ``rejoin``: Replay.rejoin. Returns how
        many of each were replayed; ``replaying`` shows how far it has got, and the report of run
        ``run_id``, whose results they go onto, keeps the counts.

        Each change is replayed as a write of its own: a post that comes meanwhile waits for one
        of them, not for all (hundreds after a run at a million records). A change superseded
        meanwhile (the key posted again, or deleted) is left: the newer one was made on these
        results already; so is a post older than the version the run read (stale)."""
        with self._write_lock:
            matcher = self._matcher()
            assert self._writer is not None
            known = {s.name for s in matcher.sources.sources}
            taken = set(taken_out)
            posts = [p for p in records.posted_records(self._writer, since=since) if p[0] in known]
            deletions = [d for d in records.deleted_records(self._writer, since=since) if d[0] in known]
        before_of = golden_of_before or {}
        keys = [record_key(source, source_id) for source, source_id, _raw, _by in posts]
        progress = Replay(run_id, since, posts=len(posts), deletions=len(deletions),
                          golden_ids=frozenset(before_of[k] for k in keys if k in before_of),
                          rejoin=frozenset(rejoin), held_after=self.held_after())
        self.replaying = progress
        try:
            for source, source_id, raw, actor in posts:
                with self._write_lock:
                    if records.posted_raw(self._writer, source, source_id) != raw:
                        progress.skipped += 1
                        continue
                    before = (golden_of_before or {}).get(record_key(source, source_id))
                    done = self.post_record(source, json.loads(raw), actor=actor or "replay",
                                            golden_id_before=before, replayed=True)
                    if done.outcome == "stale":  # the run's extract holds a newer version: it stays,
                        # and the post goes as the run's outdated ones do (a later delta may lack the key)
                        self.write(lambda con: records.drop_outdated_posts(con, [(source, source_id, raw)]))
                        progress.skipped += 1
                        continue
                progress.posted += 1
                time.sleep(0)  # a write waiting for the lock takes it now
            for source, source_id, actor in deletions:
                with self._write_lock:
                    # A deleted key the results do not hold (the run took the deletion) has nothing to undo.
                    if (record_key(source, source_id) not in self._matcher().golden_of
                            or serving.deletion(self._writer, source, source_id) is None):
                        if record_key(source, source_id) in taken:
                            progress.deleted += 1  # by the publish
                        else:
                            progress.skipped += 1
                        continue
                    self.delete_record(source, source_id, actor=actor or "replay")
                progress.deleted += 1
                time.sleep(0)
            def recorded(con: duckdb.DuckDBPyConnection) -> None:
                restored = steward_sql.fold_taken_back(con, run_id) if progress.posted else []
                runs.record_replay(con, run_id, progress.counts(), len(restored))

            self.write(recorded)
        finally:
            self.replaying = None
        return progress.posted, progress.deleted

    def steward(self, operation: Callable[[Stewardship, duckdb.DuckDBPyConnection], Outcome]) -> Outcome:
        """Run a steward operation as one write; the live state follows once it commits."""
        with self._write_lock:
            matcher = self._matcher()
            done: list[Outcome] = []

            def follow() -> None:
                matcher.apply_moves(done[0].moves)
                assert self._writer is not None
                matcher.load_constraints(self._writer)

            with self._writing(then=follow) as con:
                done.append(operation(Stewardship(matcher), con))
            return done[0]

    def decide_items(
        self, item_ids: list[str], decision: str, *, actor: str, comment: str | None, admin: bool = False
    ) -> list[Outcome | MDMError]:
        """Up to MAX_BATCH review items decided alike, in the order given, each its own decision
        (undone on its own) with its own result: an item an earlier one settled, or one already
        decided or unknown, is that item's error."""
        if len(item_ids) > MAX_BATCH:
            raise InvalidInputError(
                f"field 'item_ids': at most {MAX_BATCH} items per call, got {len(item_ids)}")
        if decision not in DECISIONS:
            raise InvalidInputError(f"field 'decision': must be one of {', '.join(DECISIONS)}")
        out: list[Outcome | MDMError] = []
        for item_id in item_ids:
            try:
                out.append(self.steward(
                    lambda s, con, i=item_id: s.decide_item(con, i, decision, actor=actor, comment=comment,
                                                            admin=admin)))
            except (ConflictError, InvalidInputError, NotFoundError) as e:
                out.append(e)
        return out

    def conflicts_with(self, golden_id: str, others: list[str]) -> dict[str, list[dict[str, Any]]]:
        """The identifiers each of ``others`` disagrees with ``golden_id`` on (Stewardship.conflicts_with)."""
        with self._state.shared():
            return Stewardship(self._matcher()).conflicts_with(self.reader(), golden_id, others)

    def merge_preview(self, golden_ids: list[str]) -> dict[str, Any]:
        """What merging the golden records would make (Stewardship.merge_preview), changing nothing."""
        with self._state.shared():
            return Stewardship(self._matcher()).merge_preview(self.reader(), golden_ids)

    def steward_write(self, operation: Callable[[Stewardship, duckdb.DuckDBPyConnection], T]) -> T:
        """A steward write that moves no records (claiming an item)."""
        with self._write_lock:
            matcher = self._matcher()
            with self._writing() as con:
                return operation(Stewardship(matcher), con)

    def set_override(
        self,
        golden_id: str,
        attribute: str,
        value: str | None,
        *,
        reason: str,
        region: str | None,
        actor: str,
        if_match: list[str] | None = None,
    ) -> dict[str, Any]:
        """A steward's value for one golden attribute (mdm/overrides.py), as one write; with
        ``if_match``, only while the golden record is at one of those versions."""
        def set_(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
            unchanged_since(con, golden_id, if_match)
            if self.matcher is not None:  # under the write lock: the live matcher's posts must read it
                self.matcher.override_holders.add(golden_id)
            return overrides.set_override(con, self.attributes, golden_id, attribute, value, reason=reason,
                                          region=region, actor=actor, today=dt.date.today())

        return self.write(set_)

    def remove_override(
        self, golden_id: str, attribute: str, *, reason: str, actor: str, if_match: list[str] | None = None
    ) -> dict[str, Any]:
        def remove(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
            unchanged_since(con, golden_id, if_match)
            return overrides.remove_override(
                con, self.attributes, golden_id, attribute, reason=reason, actor=actor)

        return self.write(remove)

    def _matcher(self) -> RealtimeMatcher:
        if self.matcher is None:
            raise NotReadyError(self.not_ready_reason or "not ready")
        return self.matcher

    # -- batch runs -----------------------------------------------------------------------

    def start_run(
        self, *, sources_path: str | None, retrain: bool, actor: str, accept_removals: bool = False,
        dry_run: bool = False,
    ) -> str:
        """Start a batch run in the background; returns its id. 409 if one is going."""
        with self._write_lock:
            if self._run_thread is not None and self._run_thread.is_alive():
                replay = self.replaying
                if replay is not None:
                    done = replay.posted + replay.deleted + replay.skipped
                    raise ConflictError(
                        f"run {replay.run_id} has published and is replaying the changes posted during it"
                        f" ({done} of {replay.posts + replay.deletions}); start the next run when"
                        " GET /runs shows it replaying nothing")
                raise ConflictError("a batch run is already going; wait for it to finish")
            if sources_path is not None:
                if not sources_path.strip():  # Path("") is the working directory: not what was meant
                    raise InvalidInputError("field 'sources': blank; give a sources YAML file's path, or"
                                            " leave it out to take the last run's")
                if "\x00" in sources_path:  # no path has one: the file system raises ValueError on it
                    raise InvalidInputError("field 'sources': holds a NUL character, which no file's path"
                                            " does")
                path = Path(sources_path).resolve()
            elif self.sources_path is not None:
                path = self.sources_path
            else:
                stored = runs.latest_sources_config(self.reader())
                if stored is None:
                    raise InvalidInputError("field 'sources': no earlier run to take the source config from")
                path = Path(stored[0])
            try:
                load_sources(path)  # a bad config is the caller's error, reported now
            except ConfigError as e:
                if sources_path is None:
                    raise
                raise ConfigError(f"field 'sources': {e}") from e
            self._rules()
            run_id = new_run_id()

            def start(con: duckdb.DuckDBPyConnection) -> None:
                runs.start_run(con, run_id, "batch", str(path), str(self.rules_path or "default"))
                audit.record(con, actor=actor, action="run.start", target=run_id,
                             detail={"sources": str(path), "retrain": retrain,
                                     "accept_removals": accept_removals, "dry_run": dry_run})

            self.write(start)
            self._run_computing = True
            self._run_cancellation = cancellation = Cancellation()
            self._run_thread = threading.Thread(
                target=self._run, args=(run_id, path, retrain, accept_removals, dry_run, cancellation),
                name=f"run-{run_id}", daemon=True,
            )
            self._run_thread.start()
            return run_id

    def _run(
        self, run_id: str, sources_path: Path, retrain: bool, accept_removals: bool, dry_run: bool,
        cancellation: Cancellation,
    ) -> None:
        assert self._con is not None
        con = self._con.cursor()
        try:
            # What died since the last freeze is freed now; the run's own objects are not there
            # yet. A full collection later would walk them (millions at a million records, every
            # thread waiting: 4.1 s for a source read in a publish), so full ones are held back
            # until the run ends; the young generations still free what requests leave.
            self._unfreeze_and_collect()
            hooks = PublishHooks(lock=self._write_lock,
                                 prepare=functools.partial(self._prepare_index, cancellation=cancellation),
                                 commit_under=self._state.exclusive, swap=self._swap_matcher,
                                 after=self._after_publish, replays=True)
            with self.parallel(), gc_paused():  # on the run thread: full collections held
                report = reconcile(
                    sources_path, self.db_path, rules_path=self.rules_path, retrain=retrain,
                    accept_removals=accept_removals, dry_run=dry_run, con=con, run_id=run_id,
                    publish=hooks, cancellation=cancellation,
                )
            # What `mdm reconcile` prints; no console here.
            for warning in [*source_warnings(report.sources), *report.lapsed.warnings()]:
                logger.warning("run %s: %s", run_id, warning)
        except MDMError as e:
            logger.warning("run %s failed: %s", run_id, e)
        except Exception:
            logger.exception("run %s failed", run_id)
        finally:
            self._run_computing = False  # a dry run's end, or a failed or cancelled run's
            con.close()
            self._freeze()

    @staticmethod
    def _unfreeze_and_collect() -> None:
        """A full collection of all that lives, what an earlier freeze held among it, so that
        what has died in a cycle since is freed: once the service starts, and as a run starts."""
        gc.unfreeze()
        gc.collect()

    @staticmethod
    def _freeze() -> None:
        """Freeze what lives out of the collector's walks, the record index among it.

        The index's dicts took in new containers as values: unfrozen, every full collection
        walks all their entries (0.5 s at a million records: a collection that finds nothing to
        track in a dict stops tracking it, and the next post tracks it again). Frozen while still
        tracked, a post changes nothing. So it is done once the index is built, with no full
        collection between: as the service opens, and as a run ends. The young generations are
        collected first: what is garbage there is not frozen, and the index's tuples, which such
        a collection stops tracking, are not left for the next full one to walk. What a run left
        in cycles in the oldest generation is frozen until the next run starts."""
        gc.collect(1)
        gc.freeze()

    def _prepare_index(self, std: pa.Table, xref: pa.Table, cancellation: Cancellation) -> RecordIndex | None:
        """The run's record index, built while the service still serves the previous results
        (at a million records 18-21 s no longer spent holding the write lock); a stop cancels it
        with the run."""
        assert self._con is not None
        con = self._con.cursor()
        try:
            with cancellation.watching(con):
                return RecordIndex.build(con, self._rules(), std, xref, cancellation)
        except Exception:  # the index is then built from the published tables, under the lock
            cancellation.check()  # unless the run was cancelled: it ends here
            logger.exception("building the real-time index from the run's results failed")
            return None
        finally:
            con.close()

    def _swap_matcher(self, report: RunReport, built: RecordIndex | None) -> None:
        """As the run's results commit, previews waiting: the real-time state made from them
        (with what the decisions and erasures made while the run computed changed)."""
        try:
            if built is not None:
                built.golden_of.update(report.moved_late)
                for key in report.erased_late.record_keys:
                    built.index.remove(key)
                    built.golden_of.pop(key, None)
                built.golden_of.update(report.erased_late.moved)
                for key in report.deleted_late:
                    built.index.remove(key)
                    built.golden_of.pop(key, None)
            # A post from now on is made onto its results, which hold every post up to its start.
            self._run_computing = self._export_pending = False
            # Readers wait meanwhile: dropping the replaced index took 1.2 s at a million
            # records; it goes after the replay, a batch at a time.
            self._replaced_matcher = self.matcher
            if report.inputs_read_at is not None:  # lookups replay a key first from now (_replay_pending)
                assert self._writer is not None  # the run holds the writer's lock
                retired = (steward_sql.first_retired_by(self._writer, report.run_id)
                           if report.golden_changes.get("retired") else None)
                self.replaying = Replay(report.run_id, report.inputs_read_at,
                                        rejoin=frozenset(report.merged_late),
                                        held_after=None if retired is None else retired - 1)
            self._load_matcher(built)
        except Exception:
            self._matcher_failed(report)

    def _matcher_failed(self, report: RunReport) -> None:
        logger.exception("run %s: rebuilding the real-time state failed", report.run_id)
        self.matcher = None
        self.not_ready_reason = "rebuilding the real-time state after a run failed; see the log"

    def _after_publish(self, report: RunReport) -> None:
        """Replay the posts and deletions that arrived after the run read its inputs, each a
        write of its own (replay_api_changes)."""
        try:
            if self.matcher is None or report.inputs_read_at is None:
                return
            replaced = self._replaced_matcher
            posts, deletions = self.replay_api_changes(
                report.inputs_read_at, replaced.golden_of if replaced is not None else {},
                run_id=report.run_id, taken_out=report.deleted_late, rejoin=report.merged_late)
            if posts or deletions:
                logger.info("run %s: replayed %d records posted and %d deleted during the run",
                            report.run_id, posts, deletions)
        except Exception:
            self._matcher_failed(report)
        finally:
            self.replaying = None
            if self._replaced_matcher is not None:
                self._replaced_matcher.close()
                self._replaced_matcher.index.release()  # freed at once, it held every thread 2 s
                self._replaced_matcher = None
            if self.deliveries is not None:
                self.deliveries.notify()


def unchanged_since(con: duckdb.DuckDBPyConnection, golden_id: str, versions: list[str] | None) -> None:
    """Refuse a steward's edit made on a golden record that has changed since they read it (another
    steward's edit, a post, a run): checked under the write lock, so no edit is lost between."""
    if versions is None:
        return
    found = serving.document(con, golden_id)
    if found is None:
        raise NotFoundError("golden record", golden_id)
    if "*" not in versions and documents.version(found[2]) not in versions:
        raise ChangedSinceError(f"golden record {golden_id!r} has changed since the version in If-Match:"
                                " read it again, and decide again")
