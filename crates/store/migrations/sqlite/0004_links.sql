-- Links: a possible match between one child (or sibling group) and one household, being
-- explored. Their history, messages, documents (stored encrypted outside the database; the row
-- holds where), notifications, the e-mail outbox and the job queue that times links.
-- Nothing is hard-deleted.

-- The named person who follows links up, when the agency chose one.
ALTER TABLE agencies ADD COLUMN link_follow_up_user_id INTEGER REFERENCES users (id);
-- After the response deadline, how many more working days before a link nobody answered expires.
ALTER TABLE register_settings ADD COLUMN link_expiry_working_days INTEGER NOT NULL DEFAULT 10 CHECK (link_expiry_working_days > 0);

CREATE TABLE links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    child_profile_id INTEGER NOT NULL REFERENCES child_profiles (id),
    household_id INTEGER NOT NULL REFERENCES households (id),
    -- Copied from the profiles when the link is made, for finding a person's links quickly.
    child_agency_id INTEGER NOT NULL REFERENCES agencies (id),
    household_agency_id INTEGER NOT NULL REFERENCES agencies (id),
    source TEXT NOT NULL CHECK (source IN ('register', 'event')),
    started_by TEXT NOT NULL CHECK (started_by IN ('child', 'family')),
    requested_by INTEGER NOT NULL REFERENCES users (id),
    -- What the person asking wrote about why this is a genuine placement option.
    request_note TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('interest_expressed', 'under_consideration', 'exploring', 'proceeding_to_match', 'matched', 'closed')),
    closure TEXT CHECK (closure IN ('declined', 'withdrawn', 'expired', 'superseded')),
    close_reason TEXT,
    feedback TEXT,
    closed_by INTEGER REFERENCES users (id),
    closed_at INTEGER,
    -- Who follows the link up for the child's agency; NULL while the family-finding team does.
    assigned_to INTEGER REFERENCES users (id),
    panel_date TEXT,
    -- While the link waits for an answer: when the answer is due, and when the link expires.
    deadline_at INTEGER,
    expires_at INTEGER,
    escalated_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK ((state = 'closed') = (closure IS NOT NULL)),
    CHECK ((state <> 'closed') OR (close_reason IS NOT NULL AND feedback IS NOT NULL AND closed_at IS NOT NULL)),
    CHECK ((deadline_at IS NULL) = (expires_at IS NULL))
);
-- One open link per child and household at a time.
CREATE UNIQUE INDEX links_open_pair ON links (child_profile_id, household_id) WHERE state NOT IN ('matched', 'closed');
CREATE INDEX links_child ON links (child_profile_id, state);
CREATE INDEX links_household ON links (household_id, state);
CREATE INDEX links_child_agency ON links (child_agency_id, state);
CREATE INDEX links_household_agency ON links (household_agency_id, state);

-- Every step of a link with who took it (NULL: the system) and why.
CREATE TABLE link_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    link_id INTEGER NOT NULL REFERENCES links (id),
    event TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    note TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id),
    at INTEGER NOT NULL
);
CREATE INDEX link_events_link ON link_events (link_id, id);

CREATE TABLE link_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    link_id INTEGER NOT NULL REFERENCES links (id),
    -- The message this one answers: messages form threads.
    reply_to INTEGER REFERENCES link_messages (id),
    author_id INTEGER NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    -- Whether the adopters may read it (their own messages always are).
    to_adopters INTEGER NOT NULL CHECK (to_adopters IN (0, 1)),
    created_at INTEGER NOT NULL
);
CREATE INDEX link_messages_link ON link_messages (link_id, id);

CREATE TABLE link_documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    link_id INTEGER NOT NULL REFERENCES links (id),
    kind TEXT NOT NULL CHECK (kind IN ('child_permanence_report', 'prospective_adopters_report', 'medical_report', 'other_report')),
    title TEXT NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    -- Where the encrypted object is, in the document store.
    object_path TEXT NOT NULL UNIQUE,
    uploaded_by INTEGER NOT NULL REFERENCES users (id),
    uploaded_at INTEGER NOT NULL,
    shared_with_adopters INTEGER NOT NULL DEFAULT 0 CHECK (shared_with_adopters IN (0, 1)),
    removed_at INTEGER
);
CREATE INDEX link_documents_link ON link_documents (link_id, id);

-- In-app notifications: the count in the header and the list.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    link_id INTEGER REFERENCES links (id),
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at INTEGER
);
CREATE INDEX notifications_user ON notifications (user_id, read_at, id);

-- E-mails waiting to go, sent, or given up on. Sending claims a row for a while, so two
-- instances never send the same e-mail at once; a failed attempt is retried later.
CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_until INTEGER,
    sent_at INTEGER,
    failed_at INTEGER,
    last_error TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- Work due at a time: link reminders, escalations and expiry. A job is claimed by one instance
-- for a while; it is done once, in the same transaction as what it does.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('link_reminder', 'link_escalation', 'link_expiry')),
    link_id INTEGER NOT NULL REFERENCES links (id),
    -- The link's deadline when the job was made: if the deadline has changed, the job is moot.
    deadline_at INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    claimed_until INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    done_at INTEGER,
    outcome TEXT
);
CREATE INDEX jobs_due ON jobs (due_at) WHERE done_at IS NULL;
