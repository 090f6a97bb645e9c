package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/backup"
)

// logBuffer collects JSON log lines from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records returns the log lines whose msg is one of msgs.
func (b *logBuffer) records(t *testing.T, msgs ...string) []map[string]any {
	t.Helper()
	b.mu.Lock()
	raw := append([]byte(nil), b.buf.Bytes()...)
	b.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), sc.Text())
		for _, msg := range msgs {
			if m["msg"] == msg {
				out = append(out, m)
			}
		}
	}
	return out
}

// TestScheduledBackupsKeepTheNewest runs sms serve's schedule with a short interval:
// every run writes one backup and one log line, and only the newest backups stay.
func TestScheduledBackupsKeepTheNewest(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir, 4)
	cfg.BackupEvery = 20 * time.Millisecond
	cfg.BackupKeep = 2
	logs := &logBuffer{}
	a, err := Open(context.Background(), cfg, slog.New(slog.NewJSONHandler(logs, nil)))
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	createSchool(t, a, "alpha", "Alpha Academy")
	createSchool(t, a, "beta", "Beta College")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- NewServer(a).Run(ctx, ln) }()
	waitFor(t, func() bool { return len(logs.records(t, "backup written")) >= 5 })
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return")
	}

	runs := logs.records(t, "backup written", "backup incomplete", "backup failed", "backup interrupted")
	written := logs.records(t, "backup written")
	require.GreaterOrEqual(t, len(written), 5)
	seen := map[string]bool{}
	for _, r := range written {
		d, _ := r["dir"].(string)
		assert.False(t, seen[d], "one line per run: %s logged twice", d)
		seen[d] = true
		assert.Equal(t, float64(2), r["schools"])
		assert.NotEmpty(t, r["size"])
	}
	for _, r := range runs[:len(runs)-1] {
		assert.Equal(t, "backup written", r["msg"], "only the run cut off by the shutdown may fail: %v", r)
	}
	if last := runs[len(runs)-1]; last["msg"] != "backup written" {
		assert.Equal(t, "backup interrupted", last["msg"], "%v", last)
	}

	kept, err := backup.List(cfg.BackupsDir())
	require.NoError(t, err)
	require.Len(t, kept, 2, "keep 2")
	assert.Equal(t, written[len(written)-2]["dir"], kept[0].Dir, "the newest two are kept")
	assert.Equal(t, written[len(written)-1]["dir"], kept[1].Dir)

	// What is kept restores.
	fresh := openTestApp(t, testConfig(t, t.TempDir(), 4))
	rep, err := fresh.Backup.Restore(context.Background(), kept[1].Dir, backup.RestoreOptions{})
	require.NoError(t, err)
	assert.Len(t, rep.Schools, 2)
}

// TestBackupScheduleCountsFromTheNewestBackup: a server restarted before the interval
// is over does not back up again at once; it waits for the interval since the last one.
func TestBackupScheduleCountsFromTheNewestBackup(t *testing.T) {
	a := openTestApp(t, testConfig(t, t.TempDir(), 4))
	createSchool(t, a, "alpha", "Alpha Academy")
	parent := a.Config.BackupsDir()
	_, err := a.Backup.BackupInto(context.Background(), parent)
	require.NoError(t, err)

	logs := &logBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		RunBackupSchedule(ctx, a.Backup, parent, time.Hour, 7, slog.New(slog.NewJSONHandler(logs, nil)), nil)
	}()
	time.Sleep(200 * time.Millisecond)
	cancel()
	<-done
	all, err := backup.List(parent)
	require.NoError(t, err)
	assert.Len(t, all, 1)
	assert.Empty(t, logs.records(t, "backup written", "backup failed"))

	// With no backup yet, the first one is made at once.
	ctx, cancel = context.WithCancel(context.Background())
	done = make(chan struct{})
	go func() {
		defer close(done)
		RunBackupSchedule(ctx, a.Backup, t.TempDir(), time.Hour, 7, slog.New(slog.NewJSONHandler(logs, nil)), nil)
	}()
	waitFor(t, func() bool { return len(logs.records(t, "backup written")) == 1 })
	cancel()
	<-done
}

func TestScheduledBackupLogsAFailure(t *testing.T) {
	a := openTestApp(t, testConfig(t, t.TempDir(), 4))
	logs := &logBuffer{}
	// A file where the backups directory should be: every run fails, one line each.
	blocked := t.TempDir() + "/file"
	require.NoError(t, os.WriteFile(blocked, []byte("x"), 0o600))
	ScheduledBackup(context.Background(), a.Backup, blocked, 7, slog.New(slog.NewJSONHandler(logs, nil)))
	fails := logs.records(t, "backup failed")
	require.Len(t, fails, 1)
	assert.Equal(t, blocked, fails[0]["dir"])
	assert.NotEmpty(t, fails[0]["error"])
}

// waitFor waits for ok with a bound generous enough for the race detector on a busy
// machine (a backup run takes far longer there).
func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 60s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
