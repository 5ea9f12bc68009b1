package console

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// baselinePolicies and baselineClassifications are what every customer starts
// with. Their ids are fixed so that seeding again inserts nothing new.
var baselinePolicies = []struct{ id, name, description string }{
	{"pol-endpoint-protection", "Default endpoint protection", "Real-time malware protection on every endpoint."},
	{"pol-ransomware-shield", "Ransomware shield", "Blocks mass encryption and rolls back changed files."},
	{"pol-web-filtering", "Web filtering", "Blocks malicious and unwanted web categories."},
	{"pol-usb-control", "USB device control", "Read-only access to removable storage unless allowed."},
	{"pol-email-scanning", "Email attachment scanning", "Scans attachments before they reach the inbox."},
}

var baselineClassifications = []struct {
	id, name string
	rank     int
}{
	{"cls-public", "Public", 1},
	{"cls-internal", "Internal", 2},
	{"cls-confidential", "Confidential", 3},
	{"cls-restricted", "Restricted", 4},
}

// Seed writes the baseline every customer gets and, for a DEMO customer, the
// dummy data dated relative to now. It runs in one transaction and only adds
// what is missing, so the deployment step can run it twice.
func (m *Manager) Seed(ctx context.Context, customerID, customerType string, now time.Time) error {
	if customerType != TypeCustomer && customerType != TypeDemo {
		return fmt.Errorf("%w: type must be %q or %q", ErrInvalid, TypeCustomer, TypeDemo)
	}
	return m.inTx(ctx, customerID, func(tx *sql.Tx) error {
		if err := seedBaseline(ctx, tx); err != nil {
			return err
		}
		if customerType != TypeDemo {
			return nil
		}
		var anchor int64
		if err := tx.QueryRowContext(ctx, `SELECT demo_anchor FROM settings WHERE id = 1`).Scan(&anchor); err != nil {
			return fmt.Errorf("console: seed: %w", err)
		}
		if anchor != 0 {
			return nil // the dummy data is there already
		}
		shortName := customerID
		if p, err := readProfile(ctx, tx); err == nil {
			shortName = p.ShortName
		}
		if err := insertDemo(ctx, tx, generateDemo(customerID, shortName, now)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE settings SET demo_anchor = $1 WHERE id = 1`, now.UnixMilli()); err != nil {
			return fmt.Errorf("console: seed: %w", err)
		}
		return audit(ctx, tx, now, actorHub, "demo.seed", "")
	})
}

func seedBaseline(ctx context.Context, tx *sql.Tx) error {
	for _, p := range baselinePolicies {
		if _, err := tx.ExecContext(ctx, `INSERT INTO policies (id, name, description) VALUES ($1, $2, $3)
			ON CONFLICT (id) DO NOTHING`, p.id, p.name, p.description); err != nil {
			return fmt.Errorf("console: seed policies: %w", err)
		}
	}
	for _, c := range baselineClassifications {
		if _, err := tx.ExecContext(ctx, `INSERT INTO classifications (id, name, rank) VALUES ($1, $2, $3)
			ON CONFLICT (id) DO NOTHING`, c.id, c.name, c.rank); err != nil {
			return fmt.Errorf("console: seed classifications: %w", err)
		}
	}
	return nil
}

// insertDemo writes the generated rows through prepared statements in the
// caller's transaction: one commit for about 2,000 rows keeps a DEMO seed
// in the tens of milliseconds.
func insertDemo(ctx context.Context, tx *sql.Tx, d demoData) error {
	users, err := tx.PrepareContext(ctx, `INSERT INTO users (id, name, email, department, created_at, last_login_at, demo)
		VALUES ($1, $2, $3, $4, $5, $6, TRUE) ON CONFLICT (id) DO NOTHING`)
	if err != nil {
		return fmt.Errorf("console: seed demo users: %w", err)
	}
	defer users.Close()
	for _, u := range d.users {
		if _, err := users.ExecContext(ctx, u.id, u.name, u.email, u.department, u.createdAt, u.lastLoginAt); err != nil {
			return fmt.Errorf("console: seed demo users: %w", err)
		}
	}
	v, err := txVersion(ctx, tx)
	if err != nil {
		return fmt.Errorf("console: seed demo endpoints: %w", err)
	}
	insertEndpoint := `INSERT INTO endpoints (id, hostname, os, os_version, owner_email, last_seen_at, demo)
		VALUES ($1, $2, $3, $4, $5, $6, TRUE) ON CONFLICT (id) DO NOTHING`
	if v < 2 { // os_version came with schema version 2
		insertEndpoint = `INSERT INTO endpoints (id, hostname, os, owner_email, last_seen_at, demo)
		VALUES ($1, $2, $3, $4, $5, TRUE) ON CONFLICT (id) DO NOTHING`
	}
	endpoints, err := tx.PrepareContext(ctx, insertEndpoint)
	if err != nil {
		return fmt.Errorf("console: seed demo endpoints: %w", err)
	}
	defer endpoints.Close()
	for _, e := range d.endpoints {
		args := []any{e.id, e.hostname, e.os, e.osVersion, e.owner, e.lastSeenAt}
		if v < 2 {
			args = append(args[:3], e.owner, e.lastSeenAt)
		}
		if _, err := endpoints.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("console: seed demo endpoints: %w", err)
		}
	}
	events, err := tx.PrepareContext(ctx, `INSERT INTO events (id, occurred_at, risk, endpoint, user_email, title, demo)
		VALUES ($1, $2, $3, $4, $5, $6, TRUE) ON CONFLICT (id) DO NOTHING`)
	if err != nil {
		return fmt.Errorf("console: seed demo events: %w", err)
	}
	defer events.Close()
	for _, e := range d.events {
		if _, err := events.ExecContext(ctx, e.id, e.occurredAt, e.risk, e.endpoint, e.user, e.title); err != nil {
			return fmt.Errorf("console: seed demo events: %w", err)
		}
	}
	return nil
}
