-- Requests for access to adoption records, from intake to closure: the request, its history,
-- the grants to the locked record, every view of it, counselling, referrals, disclosures, the
-- intermediary record and the hand-over tasks. Adoption records are kept for at least 100
-- years: nothing here is ever deleted (triggers refuse it).

ALTER TABLE register_settings ADD COLUMN records_grant_days BIGINT NOT NULL DEFAULT 90 CHECK (records_grant_days BETWEEN 1 AND 365);
ALTER TABLE register_settings ADD COLUMN records_retention_years BIGINT NOT NULL DEFAULT 100 CHECK (records_retention_years >= 100);
ALTER TABLE register_settings ADD COLUMN records_escalation_working_days BIGINT NOT NULL DEFAULT 3 CHECK (records_escalation_working_days BETWEEN 0 AND 60);

CREATE TABLE records_requests (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    state TEXT NOT NULL CHECK (state IN ('received', 'awaiting_approval', 'approved', 'declined', 'allocated', 'access_authorised', 'archive_access_granted', 'counselling', 'referral_recorded', 'intermediary_open', 'intermediary_completed', 'supporting_external_access', 'closed', 'withdrawn')),
    applicant_type TEXT NOT NULL CHECK (applicant_type IN ('adopted_adult', 'birth_relative', 'descendant')),
    applicant_name TEXT NOT NULL,
    applicant_born_on TEXT NOT NULL,
    applicant_email TEXT NOT NULL,
    applicant_phone TEXT NOT NULL,
    applicant_address TEXT NOT NULL,
    contact_method TEXT NOT NULL CHECK (contact_method IN ('email', 'phone', 'letter')),
    identity_method TEXT CHECK (identity_method IN ('photo_id', 'certified_copies', 'in_person')),
    identity_checked_by BIGINT REFERENCES users (id),
    identity_checked_on TEXT,
    representative_name TEXT NOT NULL,
    representative_relationship TEXT NOT NULL,
    authority_proof TEXT NOT NULL,
    -- The adoption: who the adopted person was at birth, when and where they were adopted.
    birth_name TEXT NOT NULL,
    adopted_person_born_on TEXT NOT NULL,
    adopted_on TEXT NOT NULL,
    court TEXT NOT NULL,
    adoption_agency TEXT NOT NULL,
    regime TEXT NOT NULL CHECK (regime IN ('before_1975', 'pre_commencement', 'agency_only')),
    arrival TEXT NOT NULL CHECK (arrival IN ('letter', 'email', 'phone', 'in_person', 'referral')),
    received_on TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    worker_id BIGINT REFERENCES users (id),
    intermediary_required BOOLEAN NOT NULL,
    -- Why it was declined, withdrawn, closed or reopened last: the history keeps every one.
    outcome_note TEXT NOT NULL DEFAULT '',
    closed_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK ((identity_method IS NULL) = (identity_checked_on IS NULL))
);
CREATE INDEX records_requests_agency ON records_requests (agency_id, state);
CREATE INDEX records_requests_worker ON records_requests (worker_id, state);

CREATE TABLE records_request_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES records_requests (id),
    event TEXT NOT NULL,
    to_state TEXT NOT NULL,
    note TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id),
    at BIGINT NOT NULL
);
CREATE INDEX records_request_events_request ON records_request_events (request_id, id);

-- The adoption case record behind a request: locked. Reading it needs an active grant.
CREATE TABLE locked_records (
    request_id BIGINT PRIMARY KEY REFERENCES records_requests (id),
    case_reference TEXT NOT NULL,
    -- What the case record holds (read with a locked-record grant).
    birth_mother TEXT NOT NULL DEFAULT '',
    birth_father TEXT NOT NULL DEFAULT '',
    birth_registration TEXT NOT NULL DEFAULT '',
    case_summary TEXT NOT NULL DEFAULT '',
    -- Where the paper file is (read with an archive grant).
    archive_reference TEXT NOT NULL DEFAULT '',
    archive_location TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);

CREATE TABLE access_grants (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES records_requests (id),
    kind TEXT NOT NULL CHECK (kind IN ('locked_record', 'archive')),
    user_id BIGINT NOT NULL REFERENCES users (id),
    granted_by BIGINT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoked_by BIGINT REFERENCES users (id),
    revoke_reason TEXT,
    CHECK (expires_at > starts_at)
);
CREATE INDEX access_grants_request ON access_grants (request_id, user_id);

-- Every reading of a locked record, for the manager to read back.
CREATE TABLE locked_record_views (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES records_requests (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('locked_record', 'archive')),
    grant_id BIGINT REFERENCES access_grants (id),
    allowed BOOLEAN NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX locked_record_views_request ON locked_record_views (request_id, id);

CREATE TABLE counselling_appointments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES records_requests (id),
    starts_at BIGINT NOT NULL,
    minutes BIGINT NOT NULL CHECK (minutes BETWEEN 15 AND 480),
    venue TEXT NOT NULL CHECK (venue IN ('in_person', 'video', 'phone')),
    place TEXT NOT NULL,
    counsellor TEXT NOT NULL,
    -- Goes up when the appointment changes, so calendars replace the old invitation.
    sequence BIGINT NOT NULL DEFAULT 0,
    invited_at BIGINT,
    cancelled_at BIGINT,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX counselling_appointments_request ON counselling_appointments (request_id, starts_at);
CREATE INDEX counselling_appointments_when ON counselling_appointments (starts_at);

-- A session record: fact, opinion and third-party information kept apart; signed by the worker.
CREATE TABLE counselling_sessions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES records_requests (id),
    appointment_id BIGINT REFERENCES counselling_appointments (id),
    held_on TEXT NOT NULL,
    attended BOOLEAN NOT NULL,
    facts TEXT NOT NULL,
    opinion TEXT NOT NULL,
    third_party TEXT NOT NULL,
    signed_by BIGINT NOT NULL REFERENCES users (id),
    signed_at BIGINT NOT NULL
);
CREATE INDEX counselling_sessions_request ON counselling_sessions (request_id, id);

CREATE TABLE records_referrals (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES records_requests (id),
    organisation TEXT NOT NULL,
    referred_on TEXT NOT NULL,
    reason TEXT NOT NULL,
    shared TEXT NOT NULL,
    agreement_received BOOLEAN NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX records_referrals_request ON records_referrals (request_id, id);

CREATE TABLE records_disclosures (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES records_requests (id),
    referral_id BIGINT REFERENCES records_referrals (id),
    what TEXT NOT NULL,
    to_whom TEXT NOT NULL,
    disclosed_on TEXT NOT NULL,
    birth_record_information BOOLEAN NOT NULL,
    receipt_received_on TEXT,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX records_disclosures_request ON records_disclosures (request_id, id);

CREATE TABLE intermediary_records (
    request_id BIGINT PRIMARY KEY REFERENCES records_requests (id),
    opened_by BIGINT NOT NULL REFERENCES users (id),
    opened_at BIGINT NOT NULL,
    veto_check TEXT CHECK (veto_check IN ('none_found', 'no_contact_wish', 'qualified_veto', 'absolute_veto')),
    register_check TEXT CHECK (register_check IN ('not_registered', 'wishes_contact', 'no_contact')),
    subject_views TEXT NOT NULL DEFAULT '',
    checks_recorded_at BIGINT,
    tracing_started_at BIGINT,
    completed_at BIGINT,
    outcome TEXT NOT NULL DEFAULT ''
);

-- The procedure's hand-overs: whose turn it is, by when; escalated to the manager when late.
CREATE TABLE records_tasks (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES records_requests (id),
    agency_id BIGINT NOT NULL REFERENCES agencies (id),
    kind TEXT NOT NULL CHECK (kind IN ('send_for_approval', 'approve', 'allocate', 'authorise', 'grant_archive_access', 'close_archive_access')),
    role TEXT NOT NULL CHECK (role IN ('business_support', 'team_manager')),
    due_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    done_at BIGINT,
    done_by BIGINT REFERENCES users (id),
    escalated_at BIGINT
);
CREATE INDEX records_tasks_open ON records_tasks (agency_id, role, due_at) WHERE done_at IS NULL;
CREATE INDEX records_tasks_request ON records_tasks (request_id);

-- A notification can be about a records request instead of a link.
ALTER TABLE notifications ADD COLUMN records_request_id BIGINT REFERENCES records_requests (id);

-- An e-mail can carry one attachment (a calendar invitation).
ALTER TABLE mail_outbox ADD COLUMN attachment_name TEXT;
ALTER TABLE mail_outbox ADD COLUMN attachment_type TEXT;
ALTER TABLE mail_outbox ADD COLUMN attachment TEXT;

CREATE FUNCTION adoption_records_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'adoption records are kept: a records request is never deleted';
END;
$$;
CREATE TRIGGER records_requests_kept BEFORE DELETE ON records_requests FOR EACH ROW EXECUTE FUNCTION adoption_records_kept();
CREATE TRIGGER records_request_events_kept BEFORE DELETE ON records_request_events FOR EACH ROW EXECUTE FUNCTION adoption_records_kept();
CREATE TRIGGER locked_records_kept BEFORE DELETE ON locked_records FOR EACH ROW EXECUTE FUNCTION adoption_records_kept();
CREATE TRIGGER counselling_sessions_kept BEFORE DELETE ON counselling_sessions FOR EACH ROW EXECUTE FUNCTION adoption_records_kept();
CREATE TRIGGER locked_record_views_kept BEFORE DELETE ON locked_record_views FOR EACH ROW EXECUTE FUNCTION adoption_records_kept();
CREATE TRIGGER records_disclosures_kept BEFORE DELETE ON records_disclosures FOR EACH ROW EXECUTE FUNCTION adoption_records_kept();
CREATE TRIGGER records_referrals_kept BEFORE DELETE ON records_referrals FOR EACH ROW EXECUTE FUNCTION adoption_records_kept();
CREATE TRIGGER intermediary_records_kept BEFORE DELETE ON intermediary_records FOR EACH ROW EXECUTE FUNCTION adoption_records_kept();
CREATE TRIGGER records_tasks_kept BEFORE DELETE ON records_tasks FOR EACH ROW EXECUTE FUNCTION adoption_records_kept();
CREATE TRIGGER access_grants_kept BEFORE DELETE ON access_grants FOR EACH ROW EXECUTE FUNCTION adoption_records_kept();
CREATE TRIGGER counselling_appointments_kept BEFORE DELETE ON counselling_appointments FOR EACH ROW EXECUTE FUNCTION adoption_records_kept();
