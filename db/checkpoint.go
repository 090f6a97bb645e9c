package db

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"modernc.org/libc"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// A checkpoint copies the pages of a file's write-ahead log back into the file, so the
// log can start again from its beginning. By default SQLite runs one inside the commit
// that takes the log past 1,000 pages: that write's caller, and every write of the school
// queued behind it, waits for the copy and its two fsyncs. Those commits were the slowest
// percent of webhook acknowledgements (BenchmarkWebhookAck's p99). The log of an open
// school file is instead checkpointed in the background, on one of its reader
// connections, while its writer goes on appending: WAL lets a checkpoint and a writer
// run at once.
//
// Every connection gets walHook in place of SQLite's own: past checkpointFrames it asks
// the file's checkpointer, if the pool has one registered, to run a checkpoint soon (see
// checkpointer for how the log then starts again), and otherwise (the catalog, a file
// opened by a command) checkpoints in the commit as SQLite would. A log that still grows past inlineCheckpointFrames (checkpoints that
// cannot keep up, or cannot finish while old read transactions last) is checkpointed in
// the commit too, so no log grows without bound.
const (
	checkpointFrames       = 1000 // SQLite's default wal_autocheckpoint
	inlineCheckpointFrames = 10 * checkpointFrames
)

// checkpointers maps the full path of each open school file, as SQLite names it, to
// its checkpointer.
var checkpointers sync.Map

func init() {
	sqlite.RegisterConnectionHook(func(c sqlite.ExecQuerierContext, _ string) error {
		db, tls, err := rawHandle(c)
		if err != nil {
			return err
		}
		sqlite3.Xsqlite3_wal_hook(tls, db, cFunc(walHook), 0)
		return nil
	})
}

// cFunc is a Go function as the C code of the driver calls a function pointer (the
// driver's own callbacks are passed the same way).
func cFunc[T any](f T) uintptr { return *(*uintptr)(unsafe.Pointer(&struct{ f T }{f})) }

// walHook runs after each commit with the number of frames in the log (see above).
func walHook(tls *libc.TLS, _, db, zDb uintptr, frames int32) int32 {
	c, ok := checkpointers.Load(libc.GoString(sqlite3.Xsqlite3_db_filename(tls, db, zDb)))
	inline := frames >= checkpointFrames
	if ok {
		inline = c.(*checkpointer).committed(int64(frames))
	}
	if inline {
		// As SQLite's default hook: the commit has succeeded whatever the checkpoint does.
		sqlite3.Xsqlite3_wal_checkpoint(tls, db, zDb)
	}
	return sqlite3.SQLITE_OK
}

// checkpointer runs a school file's checkpoints on its reader pool, one at a time.
//
// A checkpoint that copies every frame it found does not by itself start the log again:
// SQLite does that at the next write only if no frame was added meanwhile, and under a
// steady stream of writes one always was. So once a background checkpoint has copied the
// bulk, the next commit finishes the job itself, copying the few frames added since
// (at most finishFrames) while it holds the write lock, and the write after it starts
// the log from its beginning.
type checkpointer struct {
	key     string
	readers *sql.DB
	running atomic.Bool
	copied  atomic.Int64  // the log's frames the last background checkpoint copied
	done    *atomic.Int64 // the pool's count of background checkpoints
}

// finishFrames is the most frames left for a commit to copy after a background
// checkpoint.
const finishFrames = checkpointFrames / 4

// committed is told the frames in the log after each commit, and says whether that
// commit should checkpoint the log itself.
func (c *checkpointer) committed(frames int64) (inline bool) {
	copied := c.copied.Load()
	if frames < copied {
		// The log has started again since that checkpoint.
		c.copied.CompareAndSwap(copied, 0)
		copied = 0
	}
	switch {
	case frames < checkpointFrames:
		return false
	case frames >= inlineCheckpointFrames:
		return true
	case c.running.Load():
		return false
	case copied > 0 && frames-copied <= finishFrames:
		return true
	}
	if c.running.CompareAndSwap(false, true) {
		go c.run()
	}
	return false
}

// checkpointTimeout bounds one checkpoint: a passive one never waits for locks, only for
// the disk.
const checkpointTimeout = time.Minute

// startCheckpoints registers a checkpointer for the file at path, read through
// readers, and returns what unregisters it; the file's handles must stay open until
// then.
func startCheckpoints(path string, readers *sql.DB, done *atomic.Int64) (stop func()) {
	c := &checkpointer{key: sqlitePath(path), readers: readers, done: done}
	checkpointers.Store(c.key, c)
	return func() { checkpointers.CompareAndDelete(c.key, c) }
}

// sqlitePath is path as SQLite names the file (sqlite3_db_filename): absolute, with
// symbolic links resolved. A path this gets wrong is only checkpointed in the commit.
func sqlitePath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	if dir, err := filepath.EvalSymlinks(filepath.Dir(path)); err == nil {
		path = filepath.Join(dir, filepath.Base(path))
	}
	return path
}

func (c *checkpointer) run() {
	defer c.running.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), checkpointTimeout)
	defer cancel()
	// PASSIVE copies what no reader still needs and waits for no lock. An error (the
	// file closed meanwhile, a full disk) leaves the log as it was: the next commit
	// past the mark asks again, and closing the file checkpoints it.
	var busy, frames, copied int
	if err := c.readers.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err == nil {
		c.copied.Store(int64(copied))
		c.done.Add(1)
	}
}
