package studentimport_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/studentimport"
	"github.com/schoolsms/sms/db"
)

// childEnv names the data directory, school and file of an import the test binary
// runs as a process of its own (see importChild).
const childEnv = "SMS_TEST_IMPORT_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(importChild(spec))
	}
	os.Exit(m.Run())
}

// importChild is the other process of TestImportInAnotherProcessBesideServerWrites:
// what `sms import students` does, beside the test's server, on "dir|schema|file".
// It prints the result as JSON.
func importChild(spec string) int {
	parts := strings.SplitN(spec, "|", 3)
	ctx := context.Background()
	cfg := app.DefaultConfig()
	cfg.DataDir = parts[0]
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer a.Close()
	body, err := os.ReadFile(parts[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	rows, problems, err := studentimport.ParseFile(parts[2], body)
	if err != nil || len(problems) > 0 {
		fmt.Fprintln(os.Stderr, err, problems)
		return 1
	}
	var res studentimport.Result
	err = a.Pool.WithTenant(ctx, parts[1], func(t *db.Tenant) error {
		res, err = studentimport.New(t).Import(ctx, rows, false, auth.Meta{ActorEmail: "cli"})
		return err
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

// TestImportInAnotherProcessBesideServerWrites: while another process imports
// thousands of students into a school, the server keeps taking writes to it: each
// either works or (when the lock cannot be had in time) answers 503 busy with
// Retry-After; none fails with 500, and every write that was answered 201 is there
// beside the whole import.
func TestImportInAnotherProcessBesideServerWrites(t *testing.T) {
	s := apptest.Start(t)
	school(t, s, "alpha")
	roomyClasses(t, s, "alpha")
	c := s.As("alpha", "admin@alpha.test")
	const n = 5000
	file := filepath.Join(t.TempDir(), "students.csv")
	require.NoError(t, os.WriteFile(file, bigCSV(n, "P"), 0o600))
	before := s.Count("alpha", "students")

	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"="+s.App.Config.DataDir+"|alpha|"+file)
	var stdout, stderr bytes.Buffer
	child.Stdout, child.Stderr = &stdout, &stderr
	require.NoError(t, child.Start())
	done := make(chan error, 1)
	go func() { done <- child.Wait() }()

	statuses := map[int]int{}
	var childErr error
	for i, finished := 0, false; !finished; i++ {
		select {
		case childErr = <-done:
			finished = true
			continue
		default:
		}
		status, h, raw := c.Do("POST", "/api/core/students/", "application/json",
			strings.NewReader(fmt.Sprintf(`{"first_name":"Server%d","last_name":"Write","gender":"female"}`, i)))
		statuses[status]++
		switch status {
		case 201:
		case 503:
			assert.Contains(t, string(raw), `"code":"busy"`)
			assert.NotEmpty(t, h.Get("Retry-After"))
		default:
			t.Errorf("a write beside the import answered %d: %s", status, raw)
		}
	}
	require.NoError(t, childErr, stderr.String())
	var res studentimport.Result
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &res), stdout.String())
	assert.Equal(t, n, res.Created)
	t.Logf("server writes during the import: %v", statuses)
	assert.Positive(t, statuses[201]+statuses[503], "the server was written to during the import")
	assert.Equal(t, before+n+statuses[201], s.Count("alpha", "students"))
}
