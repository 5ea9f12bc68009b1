package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// ChangeChannel is the PostgreSQL notification channel on which replicas
// tell each other that a customer changed. The payload is only a nudge
// (which partner, which customer); listeners read the truth from the table.
const ChangeChannel = "partnerhub_customer_changed"

type changeNote struct {
	Origin     string `json:"o"`
	Schema     string `json:"s,omitempty"`
	PartnerID  string `json:"p"`
	CustomerID string `json:"c"`
}

func newOrigin() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// notifyOthers tells the other replicas, right after the change committed,
// that a customer changed. It runs after the commit rather than inside the
// transaction so that the status change never waits on or fails for a
// nudge; if this process dies between the two, browsers elsewhere catch up
// at the next change or reload. Errors are logged, not returned, for the
// same reason.
func (s *Store) notifyOthers(partnerID, customerID string) {
	if s.Engine != Postgres {
		return
	}
	payload, _ := json.Marshal(changeNote{Origin: s.origin, PartnerID: partnerID, CustomerID: customerID})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	// current_schema() keeps installations that share one database (tests,
	// staging) from nudging each other's browsers.
	if _, err := s.Write.ExecContext(ctx, `SELECT pg_notify($1, jsonb_set($2::jsonb, '{s}', to_jsonb(current_schema()))::text)`,
		ChangeChannel, string(payload)); err != nil {
		slog.Warn("notify other replicas of a customer change", "customer", customerID, "err", err)
	}
}

// Listen receives the other replicas' change notifications and calls fn
// for each until ctx ends. It holds one dedicated connection (LISTEN does
// not work through a pool) and reconnects with backoff when it drops;
// ready, when not nil, is called each time the LISTEN is in place. It
// returns nil on SQLite, where one process sees all changes in-process.
func (s *Store) Listen(ctx context.Context, databaseURL string, log *slog.Logger, ready func(), fn func(partnerID, customerID string)) error {
	if s.Engine != Postgres {
		return nil
	}
	var schema string
	if err := s.Read.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return err
	}
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, databaseURL, schema, ready, fn, &backoff)
		if ctx.Err() != nil {
			break
		}
		log.Warn("change notifications interrupted; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
	return nil
}

func (s *Store) listenOnce(ctx context.Context, databaseURL, schema string, ready func(), fn func(partnerID, customerID string), backoff *time.Duration) error {
	connectCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.Connect(connectCtx, databaseURL)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{ChangeChannel}.Sanitize()); err != nil {
		return err
	}
	*backoff = 100 * time.Millisecond
	if ready != nil {
		ready()
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var note changeNote
		if err := json.Unmarshal([]byte(n.Payload), &note); err != nil || note.PartnerID == "" {
			continue
		}
		if note.Origin == s.origin || note.Schema != schema {
			continue // our own change, published in-process already; or another installation's
		}
		fn(note.PartnerID, note.CustomerID)
	}
}
