package app_test

import (
	"fmt"
	"testing"

	"partnerhub/internal/testkit"
)

// TestStopWhileStarting stops servers at once after they were opened, while
// the job queue may still be starting: each stop is clean (testkit.Start's
// cleanup fails the test when Run returns an error or hangs), never "start
// job queue: context canceled".
func TestStopWhileStarting(t *testing.T) {
	for i := range 5 {
		t.Run(fmt.Sprint(i), func(t *testing.T) { testkit.Start(t) })
	}
}
