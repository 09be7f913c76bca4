-- The Register's profiles: children and sibling groups, households, photos, confidentiality
-- acknowledgements, status history and saved searches.
-- Nothing is hard-deleted: removed children and photos keep their rows with removed_at set.

ALTER TABLE agencies ADD COLUMN household_text_min_words INTEGER NOT NULL DEFAULT 0 CHECK (household_text_min_words >= 0);
ALTER TABLE register_settings ADD COLUMN profile_review_days INTEGER NOT NULL DEFAULT 60 CHECK (profile_review_days > 0);

-- One child, or a sibling group to be placed together: the unit that is published and linked.
CREATE TABLE child_profiles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agency_id INTEGER NOT NULL REFERENCES agencies (id),
    status TEXT NOT NULL CHECK (status IN ('draft', 'awaiting_sign_off', 'published', 'on_hold', 'matched', 'placed', 'withdrawn')),
    visibility TEXT NOT NULL CHECK (visibility IN ('all', 'agencies_only', 'own_region', 'hidden_while_exploring')),
    home_area TEXT NOT NULL,
    -- '|'-delimited area names, '|A|B|', so that one area is found with LIKE '%|A|%'.
    excluded_areas TEXT NOT NULL,
    contact_letterbox INTEGER NOT NULL CHECK (contact_letterbox IN (0, 1)),
    contact_direct INTEGER NOT NULL CHECK (contact_direct IN (0, 1)),
    contact_siblings INTEGER NOT NULL CHECK (contact_siblings IN (0, 1)),
    contact_notes TEXT NOT NULL,
    requirements TEXT NOT NULL,
    requirement_notes TEXT NOT NULL,
    profile_text TEXT NOT NULL,
    worker_id INTEGER NOT NULL REFERENCES users (id),
    submitted_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    published_at INTEGER,
    reviewed_at INTEGER NOT NULL,
    -- Kept in step with the children on every save, for searching: the number of children,
    -- the oldest and youngest dates of birth (ISO text), the genders and legal status shared
    -- by all children (or 'mixed'), and the highest level of each need (0 none … 3 high).
    children_count INTEGER NOT NULL DEFAULT 0,
    oldest_born TEXT NOT NULL DEFAULT '',
    youngest_born TEXT NOT NULL DEFAULT '',
    genders TEXT NOT NULL DEFAULT '',
    legal_status TEXT NOT NULL DEFAULT '',
    need_physical_health INTEGER NOT NULL DEFAULT 0,
    need_physical_disability INTEGER NOT NULL DEFAULT 0,
    need_learning_disability INTEGER NOT NULL DEFAULT 0,
    need_fasd INTEGER NOT NULL DEFAULT 0,
    need_emotional_behavioural INTEGER NOT NULL DEFAULT 0,
    need_developmental_uncertainty INTEGER NOT NULL DEFAULT 0,
    need_trauma_history INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX child_profiles_agency ON child_profiles (agency_id, status);
CREATE INDEX child_profiles_published ON child_profiles (status, published_at);

CREATE TABLE children (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    profile_id INTEGER NOT NULL REFERENCES child_profiles (id),
    alias TEXT NOT NULL,
    born TEXT NOT NULL,
    gender TEXT NOT NULL,
    ethnicity TEXT NOT NULL,
    ethnicity_detail TEXT NOT NULL,
    religion TEXT NOT NULL,
    languages TEXT NOT NULL,
    legal_status TEXT NOT NULL,
    -- JSON: [{"category": …, "level": …, "notes": …}]
    needs TEXT NOT NULL,
    surname TEXT NOT NULL,
    address TEXT NOT NULL,
    school TEXT NOT NULL,
    placement_location TEXT NOT NULL,
    -- One name per line.
    birth_relatives TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    removed_at INTEGER
);
CREATE INDEX children_profile ON children (profile_id);

ALTER TABLE households ADD COLUMN status TEXT NOT NULL DEFAULT 'draft'
    CHECK (status IN ('draft', 'awaiting_agreement', 'active', 'on_hold', 'matched', 'placed', 'withdrawn'));
ALTER TABLE households ADD COLUMN applicants TEXT NOT NULL DEFAULT '';
ALTER TABLE households ADD COLUMN approved_on TEXT;
ALTER TABLE households ADD COLUMN children_min INTEGER NOT NULL DEFAULT 1;
ALTER TABLE households ADD COLUMN children_max INTEGER NOT NULL DEFAULT 1;
ALTER TABLE households ADD COLUMN age_min_years INTEGER NOT NULL DEFAULT 0;
ALTER TABLE households ADD COLUMN age_max_years INTEGER NOT NULL DEFAULT 17;
ALTER TABLE households ADD COLUMN gender TEXT;
ALTER TABLE households ADD COLUMN needs TEXT NOT NULL DEFAULT '[]';
ALTER TABLE households ADD COLUMN contact_letterbox INTEGER NOT NULL DEFAULT 0 CHECK (contact_letterbox IN (0, 1));
ALTER TABLE households ADD COLUMN contact_direct INTEGER NOT NULL DEFAULT 0 CHECK (contact_direct IN (0, 1));
ALTER TABLE households ADD COLUMN contact_siblings INTEGER NOT NULL DEFAULT 0 CHECK (contact_siblings IN (0, 1));
ALTER TABLE households ADD COLUMN identity TEXT NOT NULL DEFAULT '';
ALTER TABLE households ADD COLUMN languages TEXT NOT NULL DEFAULT '';
ALTER TABLE households ADD COLUMN children_at_home INTEGER NOT NULL DEFAULT 0;
ALTER TABLE households ADD COLUMN children_at_home_notes TEXT NOT NULL DEFAULT '';
ALTER TABLE households ADD COLUMN pets TEXT NOT NULL DEFAULT '';
ALTER TABLE households ADD COLUMN area TEXT NOT NULL DEFAULT '';
ALTER TABLE households ADD COLUMN profile_text TEXT NOT NULL DEFAULT '';
ALTER TABLE households ADD COLUMN consent_to_referral INTEGER NOT NULL DEFAULT 0 CHECK (consent_to_referral IN (0, 1));
ALTER TABLE households ADD COLUMN worker_id INTEGER REFERENCES users (id);
ALTER TABLE households ADD COLUMN submitted_by INTEGER REFERENCES users (id);
ALTER TABLE households ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE households ADD COLUMN active_since INTEGER;
ALTER TABLE households ADD COLUMN reviewed_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX households_status ON households (status, agency_id);

-- Photos, already re-encoded without metadata. Kept in the database: after re-encoding they
-- are small, they are then written in the same transaction as their audit entry, and every
-- app instance sees them.
CREATE TABLE photos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    profile_kind TEXT NOT NULL CHECK (profile_kind IN ('child', 'household')),
    profile_id INTEGER NOT NULL,
    jpeg BLOB NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    description TEXT NOT NULL,
    uploaded_by INTEGER REFERENCES users (id),
    uploaded_at INTEGER NOT NULL,
    removed_at INTEGER
);
CREATE INDEX photos_profile ON photos (profile_kind, profile_id);

-- A worker's decision that a confidentiality finding is not identifying, with their reason.
CREATE TABLE finding_acknowledgements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    profile_kind TEXT NOT NULL CHECK (profile_kind IN ('child', 'household')),
    profile_id INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id),
    at INTEGER NOT NULL,
    UNIQUE (profile_kind, profile_id, fingerprint)
);

-- Every status change with who and why, shown on the profile (the audit log has it too).
CREATE TABLE status_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    profile_kind TEXT NOT NULL CHECK (profile_kind IN ('child', 'household')),
    profile_id INTEGER NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    reason TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id),
    at INTEGER NOT NULL
);
CREATE INDEX status_changes_profile ON status_changes (profile_kind, profile_id, id);

-- A search someone keeps, with the time they last looked at its new results.
CREATE TABLE saved_searches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('children', 'households')),
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    seen_at INTEGER NOT NULL,
    removed_at INTEGER
);
CREATE INDEX saved_searches_user ON saved_searches (user_id);
