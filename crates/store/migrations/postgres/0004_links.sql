-- Links: a possible match between one child (or sibling group) and one household, being
-- explored. Their history, messages, documents (stored encrypted outside the database; the row
-- holds where), notifications, the e-mail outbox and the job queue that times links.
-- Nothing is hard-deleted.

-- The named person who follows links up, when the agency chose one.
ALTER TABLE agencies ADD COLUMN link_follow_up_user_id BIGINT REFERENCES users (id);
-- After the response deadline, how many more working days before a link nobody answered expires.
ALTER TABLE register_settings ADD COLUMN link_expiry_working_days BIGINT NOT NULL DEFAULT 10 CHECK (link_expiry_working_days > 0);

CREATE TABLE links (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    child_profile_id BIGINT NOT NULL REFERENCES child_profiles (id),
    household_id BIGINT NOT NULL REFERENCES households (id),
    -- Copied from the profiles when the link is made, for finding a person's links quickly.
    child_agency_id BIGINT NOT NULL REFERENCES agencies (id),
    household_agency_id BIGINT NOT NULL REFERENCES agencies (id),
    source TEXT NOT NULL CHECK (source IN ('register', 'event')),
    started_by TEXT NOT NULL CHECK (started_by IN ('child', 'family')),
    requested_by BIGINT NOT NULL REFERENCES users (id),
    -- What the person asking wrote about why this is a genuine placement option.
    request_note TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('interest_expressed', 'under_consideration', 'exploring', 'proceeding_to_match', 'matched', 'closed')),
    closure TEXT CHECK (closure IN ('declined', 'withdrawn', 'expired', 'superseded')),
    close_reason TEXT,
    feedback TEXT,
    closed_by BIGINT REFERENCES users (id),
    closed_at BIGINT,
    -- Who follows the link up for the child's agency; NULL while the family-finding team does.
    assigned_to BIGINT REFERENCES users (id),
    panel_date TEXT,
    -- While the link waits for an answer: when the answer is due, and when the link expires.
    deadline_at BIGINT,
    expires_at BIGINT,
    escalated_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
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
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    link_id BIGINT NOT NULL REFERENCES links (id),
    event TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    note TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id),
    at BIGINT NOT NULL
);
CREATE INDEX link_events_link ON link_events (link_id, id);

CREATE TABLE link_messages (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    link_id BIGINT NOT NULL REFERENCES links (id),
    -- The message this one answers: messages form threads.
    reply_to BIGINT REFERENCES link_messages (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    -- Whether the adopters may read it (their own messages always are).
    to_adopters BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX link_messages_link ON link_messages (link_id, id);

CREATE TABLE link_documents (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    link_id BIGINT NOT NULL REFERENCES links (id),
    kind TEXT NOT NULL CHECK (kind IN ('child_permanence_report', 'prospective_adopters_report', 'medical_report', 'other_report')),
    title TEXT NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    -- Where the encrypted object is, in the document store.
    object_path TEXT NOT NULL UNIQUE,
    uploaded_by BIGINT NOT NULL REFERENCES users (id),
    uploaded_at BIGINT NOT NULL,
    shared_with_adopters BOOLEAN NOT NULL DEFAULT FALSE,
    removed_at BIGINT
);
CREATE INDEX link_documents_link ON link_documents (link_id, id);

-- In-app notifications: the count in the header and the list.
CREATE TABLE notifications (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    link_id BIGINT REFERENCES links (id),
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, read_at, id);

-- E-mails waiting to go, sent, or given up on. Sending claims a row for a while, so two
-- instances never send the same e-mail at once; a failed attempt is retried later.
CREATE TABLE mail_outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until BIGINT,
    sent_at BIGINT,
    failed_at BIGINT,
    last_error TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- Work due at a time: link reminders, escalations and expiry. A job is claimed by one instance
-- for a while; it is done once, in the same transaction as what it does.
CREATE TABLE jobs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('link_reminder', 'link_escalation', 'link_expiry')),
    link_id BIGINT NOT NULL REFERENCES links (id),
    -- The link's deadline when the job was made: if the deadline has changed, the job is moot.
    deadline_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    claimed_until BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0,
    done_at BIGINT,
    outcome TEXT
);
CREATE INDEX jobs_due ON jobs (due_at) WHERE done_at IS NULL;
