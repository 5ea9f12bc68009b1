package web

import (
	"context"
	"sync"
	"time"
)

// addTokenTTL is how long a used Add form is remembered: long past any
// double click or impatient resubmit, short enough to keep the map small.
const addTokenTTL = 10 * time.Minute

// addTokens remembers the Add forms already submitted, per actor, so that a
// second submit of the same form (a double click, a reload of the POST, a
// retry after a slow answer) leads to the customer the first one made
// instead of making another. The map lives in memory: it guards against the
// same browser submitting twice within minutes, which reaches the same
// replica; the token is random per form, so it is never guessed across users.
type addTokens struct {
	mu      sync.Mutex
	entries map[string]*addEntry
}

// addEntry is one submitted form. done is closed when the first submit has
// finished; a second submit that arrives while the first is still adding
// waits for it rather than racing it.
type addEntry struct {
	done    chan struct{}
	id      string // the customer made; "" when the first submit failed
	expires time.Time
}

// claim returns the entry of key and whether the caller owns it (must add
// the customer and call finish). Expired entries are swept on the way.
func (t *addTokens) claim(key string) (*addEntry, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	for k, e := range t.entries {
		if now.After(e.expires) {
			delete(t.entries, k)
		}
	}
	if e, ok := t.entries[key]; ok {
		return e, false
	}
	if t.entries == nil {
		t.entries = map[string]*addEntry{}
	}
	e := &addEntry{done: make(chan struct{}), expires: now.Add(addTokenTTL)}
	t.entries[key] = e
	return e, true
}

// finish records the outcome of an owned entry. A failed add forgets the
// token, so that the partner can correct the form and submit it again.
func (t *addTokens) finish(key string, e *addEntry, id string) {
	t.mu.Lock()
	e.id = id
	if id == "" {
		delete(t.entries, key)
	}
	t.mu.Unlock()
	close(e.done)
}

// wait blocks until the entry's first submit finished and returns the
// customer it made ("" when it failed and the caller should try itself).
func (e *addEntry) wait(ctx context.Context) (string, error) {
	select {
	case <-e.done:
		return e.id, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
