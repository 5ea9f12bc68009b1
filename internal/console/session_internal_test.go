package console

import (
	"context"
	"testing"
	"time"
)

// TestSessionExpires checks the 8-hour bound, which the HTTP scenarios
// cannot reach without waiting.
func TestSessionExpires(t *testing.T) {
	m := NewManager(t.TempDir())
	t.Cleanup(func() { m.Close() })
	ctx := context.Background()
	if err := m.Create(ctx, "s"); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	v := Visitor{UserID: "u", Email: "u@partner.example", PartnerID: "p"}
	token, err := m.startSession(ctx, "s", v, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{now, true},
		{now.Add(sessionTTL - time.Minute), true},
		{now.Add(sessionTTL), false},
	} {
		got, ok, err := m.sessionVisitor(ctx, "s", token, tc.at)
		want := v
		want.Since = time.UnixMilli(now.UnixMilli()) // when it opened, to the millisecond kept
		if err != nil || ok != tc.want || (ok && got != want) {
			t.Errorf("at +%v: %+v, %v, %v; want ok=%v", tc.at.Sub(now), got, ok, err, tc.want)
		}
	}
	if _, ok, _ := m.sessionVisitor(ctx, "s", hashToken(token), now); ok {
		t.Error("the stored hash works as a token")
	}
}
