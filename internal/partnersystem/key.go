package partnersystem

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeyFile is the name of the API key file in the data directory.
const KeyFile = "partner-system.key"

// LoadOrCreateKey returns the partner system's API key: fromEnv when set
// (deployments at scale share one key through the environment), otherwise
// the key in <dataDir>/partner-system.key, made on first use so that the
// embedded default works without any setup. The file is written under a
// temporary name and linked into place, so two processes starting at once
// agree on one key and a crash never leaves a half-written key behind.
func LoadOrCreateKey(dataDir string, fromEnv string) (string, error) {
	if k := strings.TrimSpace(fromEnv); k != "" {
		return k, nil
	}
	path := filepath.Join(dataDir, KeyFile)
	if k, err := readKey(path); !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", fmt.Errorf("partnersystem: key: %w", err)
	}
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails since Go 1.24
	if err := writeNew(path, hex.EncodeToString(b[:])+"\n"); err != nil {
		return "", fmt.Errorf("partnersystem: key: %w", err)
	}
	return readKey(path)
}

func readKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		return "", fmt.Errorf("partnersystem: read key: %w", err)
	}
	k := strings.TrimSpace(string(b))
	if k == "" {
		return "", fmt.Errorf("partnersystem: key file %s is empty; delete it to make a new key", path)
	}
	return k, nil
}

// writeNew writes content to path only if path does not exist yet; when
// another process won the race, its file is kept.
func writeNew(path, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".partner-system.key-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	// CreateTemp already makes the file 0600; Chmod states it for readers.
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.WriteString(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}
