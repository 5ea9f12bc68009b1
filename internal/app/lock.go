package app

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDataDir takes an exclusive lock on the data directory for as long as
// the process lives (the kernel drops it on any exit, kill -9 included), so
// two processes never share one SQLite data directory. That is what lets a
// restarted process resume the jobs a crash left running at once.
func lockDataDir(dir string) (func() error, error) {
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("another partnerhub is already running on the data directory %s (use PostgreSQL for several processes)", dir)
	}
	return f.Close, nil
}
