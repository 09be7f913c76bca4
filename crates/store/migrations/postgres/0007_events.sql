-- Adoption Exchange Days and Activity Days: the event, the children featured at it, the
-- families booked in (with the waiting list), and where links made on the day came from.
-- Dates are ISO text (UK calendar dates); times of day are 'HH:MM' UK time. Nothing is
-- hard-deleted: a withdrawn child or cancelled booking keeps its row.

-- Whether the agency's adopters may book their own places at events (otherwise their worker does).
ALTER TABLE agencies ADD COLUMN adopters_book_events BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('exchange_day', 'activity_day')),
    title TEXT NOT NULL,
    event_date TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    online BOOLEAN NOT NULL,
    venue TEXT NOT NULL,
    region TEXT NOT NULL,
    household_places BIGINT NOT NULL CHECK (household_places > 0),
    child_places BIGINT NOT NULL CHECK (child_places > 0),
    booking_deadline TEXT NOT NULL,
    description TEXT NOT NULL,
    organiser_agency_id BIGINT NOT NULL REFERENCES agencies (id),
    created_by BIGINT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed', 'held', 'cancelled')),
    cancel_reason TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (booking_deadline <= event_date),
    CHECK (starts_at < ends_at),
    CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL))
);
CREATE INDEX events_date ON events (event_date, status);

-- A child (or sibling group) featured at an Exchange Day or booked to attend an Activity Day.
CREATE TABLE event_children (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events (id),
    child_profile_id BIGINT NOT NULL REFERENCES child_profiles (id),
    child_agency_id BIGINT NOT NULL REFERENCES agencies (id),
    -- Child places this profile takes: the number of children in the sibling group.
    places BIGINT NOT NULL CHECK (places > 0),
    -- Activity Days: what the children need to take part (seen by the organisers only).
    support_note TEXT NOT NULL,
    featured_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    withdrawn_at BIGINT,
    withdrawn_by BIGINT REFERENCES users (id)
);
CREATE UNIQUE INDEX event_children_once ON event_children (event_id, child_profile_id) WHERE withdrawn_at IS NULL;
CREATE INDEX event_children_profile ON event_children (child_profile_id);

-- A family's place: booked, waiting (in id order), or cancelled.
CREATE TABLE event_bookings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events (id),
    household_id BIGINT NOT NULL REFERENCES households (id),
    household_agency_id BIGINT NOT NULL REFERENCES agencies (id),
    state TEXT NOT NULL CHECK (state IN ('booked', 'waiting', 'cancelled')),
    booked_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    -- When the family got a place: at once, or when one came free.
    placed_at BIGINT,
    cancelled_at BIGINT,
    cancelled_by BIGINT REFERENCES users (id),
    -- Recorded on the day: NULL until someone records it.
    attended BOOLEAN,
    CHECK ((state = 'booked') = (placed_at IS NOT NULL AND cancelled_at IS NULL) OR state = 'cancelled'),
    CHECK ((state = 'cancelled') = (cancelled_at IS NOT NULL))
);
CREATE UNIQUE INDEX event_bookings_once ON event_bookings (event_id, household_id) WHERE state <> 'cancelled';
CREATE INDEX event_bookings_queue ON event_bookings (event_id, state, id);
CREATE INDEX event_bookings_household ON event_bookings (household_id);

-- The event a link came from (links with source = 'event').
ALTER TABLE links ADD COLUMN event_id BIGINT REFERENCES events (id);
CREATE INDEX links_event ON links (event_id) WHERE event_id IS NOT NULL;
-- The event a notification is about.
ALTER TABLE notifications ADD COLUMN event_id BIGINT REFERENCES events (id);
