-- Foundation: agencies, households (the minimum adopters belong to), users, sessions,
-- sign-in throttling, API tokens, register settings and the audit chain.
-- Times are BIGINT seconds since the Unix epoch (UTC) on both backends.

CREATE TABLE agencies (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('local_authority', 'regional_adoption_agency', 'voluntary_adoption_agency', 'register')),
    region TEXT NOT NULL,
    mfa_required BOOLEAN NOT NULL DEFAULT FALSE,
    link_follow_up TEXT NOT NULL DEFAULT 'childs_social_worker'
        CHECK (link_follow_up IN ('childs_social_worker', 'family_finding_team', 'named_person')),
    created_at BIGINT NOT NULL
);

CREATE TABLE households (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- Lets users name (household, agency) together, so an adopter's household is in their agency.
    UNIQUE (id, agency_id)
);

CREATE TABLE users (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('register_admin', 'agency_admin', 'team_manager', 'social_worker', 'family_finder', 'business_support', 'adopter')),
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    household_id BIGINT REFERENCES households (id),
    password_hash TEXT NOT NULL,
    totp_secret TEXT,
    totp_last_step BIGINT,
    disabled_at BIGINT,
    created_at BIGINT NOT NULL,
    CHECK ((role = 'adopter') = (household_id IS NOT NULL)),
    FOREIGN KEY (household_id, agency_id) REFERENCES households (id, agency_id)
);
CREATE INDEX users_agency ON users (agency_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    second_factor_done BOOLEAN NOT NULL,
    pending_totp_secret TEXT,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ip TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE sign_in_failures (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email TEXT NOT NULL,
    ip TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_email ON sign_in_failures (email, at);
CREATE INDEX sign_in_failures_ip ON sign_in_failures (ip, at);

CREATE TABLE api_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_agency ON api_tokens (agency_id);

CREATE TABLE register_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    max_open_links_per_household BIGINT NOT NULL CHECK (max_open_links_per_household > 0),
    max_exploring_links_per_child BIGINT NOT NULL CHECK (max_exploring_links_per_child > 0),
    link_response_working_days BIGINT NOT NULL CHECK (link_response_working_days > 0),
    updated_at BIGINT NOT NULL
);
INSERT INTO register_settings VALUES (1, 6, 3, 10, 0);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_entries (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_user_id BIGINT,
    actor_role TEXT,
    actor_agency_id BIGINT,
    action TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id TEXT,
    agency_id BIGINT,
    ip TEXT,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_entries_agency ON audit_entries (agency_id, seq);
CREATE INDEX audit_entries_actor_agency ON audit_entries (actor_agency_id, seq);
CREATE INDEX audit_entries_record ON audit_entries (record_type, record_id, seq);
