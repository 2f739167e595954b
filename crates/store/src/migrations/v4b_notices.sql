-- Supervision engine (issue 6): supervision notices (督办单) and registers.
-- Same placeholders as V1 in schema.rs: {pk} {int} {path} {blob}.

-- How an issuing organisation numbers its supervision notices: `{prefix}〔{year}〕{n}号`.
-- No row: the default prefix 督办.
CREATE TABLE notice_scheme (
    issuer_org_id {int} PRIMARY KEY REFERENCES organisation(id),
    prefix TEXT NOT NULL,
    version {int} NOT NULL DEFAULT 1
);

-- A supervision notice (督办单) from an office (issuer) to a unit. Numbered when issued:
-- serial per issuer and year, taken inside the write transaction; the unique constraint
-- makes a duplicate impossible even if that rule were broken.
CREATE TABLE supervision_notice (
    id {pk},
    issuer_org_id {int} NOT NULL REFERENCES organisation(id),
    unit_id {int} NOT NULL REFERENCES organisation(id),
    org_path {path} NOT NULL,
    inspection_id {int} REFERENCES inspection(id),
    title TEXT NOT NULL,
    body TEXT,
    tier TEXT NOT NULL,
    state TEXT NOT NULL,
    year {int},
    serial {int},
    doc_number TEXT,
    issued_on TEXT,
    reply_due TEXT NOT NULL,
    escalated_for TEXT,
    month TEXT,
    created_by {int} REFERENCES app_user(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version {int} NOT NULL DEFAULT 1,
    UNIQUE (issuer_org_id, year, serial)
);
CREATE INDEX supervision_notice_path ON supervision_notice(org_path, id);
CREATE INDEX supervision_notice_state ON supervision_notice(state, reply_due);

-- The items a notice presses on: measures (or problems) of the ledger, or free text.
CREATE TABLE supervision_notice_item (
    notice_id {int} NOT NULL REFERENCES supervision_notice(id),
    seq {int} NOT NULL,
    measure_id {int} REFERENCES measure(id),
    problem_id {int} REFERENCES problem(id),
    text TEXT NOT NULL,
    PRIMARY KEY (notice_id, seq)
);
CREATE INDEX supervision_notice_item_measure ON supervision_notice_item(measure_id);

-- Replies of the addressed unit (one per round of reply).
CREATE TABLE supervision_notice_reply (
    id {pk},
    notice_id {int} NOT NULL REFERENCES supervision_notice(id),
    replied_on TEXT NOT NULL,
    text TEXT NOT NULL,
    author_id {int} NOT NULL REFERENCES app_user(id),
    created_at TEXT NOT NULL
);
CREATE INDEX supervision_notice_reply_notice ON supervision_notice_reply(notice_id, id);

-- The office's reviews of replies, closings and escalations by the daily run.
CREATE TABLE supervision_notice_event (
    id {pk},
    notice_id {int} NOT NULL REFERENCES supervision_notice(id),
    action TEXT NOT NULL,
    reason TEXT,
    tier TEXT,
    user_id {int} REFERENCES app_user(id),
    day TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX supervision_notice_event_notice ON supervision_notice_event(notice_id, id);

-- Registers: one row per entry; `kind` says which register (meeting, rule, accountability,
-- money, site_visit, talk) and which columns it uses. Scoped by the organisation's path.
CREATE TABLE register_entry (
    id {pk},
    kind TEXT NOT NULL,
    organisation_id {int} NOT NULL REFERENCES organisation(id),
    org_path {path} NOT NULL,
    inspection_id {int} REFERENCES inspection(id),
    on_date TEXT NOT NULL,
    -- meeting kind, accountability form, money kind, rule change (new / revised)
    subkind TEXT,
    -- meeting topic, rule title, accountable person's name, money item, visit or talk subject
    title TEXT NOT NULL,
    doc_number TEXT,
    amount_fen {int},
    attendees TEXT,
    detail TEXT,
    created_by {int} REFERENCES app_user(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version {int} NOT NULL DEFAULT 1,
    CHECK (kind IN ('meeting', 'rule', 'accountability', 'money', 'site_visit', 'talk')),
    CHECK (kind <> 'money' OR (amount_fen IS NOT NULL AND amount_fen >= 0)),
    CHECK (kind NOT IN ('meeting', 'rule', 'accountability', 'money') OR subkind IS NOT NULL)
);
CREATE INDEX register_entry_path ON register_entry(org_path, kind, id);
CREATE INDEX register_entry_inspection ON register_entry(inspection_id, kind);

-- Problems and measures an entry concerns.
CREATE TABLE register_link (
    entry_id {int} NOT NULL REFERENCES register_entry(id),
    problem_id {int} REFERENCES problem(id),
    measure_id {int} REFERENCES measure(id),
    CHECK ((problem_id IS NULL) <> (measure_id IS NULL))
);
CREATE INDEX register_link_entry ON register_link(entry_id);
