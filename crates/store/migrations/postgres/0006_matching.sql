-- Matching: what a household's profile records for it, and the register's matching settings.

-- The family's own ethnic heritage and their experience, as comma-separated codes ('' when not
-- recorded); whether a carer is at home full-time and the youngest child at home's age, NULL
-- when not recorded. Matching says "not recorded" rather than guess.
ALTER TABLE households ADD COLUMN heritage TEXT NOT NULL DEFAULT '';
ALTER TABLE households ADD COLUMN experience TEXT NOT NULL DEFAULT '';
ALTER TABLE households ADD COLUMN carer_at_home BOOLEAN;
ALTER TABLE households ADD COLUMN youngest_at_home BIGINT CHECK (youngest_at_home BETWEEN 0 AND 17);

-- How much each criterion counts (0 to 10), and how spread recommendations are drawn up.
ALTER TABLE register_settings ADD COLUMN weight_needs BIGINT NOT NULL DEFAULT 5 CHECK (weight_needs BETWEEN 0 AND 10);
ALTER TABLE register_settings ADD COLUMN weight_contact BIGINT NOT NULL DEFAULT 3 CHECK (weight_contact BETWEEN 0 AND 10);
ALTER TABLE register_settings ADD COLUMN weight_identity BIGINT NOT NULL DEFAULT 4 CHECK (weight_identity BETWEEN 0 AND 10);
ALTER TABLE register_settings ADD COLUMN weight_languages BIGINT NOT NULL DEFAULT 2 CHECK (weight_languages BETWEEN 0 AND 10);
ALTER TABLE register_settings ADD COLUMN weight_experience BIGINT NOT NULL DEFAULT 3 CHECK (weight_experience BETWEEN 0 AND 10);
ALTER TABLE register_settings ADD COLUMN weight_children_at_home BIGINT NOT NULL DEFAULT 2 CHECK (weight_children_at_home BETWEEN 0 AND 10);
ALTER TABLE register_settings ADD COLUMN weight_distance BIGINT NOT NULL DEFAULT 2 CHECK (weight_distance BETWEEN 0 AND 10);
ALTER TABLE register_settings ADD COLUMN spread_per_child BIGINT NOT NULL DEFAULT 5 CHECK (spread_per_child BETWEEN 1 AND 20);
ALTER TABLE register_settings ADD COLUMN spread_per_family BIGINT NOT NULL DEFAULT 8 CHECK (spread_per_family BETWEEN 1 AND 100);
ALTER TABLE register_settings ADD COLUMN spread_wait_points_per_month BIGINT NOT NULL DEFAULT 10 CHECK (spread_wait_points_per_month BETWEEN 0 AND 100);
