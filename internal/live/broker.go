// Package live fans customer changes out to the browsers watching them. A
// change is only a nudge ("this partner's customer X changed"); pages fetch
// the truth from the store, so a lost nudge never shows a wrong status.
package live

import "sync"

// Change names the customer that changed.
type Change struct {
	PartnerID  string
	CustomerID string
}

// Broker delivers changes to the subscribers of the partner they belong to.
type Broker struct {
	mu   sync.Mutex
	subs map[string]map[chan Change]struct{}
}

// NewBroker returns an empty broker.
func NewBroker() *Broker { return &Broker{subs: map[string]map[chan Change]struct{}{}} }

// Subscribe returns a channel of the partner's changes and a cancel func.
// The channel is buffered; a subscriber too slow to keep up misses nudges,
// which is harmless since each one makes it reload everything it shows.
func (b *Broker) Subscribe(partnerID string) (<-chan Change, func()) {
	ch := make(chan Change, 64)
	b.mu.Lock()
	if b.subs[partnerID] == nil {
		b.subs[partnerID] = map[chan Change]struct{}{}
	}
	b.subs[partnerID][ch] = struct{}{}
	b.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs[partnerID], ch)
			if len(b.subs[partnerID]) == 0 {
				delete(b.subs, partnerID)
			}
			b.mu.Unlock()
		})
	}
}

// Publish sends a change to the partner's subscribers without blocking.
func (b *Broker) Publish(partnerID, customerID string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs[partnerID] {
		select {
		case ch <- Change{PartnerID: partnerID, CustomerID: customerID}:
		default:
		}
	}
}
