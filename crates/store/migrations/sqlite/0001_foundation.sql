-- Foundation: agencies, households (the minimum adopters belong to), users, sessions,
-- sign-in throttling, API tokens, register settings and the audit chain.
-- Times are INTEGER seconds since the Unix epoch (UTC) on both backends.

CREATE TABLE agencies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('local_authority', 'regional_adoption_agency', 'voluntary_adoption_agency', 'register')),
    region TEXT NOT NULL,
    mfa_required INTEGER NOT NULL DEFAULT 0 CHECK (mfa_required IN (0, 1)),
    link_follow_up TEXT NOT NULL DEFAULT 'childs_social_worker'
        CHECK (link_follow_up IN ('childs_social_worker', 'family_finding_team', 'named_person')),
    created_at INTEGER NOT NULL
);

CREATE TABLE households (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id INTEGER NOT NULL REFERENCES agencies (id),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    -- Lets users name (household, agency) together, so an adopter's household is in their agency.
    UNIQUE (id, agency_id)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('register_admin', 'agency_admin', 'team_manager', 'social_worker', 'family_finder', 'business_support', 'adopter')),
    agency_id INTEGER NOT NULL REFERENCES agencies (id),
    household_id INTEGER REFERENCES households (id),
    password_hash TEXT NOT NULL,
    totp_secret TEXT,
    totp_last_step INTEGER,
    disabled_at INTEGER,
    created_at INTEGER NOT NULL,
    CHECK ((role = 'adopter') = (household_id IS NOT NULL)),
    FOREIGN KEY (household_id, agency_id) REFERENCES households (id, agency_id)
);
CREATE INDEX users_agency ON users (agency_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    second_factor_done INTEGER NOT NULL CHECK (second_factor_done IN (0, 1)),
    pending_totp_secret TEXT,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    ip TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE sign_in_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL,
    ip TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX sign_in_failures_email ON sign_in_failures (email, at);
CREATE INDEX sign_in_failures_ip ON sign_in_failures (ip, at);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id INTEGER NOT NULL REFERENCES agencies (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX api_tokens_agency ON api_tokens (agency_id);

CREATE TABLE register_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    max_open_links_per_household INTEGER NOT NULL CHECK (max_open_links_per_household > 0),
    max_exploring_links_per_child INTEGER NOT NULL CHECK (max_exploring_links_per_child > 0),
    link_response_working_days INTEGER NOT NULL CHECK (link_response_working_days > 0),
    updated_at INTEGER NOT NULL
);
INSERT INTO register_settings VALUES (1, 6, 3, 10, 0);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_entries (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_user_id INTEGER,
    actor_role TEXT,
    actor_agency_id INTEGER,
    action TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id TEXT,
    agency_id INTEGER,
    ip TEXT,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_entries_agency ON audit_entries (agency_id, seq);
CREATE INDEX audit_entries_actor_agency ON audit_entries (actor_agency_id, seq);
CREATE INDEX audit_entries_record ON audit_entries (record_type, record_id, seq);
