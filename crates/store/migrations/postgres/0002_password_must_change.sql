-- A password someone else chose (an administrator, the command line) must be replaced by the
-- person at their first sign-in.
ALTER TABLE users ADD COLUMN password_must_change BOOLEAN NOT NULL DEFAULT FALSE;
