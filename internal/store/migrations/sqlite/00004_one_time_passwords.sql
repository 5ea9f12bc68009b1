-- +goose Up
-- A password made for a person (the first admin's, an invitation's) is a
-- one-time password: the person must choose their own before doing
-- anything else. The flag lives on the user until they change it, and on
-- each session opened with that password (a session opened through the
-- identity provider is never held back by it).
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
-- When the user's sessions were last ended (sign-out everywhere, a password
-- change or reset): console sessions opened before then end too. The
-- consoles keep their sessions in the customers' own databases, so they
-- ask the hub rather than being swept from here.
ALTER TABLE users ADD COLUMN sessions_revoked_at BIGINT NOT NULL DEFAULT 0;
-- People invited before this migration who never signed in still hold the
-- password they were given.
UPDATE users SET must_change_password = 1 WHERE password_hash <> '' AND last_sign_in_at IS NULL;

-- +goose Down
ALTER TABLE users DROP COLUMN sessions_revoked_at;
ALTER TABLE sessions DROP COLUMN must_change_password;
ALTER TABLE users DROP COLUMN must_change_password;
