// Package pgtest gives tests a PostgreSQL of their own on the server named
// by PARTNERHUB_TEST_DATABASE_URL: a fresh schema or a fresh database,
// dropped when the test ends, so that tests and parallel runs never see
// each other's rows.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// EnvVar names the server the PostgreSQL halves of the tests use.
const EnvVar = "PARTNERHUB_TEST_DATABASE_URL"

// SkipMessage is what a test logs when it runs without PostgreSQL.
const SkipMessage = "PostgreSQL half skipped: " + EnvVar + " is not set"

// URL returns the configured server URL, or "" when the PostgreSQL halves
// are to be skipped.
func URL() string { return os.Getenv(EnvVar) }

// Name returns a fresh lower-case identifier with prefix.
func Name(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// Schema creates a schema of the test's own and returns a URL whose
// search_path puts everything there, and the schema's name. The schema is
// dropped with everything in it when the test ends. It skips the test when
// PARTNERHUB_TEST_DATABASE_URL is not set.
func Schema(t testing.TB) (dsn, schema string) {
	t.Helper()
	base := URL()
	if base == "" {
		t.Skip(SkipMessage)
	}
	schema = Name("ph_test_")
	admin := open(t, base)
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin := open(t, base)
		defer admin.Close()
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return WithParam(base, "search_path", schema), schema
}

// Database creates a database of the test's own and returns its URL; it is
// dropped (its connections ended) when the test ends. Tests of whole
// processes use it, because those make schemas of their own (one per
// customer). It skips the test when PARTNERHUB_TEST_DATABASE_URL is not set.
func Database(t testing.TB) string {
	t.Helper()
	base := URL()
	if base == "" {
		t.Skip(SkipMessage)
	}
	name := Name("ph_test_")
	admin := open(t, base)
	defer admin.Close()
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		admin := open(t, base)
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" {
		t.Fatalf("%s must be a postgres:// URL", EnvVar)
	}
	u.Path = "/" + name
	return u.String()
}

// WithParam sets a connection parameter in a postgres:// URL; pgx sends
// parameters it does not know (search_path) to the server as settings.
func WithParam(dsn, key, value string) string {
	if strings.Contains(dsn, "://") {
		if u, err := url.Parse(dsn); err == nil {
			q := u.Query()
			q.Set(key, value)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return dsn + " " + key + "=" + value
}

func open(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	db.SetMaxOpenConns(1)
	return db
}
