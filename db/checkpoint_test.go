package db

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/db/tenantdb"
)

// bigWrites commits n transactions of ten rows of about a page each: about ten frames
// of write-ahead log apiece.
func bigWrites(t *testing.T, n int, exec func(func(*sql.Tx) error) error) {
	t.Helper()
	value := strings.Repeat("x", 3000)
	for i := range n {
		require.NoError(t, exec(func(tx *sql.Tx) error {
			for j := range 10 {
				if _, err := tx.Exec(`INSERT INTO big (k, v) VALUES (?, ?)`, fmt.Sprintf("%d-%d", i, j), value); err != nil {
					return err
				}
			}
			return nil
		}))
	}
}

// walFrames is how many pages the file's write-ahead log can hold, by its size.
func walFrames(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path + "-wal")
	require.NoError(t, err)
	return st.Size() / (4096 + 24)
}

// A school file's log is checkpointed in the background once it passes
// checkpointFrames, by the checkpointer the pool registered for the file, and the
// commit after it copies what is left, so the log starts again from its beginning
// rather than growing; what the commits wrote is all there afterwards.
func TestCheckpointsRunInTheBackground(t *testing.T) {
	p, tn, release := acquireAlpha(t)
	ctx := context.Background()
	found, ok := checkpointers.Load(sqlitePath(p.Path("alpha")))
	require.True(t, ok, "the open file's checkpointer is found by the name SQLite gives the file")
	c := found.(*checkpointer)

	exec := func(fn func(*sql.Tx) error) error {
		return tn.Tx(ctx, func(_ *tenantdb.Queries, tx *sql.Tx) error { return fn(tx) })
	}
	require.NoError(t, exec(func(tx *sql.Tx) error {
		_, err := tx.Exec(`CREATE TABLE big (k TEXT, v TEXT)`)
		return err
	}))
	// About 3,300 frames in all, each commit after the last checkpoint has finished, as
	// when writes come slower than checkpoints (the -race build's are slow).
	for range 300 {
		bigWrites(t, 1, exec)
		require.Eventually(t, func() bool { return !c.running.Load() }, 10*time.Second, time.Millisecond)
	}
	assert.GreaterOrEqual(t, p.Stats().Checkpoints, int64(2), "the log passed 1,000 frames more than once")
	assert.Less(t, walFrames(t, p.Path("alpha")), int64(checkpointFrames+finishFrames+50),
		"the log started again after each checkpoint")
	var n int
	require.NoError(t, tn.ReadTx(ctx, func(_ *tenantdb.Queries, d tenantdb.DBTX) error {
		return d.QueryRowContext(ctx, `SELECT count(*) FROM big`).Scan(&n)
	}))
	assert.Equal(t, 3000, n)

	// Closing the file ends its checkpoints.
	release()
	require.NoError(t, p.Close())
	_, ok = checkpointers.Load(sqlitePath(p.Path("alpha")))
	assert.False(t, ok, "a closed file has no checkpointer")
}

// A file with no checkpointer (the catalog, a file a command opens) is checkpointed in
// the commit that takes its log past checkpointFrames, as SQLite's own hook does.
func TestCheckpointsWithoutAPoolRunInTheCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plain.db")
	w, err := sql.Open("sqlite", dsn(path, mayCreate, false))
	require.NoError(t, err)
	defer w.Close()
	w.SetMaxOpenConns(1)
	_, err = w.Exec(`CREATE TABLE big (k TEXT, v TEXT)`)
	require.NoError(t, err)
	exec := func(fn func(*sql.Tx) error) error { return inTx(context.Background(), w, fn) }
	for range 4 {
		bigWrites(t, 100, exec)
	}
	// 4,000 frames written; checkpoints in the commits keep restarting the log.
	assert.Less(t, walFrames(t, path), int64(2*checkpointFrames))
}
