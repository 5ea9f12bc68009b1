package console

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Stats are the counts the console's dashboard and the hub show.
type Stats struct {
	Users        int
	Endpoints    int
	Policies     int
	EventsByRisk map[string]int // high, medium, low, info: the last 30 days, always all four keys
}

// Event is one security event as the console lists it.
type Event struct {
	OccurredAt time.Time
	Risk       string
	Endpoint   string
	User       string
	Title      string
}

// Stats counts the environment; events in (now-30 days, now].
func (m *Manager) Stats(ctx context.Context, customerID string, now time.Time) (Stats, error) {
	db, err := m.current(ctx, customerID)
	if err != nil {
		return Stats{}, err
	}
	s := Stats{EventsByRisk: map[string]int{}}
	for _, r := range riskLevels {
		s.EventsByRisk[r] = 0
	}
	for _, c := range []struct {
		dst *int
		q   string
	}{
		{&s.Users, `SELECT COUNT(*) FROM users`},
		{&s.Endpoints, `SELECT COUNT(*) FROM endpoints`},
		{&s.Policies, `SELECT COUNT(*) FROM policies`},
	} {
		if err := db.QueryRowContext(ctx, c.q).Scan(c.dst); err != nil {
			return Stats{}, fmt.Errorf("console: stats: %w", err)
		}
	}
	rows, err := db.QueryContext(ctx, `SELECT risk, COUNT(*) FROM events
		WHERE occurred_at > $1 AND occurred_at <= $2 GROUP BY risk`,
		now.Add(-demoWindow).UnixMilli(), now.UnixMilli())
	if err != nil {
		return Stats{}, fmt.Errorf("console: stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var risk string
		var n int
		if err := rows.Scan(&risk, &n); err != nil {
			return Stats{}, fmt.Errorf("console: stats: %w", err)
		}
		s.EventsByRisk[risk] = n
	}
	if err := rows.Err(); err != nil {
		return Stats{}, fmt.Errorf("console: stats: %w", err)
	}
	return s, nil
}

// LatestEvents returns up to limit events, newest first.
func (m *Manager) LatestEvents(ctx context.Context, customerID string, limit int) ([]Event, error) {
	db, err := m.current(ctx, customerID)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT occurred_at, risk, endpoint, user_email, title FROM events
		ORDER BY occurred_at DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("console: latest events: %w", err)
	}
	defer rows.Close()
	var events []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&at, &e.Risk, &e.Endpoint, &e.User, &e.Title); err != nil {
			return nil, fmt.Errorf("console: latest events: %w", err)
		}
		e.OccurredAt = time.UnixMilli(at).UTC()
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("console: latest events: %w", err)
	}
	return events, nil
}

// Check is the health check the deployment's verify step and the console's
// healthz use. Each failure says what is wrong in words a person can act
// on: the file is missing, the schema is at another version, or the profile
// was never set.
func (m *Manager) Check(ctx context.Context, customerID string) error {
	if !m.Exists(customerID) {
		return fmt.Errorf("%w: %s", ErrNotFound, customerID)
	}
	db, err := m.current(ctx, customerID)
	if err != nil {
		return err
	}
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("console: check %s: %w", customerID, err)
	}
	if _, err := readProfile(ctx, db); err != nil {
		if errors.Is(err, ErrNoProfile) {
			return fmt.Errorf("%w: %s", ErrNoProfile, customerID)
		}
		return err
	}
	return nil
}
