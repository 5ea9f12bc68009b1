package partnersystem

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestLoadOrCreateKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if k, err := LoadOrCreateKey(dir, " from-env "); err != nil || k != "from-env" {
		t.Errorf("env key: %q, %v", k, err)
	}
	if _, err := os.Stat(filepath.Join(dir, KeyFile)); !os.IsNotExist(err) {
		t.Errorf("an env key must not write a file: %v", err)
	}

	// Callers racing on first start must all end up with the one key.
	keys := make([]string, 20)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := LoadOrCreateKey(dir, "")
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys {
		if k != keys[0] {
			t.Fatalf("racing callers got different keys: %q", keys)
		}
	}
	if len(keys[0]) != 64 {
		t.Errorf("key %q is not 32 bytes in hex", keys[0])
	}
	fi, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".partner-system.key-*")); len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
	if k, err := LoadOrCreateKey(dir, ""); err != nil || k != keys[0] {
		t.Errorf("reload: %q, %v; want %q", k, err, keys[0])
	}

	empty := t.TempDir()
	if err := os.WriteFile(filepath.Join(empty, KeyFile), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKey(empty, ""); err == nil {
		t.Error("an empty key file must be an error, not an empty key")
	}
}
