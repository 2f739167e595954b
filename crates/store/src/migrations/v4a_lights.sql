-- Supervision engine (issue 6): calendar in the database, light rules, light history, notifications, scheduler runs.
-- Same placeholders as V1 in schema.rs: {pk} {int} {path} {blob}.
-- The light rules are JSON in meta under 'supervision.light_rules' (absent: the defaults).

-- One row per calendar year: the year's block in the line format of
-- crates/calendar/data/holidays-cn.txt. Seeded with the shipped years on first start;
-- `rectify calendar load` and PUT /api/v1/calendar/{year} add or replace a year.
CREATE TABLE calendar_year (
    year {int} PRIMARY KEY,
    schedule TEXT NOT NULL,
    source TEXT NOT NULL,
    loaded_at TEXT NOT NULL,
    version {int} NOT NULL DEFAULT 1
);

-- Planned pace of a measure: by `due` it should be at least `percent` done.
CREATE TABLE measure_milestone (
    measure_id {int} NOT NULL REFERENCES measure(id),
    due TEXT NOT NULL,
    percent {int} NOT NULL,
    PRIMARY KEY (measure_id, due)
);

-- Light history: one row per measure per change. The light of a measure on day D is the row
-- with the greatest from_day <= D; no row while a run has covered D means green.
CREATE TABLE measure_light (
    measure_id {int} NOT NULL REFERENCES measure(id),
    from_day TEXT NOT NULL,
    light TEXT NOT NULL,
    tier {int} NOT NULL,
    PRIMARY KEY (measure_id, from_day)
);

-- The in-app inbox; e-mail digests mark emailed_at.
CREATE TABLE notification (
    id {pk},
    recipient_person_id {int} NOT NULL REFERENCES person(id),
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    tier {int} NOT NULL,
    object_type TEXT NOT NULL,
    object_id {int} NOT NULL,
    message TEXT NOT NULL,
    read_at TEXT,
    emailed_at TEXT,
    UNIQUE (recipient_person_id, day, kind, object_type, object_id)
);
CREATE INDEX notification_day ON notification(day, recipient_person_id);

-- One row per supervision day; the daily run happens once per day.
CREATE TABLE supervision_run (
    day TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    summary_json TEXT
);
