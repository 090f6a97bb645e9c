//go:build !unix

package db

import "context"

// lockFile is a no-op where flock is not available; only one process may migrate there.
func lockFile(ctx context.Context, path string) (func(), error) { return func() {}, nil }

// LockDataDir is a no-op where flock is not available: only one sms serve may run per
// data directory there, and nothing checks it.
func LockDataDir(dir string) (func(), error) { return func() {}, nil }
