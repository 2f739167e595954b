-- Supervision engine (issue 6): look-back, sampling, quality flags, e-mail digests.
-- Same placeholders as V1 in schema.rs: {pk} {int} {path} {blob}.

-- E-mail address of a person, for the daily digest of their notifications (optional: a person
-- without one gets only the in-app inbox).
ALTER TABLE person ADD COLUMN email TEXT;

-- Look-back (回头看) of a closed measure or a signed-off problem, due months after closing.
-- One row per closing: an item closed again after a relapse gets a new look-back.
-- For problems the sign-off looked back at is kept here, also after a relapse clears it.
CREATE TABLE lookback (
    id {pk},
    subject_type TEXT NOT NULL,
    subject_id {int} NOT NULL,
    org_path {path} NOT NULL,
    closed_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    state TEXT NOT NULL,
    signed_off_at TEXT,
    signed_off_by {int} REFERENCES app_user(id),
    reviewer_id {int} REFERENCES app_user(id),
    notes TEXT,
    recorded_at TEXT,
    created_at TEXT NOT NULL,
    version {int} NOT NULL DEFAULT 1,
    UNIQUE (subject_type, subject_id, closed_on)
);
CREATE INDEX lookback_due ON lookback(state, due_on);
CREATE INDEX lookback_path ON lookback(org_path, id);

-- A random draw of closed measures for re-verification (抽查复核). The seed (decimal u64) and
-- the population's size and digest make the draw reproducible and checkable.
CREATE TABLE sample_draw (
    id {pk},
    seed TEXT NOT NULL,
    size_rule TEXT NOT NULL,
    as_of TEXT NOT NULL,
    inspection_id {int} REFERENCES inspection(id),
    scope_path {path} NOT NULL,
    population_size {int} NOT NULL,
    population_digest TEXT NOT NULL,
    created_by {int} REFERENCES app_user(id),
    created_at TEXT NOT NULL
);

CREATE TABLE sample_item (
    draw_id {int} NOT NULL REFERENCES sample_draw(id),
    seq {int} NOT NULL,
    measure_id {int} NOT NULL REFERENCES measure(id),
    result TEXT NOT NULL DEFAULT 'pending',
    notes TEXT,
    reviewer_id {int} REFERENCES app_user(id),
    recorded_at TEXT,
    version {int} NOT NULL DEFAULT 1,
    PRIMARY KEY (draw_id, seq)
);

-- One daily digest e-mail per person and day: claimed ('sending') before the SMTP exchange,
-- then 'sent' or 'failed' (retried on the next send), so a second send for the day sends nothing.
CREATE TABLE email_digest (
    id {pk},
    person_id {int} NOT NULL REFERENCES person(id),
    day TEXT NOT NULL,
    address TEXT NOT NULL,
    subject TEXT NOT NULL,
    item_count {int} NOT NULL,
    state TEXT NOT NULL,
    error TEXT,
    attempts {int} NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    UNIQUE (person_id, day)
);
