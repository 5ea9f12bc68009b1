-- +goose Up
-- Sign-in with the partner's identity provider, roles, API tokens, the
-- audit log and the customer's own console admin.

-- A partner user signs in with a password (break-glass, the embedded
-- default), with the identity provider (issuer and subject, linked at the
-- first OIDC sign-in), or both. An invited user who never signed in has
-- last_sign_in_at NULL.
ALTER TABLE users ADD COLUMN oidc_issuer TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN oidc_subject TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN invited_by TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN last_sign_in_at BIGINT;
CREATE UNIQUE INDEX users_oidc ON users (oidc_issuer, oidc_subject) WHERE oidc_subject <> '';
CREATE INDEX users_partner ON users (partner_id, email);

-- A token may be narrowed to a lower role than its user's ('' = the user's).
ALTER TABLE api_tokens ADD COLUMN role TEXT NOT NULL DEFAULT '';
CREATE INDEX api_tokens_user ON api_tokens (user_id);
-- Sign-out everywhere deletes a user's sessions.
CREATE INDEX sessions_user ON sessions (user_id);

-- The identity-provider tenants (Entra tid, or the issuer of a provider
-- without tenants) whose people may join a partner. One tenant, one partner.
CREATE TABLE partner_tenants (
    tenant_id  TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX partner_tenants_partner ON partner_tenants (partner_id);

-- Failed sign-ins counted per key ("account:<email>", "addr:<ip>", …) in
-- a window; past the limit the key is locked until locked_until.
CREATE TABLE signin_failures (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    first_at     BIGINT NOT NULL,
    locked_until BIGINT NOT NULL DEFAULT 0
);

-- OIDC sign-ins in progress: what the callback needs, kept server-side
-- under the hash of the state and used once.
CREATE TABLE oidc_states (
    state_hash    TEXT PRIMARY KEY,
    nonce         TEXT NOT NULL,
    code_verifier TEXT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX oidc_states_expires ON oidc_states (expires_at);

-- Who did what, when, from where, with what result. partner_id is '' for
-- what no partner can be named for (a sign-in with an unknown email).
CREATE TABLE audit_log (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id TEXT NOT NULL,
    at         BIGINT NOT NULL,
    actor_id   TEXT NOT NULL DEFAULT '',
    actor      TEXT NOT NULL DEFAULT '',
    addr       TEXT NOT NULL DEFAULT '',
    action     TEXT NOT NULL,
    target     TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '',
    result     TEXT NOT NULL
);
CREATE INDEX audit_log_partner_at ON audit_log (partner_id, at);

-- The customer's own console admin: a one-time password the partner hands
-- over, replaced by the customer at the first sign-in (claimed_at), after
-- which the partner can no longer issue another.
CREATE TABLE console_admins (
    customer_id   TEXT PRIMARY KEY REFERENCES customers (id),
    partner_id    TEXT NOT NULL,
    email         TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    must_change   INTEGER NOT NULL DEFAULT 1,
    created_at    BIGINT NOT NULL,
    claimed_at    BIGINT
);

-- The hub's copy of each console's partner-access flag, for showing Visit
-- disabled in lists; the console's own flag is the authority. No row means
-- the access granted at deployment stands.
CREATE TABLE console_access (
    customer_id TEXT PRIMARY KEY REFERENCES customers (id),
    partner_id  TEXT NOT NULL,
    granted     INTEGER NOT NULL,
    changed_by  TEXT NOT NULL,
    changed_at  BIGINT NOT NULL
);
CREATE INDEX console_access_partner ON console_access (partner_id);

-- +goose Down
DROP TABLE console_access;
DROP TABLE console_admins;
DROP TABLE audit_log;
DROP TABLE oidc_states;
DROP TABLE signin_failures;
DROP TABLE partner_tenants;
DROP INDEX sessions_user;
DROP INDEX api_tokens_user;
ALTER TABLE api_tokens DROP COLUMN role;
DROP INDEX users_partner;
DROP INDEX users_oidc;
ALTER TABLE users DROP COLUMN last_sign_in_at;
ALTER TABLE users DROP COLUMN invited_by;
ALTER TABLE users DROP COLUMN oidc_subject;
ALTER TABLE users DROP COLUMN oidc_issuer;
