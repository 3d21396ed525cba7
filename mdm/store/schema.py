"""The database schema, as ordered migrations recorded in ``schema_migrations``.

Append new migrations; never edit one that has shipped.
"""

from __future__ import annotations

MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        CREATE TABLE runs (
            run_id VARCHAR PRIMARY KEY,
            kind VARCHAR NOT NULL,
            status VARCHAR NOT NULL,            -- running | succeeded | failed
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP,
            sources_path VARCHAR,
            rules_path VARCHAR,
            model_id VARCHAR,
            retrained BOOLEAN,
            counts JSON,
            stage_seconds JSON,
            error VARCHAR
        );
        CREATE TABLE models (
            model_id VARCHAR PRIMARY KEY,
            created_at TIMESTAMP NOT NULL,
            run_id VARCHAR,
            fingerprint VARCHAR NOT NULL,
            trained_on_records BIGINT,
            settings JSON NOT NULL
        );
        CREATE TABLE source_records (
            record_key VARCHAR PRIMARY KEY,
            source VARCHAR NOT NULL,
            source_id VARCHAR NOT NULL,
            row_number BIGINT,
            raw JSON NOT NULL,
            run_id VARCHAR,
            loaded_at TIMESTAMP
        );
        CREATE TABLE std_records (
            record_key VARCHAR PRIMARY KEY,
            source VARCHAR NOT NULL,
            source_id VARCHAR NOT NULL,
            priority INTEGER NOT NULL,
            updated_at TIMESTAMP,
            full_name VARCHAR,
            name_folded VARCHAR,
            name_key VARCHAR,
            name_nospace VARCHAR,
            family VARCHAR,
            given VARCHAR,
            middles VARCHAR,
            email VARCHAR,
            email_key VARCHAR,
            email_local_digits BOOLEAN,
            email_valid BOOLEAN,
            phone VARCHAR,
            phone_type VARCHAR,
            phone_valid BOOLEAN,
            date_of_birth DATE,
            address VARCHAR,
            address_norm VARCHAR,
            house_number VARCHAR,
            street VARCHAR,
            city VARCHAR,
            city_norm VARCHAR,
            postcode VARCHAR,
            country VARCHAR,
            company VARCHAR,
            company_key VARCHAR,
            tax_id VARCHAR,
            national_id VARCHAR,
            dq_flags VARCHAR[]
        );
        CREATE TABLE quarantine (
            run_id VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            row_number BIGINT,
            source_id VARCHAR,
            reason VARCHAR NOT NULL,
            raw VARCHAR
        );
        CREATE TABLE pairs (
            run_id VARCHAR NOT NULL,
            record_key_l VARCHAR NOT NULL,
            record_key_r VARCHAR NOT NULL,
            match_weight DOUBLE NOT NULL,
            match_probability DOUBLE NOT NULL,
            outcome VARCHAR NOT NULL,           -- auto_link | kept_link | source_link | review
            explanation JSON
        );
        CREATE TABLE xref (
            source VARCHAR NOT NULL,
            source_id VARCHAR NOT NULL,
            record_key VARCHAR NOT NULL,
            golden_id VARCHAR NOT NULL,
            run_id VARCHAR,
            PRIMARY KEY (source, source_id)
        );
        CREATE TABLE golden_records (
            golden_id VARCHAR PRIMARY KEY,
            status VARCHAR NOT NULL,            -- active | retired
            merged_into VARCHAR,
            attributes JSON,
            record_count INTEGER NOT NULL,
            sources VARCHAR[],
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL,
            run_id VARCHAR
        );
        CREATE TABLE golden_lineage (
            golden_id VARCHAR NOT NULL,
            attribute VARCHAR NOT NULL,
            position INTEGER NOT NULL,
            value VARCHAR,
            source VARCHAR NOT NULL,
            source_id VARCHAR NOT NULL,
            rule VARCHAR NOT NULL
        );
        CREATE TABLE review_queue (
            item_id VARCHAR PRIMARY KEY,
            run_id VARCHAR,
            record_key_l VARCHAR NOT NULL,
            record_key_r VARCHAR NOT NULL,
            match_weight DOUBLE NOT NULL,
            match_probability DOUBLE NOT NULL,
            explanation JSON,
            status VARCHAR NOT NULL,            -- open | decided
            created_at TIMESTAMP NOT NULL
        );
        CREATE INDEX xref_golden ON xref (golden_id);
        CREATE INDEX lineage_golden ON golden_lineage (golden_id);
        """,
    ),
    (
        2,
        """
        -- The source config a run read, so the service can map posted records (and a
        -- background run can repeat the batch) without being told the YAML path again.
        ALTER TABLE runs ADD COLUMN sources_config JSON;
        -- Term frequencies of the batch's linker input, for real-time scoring.
        CREATE TABLE term_frequencies (
            column_name VARCHAR NOT NULL,
            value VARCHAR NOT NULL,
            frequency DOUBLE NOT NULL
        );
        -- Records posted through the API in their source's own columns. They are part of
        -- every later batch run's input (a newer version of a file row), so none is lost.
        CREATE TABLE posted_records (
            source VARCHAR NOT NULL,
            source_id VARCHAR NOT NULL,
            raw JSON NOT NULL,
            posted_at TIMESTAMP NOT NULL,
            posted_by VARCHAR,
            PRIMARY KEY (source, source_id)
        );
        CREATE TABLE api_keys (
            key_id VARCHAR PRIMARY KEY,
            name VARCHAR NOT NULL,
            role VARCHAR NOT NULL,              -- reader | writer | steward | admin
            pii BOOLEAN NOT NULL,               -- may see unmasked emails and phones
            key_hash VARCHAR NOT NULL UNIQUE,   -- sha256 of the key; the key itself is never stored
            created_at TIMESTAMP NOT NULL,
            revoked_at TIMESTAMP
        );
        CREATE TABLE audit_log (
            audit_id VARCHAR PRIMARY KEY,
            occurred_at TIMESTAMP NOT NULL,
            actor VARCHAR NOT NULL,             -- the API key's name (or 'cli')
            action VARCHAR NOT NULL,
            target VARCHAR,
            detail JSON
        );
        CREATE INDEX audit_target ON audit_log (target);
        """,
    ),
    (
        3,
        """
        -- The served form of each golden record (see mdm/store/documents.py), full and masked.
        -- Text, not JSON: it is only ever returned whole, so it need not be parsed on insert.
        ALTER TABLE golden_records ADD COLUMN document VARCHAR;
        ALTER TABLE golden_records ADD COLUMN document_masked VARCHAR;
        CREATE INDEX xref_record ON xref (record_key);
        """,
    ),
    (
        4,
        """
        -- Steward decisions. Each one holds the constraints it imposes (must-link /
        -- cannot-link between source records), which every later run and every real-time
        -- post honours until the decision is undone.
        CREATE TABLE decisions (
            decision_id VARCHAR PRIMARY KEY,
            kind VARCHAR NOT NULL,              -- match | not_a_match | split | merge
            item_id VARCHAR,                    -- the review item decided, for match / not_a_match
            golden_ids VARCHAR[],               -- golden records it acted on
            result_golden_id VARCHAR,           -- the survivor of a merge or match, the new id of a split
            comment VARCHAR,
            actor VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL,
            undone_at TIMESTAMP,
            undone_by VARCHAR,
            before JSON,                        -- golden id -> member record keys, before
            after JSON                          -- and after
        );
        CREATE TABLE constraints (
            decision_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,              -- must_link | cannot_link
            record_key_l VARCHAR NOT NULL,
            record_key_r VARCHAR NOT NULL
        );
        -- Every version of every golden record: what changed it (a run, a decision or a posted
        -- record), when, by whom, and the attributes before and after.
        CREATE TABLE golden_history (
            golden_id VARCHAR NOT NULL,
            changed_at TIMESTAMP NOT NULL,
            change VARCHAR NOT NULL,            -- created | changed | merged | split | retired | restored
            cause VARCHAR NOT NULL,             -- run | decision | record
            cause_id VARCHAR,
            actor VARCHAR,
            members INTEGER,
            before JSON,
            after JSON
        );
        CREATE INDEX history_golden ON golden_history (golden_id);
        ALTER TABLE review_queue ADD COLUMN claimed_by VARCHAR;
        ALTER TABLE review_queue ADD COLUMN claimed_at TIMESTAMP;
        ALTER TABLE review_queue ADD COLUMN decision_id VARCHAR;
        ALTER TABLE runs ADD COLUMN report JSON;
        """,
    ),
    (
        5,
        """
        -- Only the full document is stored; a reader without pii gets it masked when served.
        ALTER TABLE golden_records DROP COLUMN document_masked;
        """,
    ),
    (
        6,
        """
        -- A posted record's open queue items are found by either side of the pair: without these
        -- every post scanned the whole queue (about 10 ms at 1M records).
        CREATE INDEX review_left ON review_queue (record_key_l);
        CREATE INDEX review_right ON review_queue (record_key_r);
        """,
    ),
    (
        7,
        """
        -- The name's words and the parts of its hyphenated ones, which names are compared word by
        -- word on. Records standardised before have their name's words; the next run adds the parts.
        ALTER TABLE std_records ADD COLUMN name_parts VARCHAR;
        UPDATE std_records SET name_parts = name_key;
        """,
    ),
    (
        8,
        """
        -- Why a pair that scored to link waits for a steward instead: the conflict or the source
        -- structure the clustering refused it for. Items queued before say nothing (NULL).
        ALTER TABLE review_queue ADD COLUMN held_back_by VARCHAR;
        """,
    ),
    (
        9,
        """
        -- Source records their system deleted through the API. A later batch run leaves the key's
        -- file rows out (the deletion is the source's newest word, as a post is) until the source
        -- posts the key again.
        CREATE TABLE deleted_records (
            source VARCHAR NOT NULL,
            source_id VARCHAR NOT NULL,
            deleted_at TIMESTAMP NOT NULL,
            deleted_by VARCHAR,
            PRIMARY KEY (source, source_id)
        );
        """,
    ),
    (
        10,
        """
        -- Each history entry's place in the order entries were committed, for the change feed
        -- (what changed after the last entry a downstream system read). Every write goes
        -- through one writer, so a larger number is a later commit; a batch run's entries,
        -- stamped with the run's time, still come after the posts it published over. Entries
        -- stored before are numbered by their time, and the sequence continues after them
        -- (nextval once per stored entry).
        ALTER TABLE golden_history ADD COLUMN seq BIGINT;
        UPDATE golden_history SET seq = numbered.n
        FROM (SELECT rowid AS r, row_number() OVER (ORDER BY changed_at, golden_id, change) AS n
              FROM golden_history) AS numbered
        WHERE golden_history.rowid = numbered.r;
        CREATE SEQUENCE golden_history_seq START 1;
        SELECT max(nextval('golden_history_seq')) FROM golden_history;
        ALTER TABLE golden_history ALTER COLUMN seq SET DEFAULT nextval('golden_history_seq');
        """,
    ),
    (
        11,
        """
        -- A steward's value for one attribute of one golden record, which wins over every
        -- survivorship rule in every later run and post until it is removed. It holds for the
        -- golden record it was set on, moves with it when that one is merged into another, and
        -- returns when it comes back (an undone merge). A removed or replaced one keeps its row
        -- (removed_at), so what was curated stays known.
        CREATE TABLE golden_overrides (
            override_id VARCHAR PRIMARY KEY,
            golden_id VARCHAR NOT NULL,         -- the golden record holding it now
            set_on VARCHAR NOT NULL,            -- the golden record it was set on
            attribute VARCHAR NOT NULL,
            value VARCHAR,                      -- NULL: no source's value is right
            reason VARCHAR NOT NULL,
            actor VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL,
            removed_at TIMESTAMP,
            removed_by VARCHAR
        );
        CREATE INDEX overrides_golden ON golden_overrides (golden_id);
        """,
    ),
    (
        12,
        """
        -- A key may be made to stop working on its own (a contractor's, a migration's): NULL never.
        ALTER TABLE api_keys ADD COLUMN expires_at TIMESTAMP;
        """,
    ),
    (
        13,
        """
        -- A downstream system's subscription to the change feed: the service posts each change to
        -- its URL, signed with its secret, and keeps where it got to (after_seq: the last entry
        -- the URL acknowledged). A failing URL is retried later and later (failures,
        -- next_attempt_at); the feed waits for it meanwhile, so nothing is lost.
        CREATE TABLE subscriptions (
            subscription_id VARCHAR PRIMARY KEY,
            name VARCHAR NOT NULL,
            url VARCHAR NOT NULL,
            secret VARCHAR NOT NULL,            -- signs each delivery (HMAC-SHA256); shown once
            pii BOOLEAN NOT NULL,               -- e-mails and phones unmasked in its deliveries
            created_at TIMESTAMP NOT NULL,
            created_by VARCHAR NOT NULL,
            after_seq BIGINT NOT NULL,
            delivered_at TIMESTAMP,
            failures INTEGER NOT NULL DEFAULT 0, -- failed attempts since the last delivery
            next_attempt_at TIMESTAMP,
            last_error VARCHAR,
            revoked_at TIMESTAMP,
            revoked_by VARCHAR
        );
        """,
    ),
    (
        14,
        """
        -- Why a golden record's records are together, and what a deletion leaves together, read
        -- the last run's pairs of a few records: a lookup, not a scan of every pair.
        CREATE INDEX pairs_left ON pairs (record_key_l);
        """,
    ),
    (
        15,
        """
        -- The erasure that deleted the record (NULL: its system deleted it). A run that read its
        -- input before an erasure takes the erased records out of its results as it publishes.
        ALTER TABLE deleted_records ADD COLUMN erasure_id VARCHAR;
        """,
    ),
    (
        16,
        """
        -- The sources a writer key may write to (NULL: every source), so that one source system's
        -- key cannot post or delete another system's records.
        ALTER TABLE api_keys ADD COLUMN sources VARCHAR[];
        """,
    ),
    (
        17,
        """
        -- Source keys that left every golden record (gone from their extract, or deleted through
        -- the API), with the golden id that last held each: a key that comes back takes that id
        -- back where it was retired with nothing left (mdm/golden.py). A key back in the xref
        -- leaves this table; an erasure keeps no link to the ids it erased. Deletions made
        -- through the API before this table existed are known from the audit log; keys that
        -- left an extract before it are not.
        CREATE TABLE xref_departed (
            source VARCHAR NOT NULL,
            source_id VARCHAR NOT NULL,
            record_key VARCHAR NOT NULL,
            golden_id VARCHAR NOT NULL,         -- the golden record that last held the key
            departed_at TIMESTAMP NOT NULL
        );
        CREATE INDEX departed_record ON xref_departed (record_key);
        INSERT INTO xref_departed
        SELECT d.source, d.source_id, a.target, a.golden_id, d.deleted_at
        FROM deleted_records d
        JOIN (SELECT target, arg_max(json_extract_string(detail, '$.golden_id'), occurred_at) AS golden_id
              FROM audit_log WHERE action = 'record.delete' GROUP BY target) a
          ON a.target = d.source || ':' || d.source_id
        WHERE d.erasure_id IS NULL AND a.golden_id IN (SELECT golden_id FROM golden_records)
          AND a.target NOT IN (SELECT record_key FROM xref);
        """,
    ),
    (
        18,
        r"""
        -- Stored documents' times gain their offset (``Z``): they are UTC, and RFC 3339 (OpenAPI's
        -- date-time) requires one. Only a golden record's created_at and updated_at and its
        -- members' updated_at are timestamps; the documents' builders write them so from now on.
        UPDATE golden_records SET document = regexp_replace(
            document, '"(created_at|updated_at)":"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6})"',
            '"\1":"\2Z"', 'g')
        WHERE document IS NOT NULL;
        """,
    ),
    (
        19,
        """
        -- A run stopped on purpose (the service stopping, Ctrl-C) is 'cancelled', not 'failed': an
        -- alert on failed runs should not fire for a deploy. The runs stopped so before are known
        -- by the error they recorded.
        UPDATE runs SET status = 'cancelled'
        WHERE status = 'failed'
          AND error IN ('cancelled: the service was stopped', 'interrupted (Ctrl-C or SIGINT)');
        """,
    ),
    (
        20,
        """
        -- The other addresses and numbers an e-mail or phone field holds beside the one matched on
        -- ("an@x.vn; an@y.vn"), for collect_all. A record standardised before holds none until its
        -- source is read again.
        ALTER TABLE std_records ADD COLUMN email_others VARCHAR[];
        ALTER TABLE std_records ADD COLUMN phone_others VARCHAR[];
        """,
    ),
    (
        21,
        """
        -- The golden record a `merged` entry's record was merged into: a reader of the history or
        -- the change feed has the survivor without another lookup (the record's own merged_into is
        -- where it points now, which a later change may move). An entry written before holds it
        -- where that is still known: the last entry of a record still merged into another.
        ALTER TABLE golden_history ADD COLUMN merged_into VARCHAR;
        UPDATE golden_history SET merged_into = g.merged_into
        FROM golden_records g
        WHERE golden_history.golden_id = g.golden_id AND golden_history.change = 'merged'
          AND g.status = 'retired' AND g.merged_into IS NOT NULL
          AND golden_history.seq = (SELECT max(h.seq) FROM golden_history h WHERE h.golden_id = g.golden_id);
        """,
    ),
    (
        22,
        """
        -- The batch run that found none of the records a decision names left (their source renamed or
        -- removed, or each gone from its extract): the decision binds nothing from then on, and the
        -- audit log says why. It is kept, not undone: a run that has its records again clears this,
        -- and it binds again. NULL: it binds (or no run has looked since it was made).
        ALTER TABLE decisions ADD COLUMN lapsed_in VARCHAR;
        """,
    ),
    (
        23,
        """
        -- When a decision lapsed and by whom: a run (`run <id>`, lapsed_in its id) or the API caller
        -- whose deletion or erasure took the last records it bound (lapsed_in NULL): lapsing at the
        -- deletion needs no run. NULL: it binds. A post of one of its records back clears them.
        ALTER TABLE decisions ADD COLUMN lapsed_at TIMESTAMP;
        ALTER TABLE decisions ADD COLUMN lapsed_by VARCHAR;
        UPDATE decisions SET lapsed_by = 'run ' || lapsed_in, lapsed_at = coalesce(
            (SELECT r.finished_at FROM runs r WHERE r.run_id = decisions.lapsed_in), created_at)
        WHERE lapsed_in IS NOT NULL;
        """,
    ),
    (
        24,
        """
        -- The given name with its diacritics, where the name is written with them: "Hùng" and "Hưng"
        -- fold to one given name but are two. A record standardised before holds none (compared as
        -- a name written without them) until its source is read again.
        ALTER TABLE std_records ADD COLUMN given_accented VARCHAR;
        """,
    ),
    (
        25,
        """
        -- The extension written after the phone number ("Durchwahl 12", "030/1234567-12"): phone
        -- holds the switchboard's E.164, shared by a company's employees. A record standardised
        -- before holds none until its source is read again.
        ALTER TABLE std_records ADD COLUMN phone_extension VARCHAR;
        """,
    ),
    (
        26,
        """
        -- A steward's value as the search compares it (a name's sorted folded words, an e-mail's
        -- match key, a city's and an address's normalised form): a customer is found by the value a
        -- steward set as by a source's. One set before is keyed when the service next opens.
        ALTER TABLE golden_overrides ADD COLUMN search_key VARCHAR;
        """,
    ),
    (
        27,
        """
        -- The name's consonant skeleton, one key for its Arabic-script and Latin spellings ("محمد
        -- الحسن", "Mohammed Al-Hassan"). A record standardised before holds none (its name compared
        -- in its own script only) until its source is read again.
        ALTER TABLE std_records ADD COLUMN name_skeleton VARCHAR;
        """,
    ),
    (
        28,
        """
        -- A Spark run's load before 0d51816 wrote each document's lineage with its attributes in
        -- hash order, where the builders write them in name order: the same content in other text,
        -- so another ETag, and the next run or load called each such golden record changed, a
        -- change-feed entry and webhook call for nothing. Their lineage is put in name order, every
        -- other byte kept: the documents are those the builders write (each a new ETag, once).
        UPDATE golden_records SET document = CAST(to_json(map(
            json_keys(document),
            [CASE WHEN k = 'lineage' THEN to_json(map(
                 list_sort(json_keys(document -> '$.lineage')),
                 [json_extract(document -> '$.lineage', '$."' || a || '"')
                  FOR a IN list_sort(json_keys(document -> '$.lineage'))]))
             ELSE json_extract(document, '$."' || k || '"') END FOR k IN json_keys(document)])) AS VARCHAR)
        WHERE json_keys(document -> '$.lineage') <> list_sort(json_keys(document -> '$.lineage'));
        """,
    ),
)
