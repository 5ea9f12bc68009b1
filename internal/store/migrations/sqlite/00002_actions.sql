-- +goose Up
-- The action a customer runs (or last ran) and its parameters, so that a
-- crash or a retry carries on with the same action.
ALTER TABLE customers ADD COLUMN action TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN action_params TEXT NOT NULL DEFAULT '';
-- The console schema version the customer's database is at.
ALTER TABLE customers ADD COLUMN console_version INTEGER NOT NULL DEFAULT 0;
-- DEMO customers expire; NULL for customers.
ALTER TABLE customers ADD COLUMN demo_expires_at BIGINT;
-- Removing expired DEMOs automatically is a partner's choice, off by default.
ALTER TABLE partners ADD COLUMN demo_auto_delete INTEGER NOT NULL DEFAULT 0;

-- Idempotency-Key of POST /api/v1/customers: the same key and body return
-- the same response for 24 hours.
CREATE TABLE idempotency_keys (
    partner_id   TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    customer_id  TEXT NOT NULL,
    response     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (partner_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
ALTER TABLE partners DROP COLUMN demo_auto_delete;
ALTER TABLE customers DROP COLUMN demo_expires_at;
ALTER TABLE customers DROP COLUMN console_version;
ALTER TABLE customers DROP COLUMN action_params;
ALTER TABLE customers DROP COLUMN action;
