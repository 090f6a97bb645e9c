package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/app/loadtest"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// benchReport reads the JSON sms bench wrote.
func benchReport(t *testing.T, path string) loadtest.Report {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var rep loadtest.Report
	require.NoError(t, json.Unmarshal(raw, &rep), string(raw))
	return rep
}

// TestBenchRunsEveryScenario runs the real command with tiny settings: every scenario
// measures requests, none fails, and the table and the JSON say so.
func TestBenchRunsEveryScenario(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "bench-data")
	out := filepath.Join(dir, "bench.json")
	code, stdout, stderr := run(t, "", "--data", data, "bench", "--schools", "2", "--students", "24", "--school-students", "4",
		"--conns", "4", "--duration", "300ms", "--caps", "4", "--json", out)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	rep := benchReport(t, out)
	seen := map[string]int{}
	for _, r := range rep.Rows {
		seen[r.Scenario]++
		assert.Positive(t, r.Requests, "%s: no requests", r.Name)
		assert.Zero(t, r.Errors, "%s: %s", r.Name, r.FirstError)
		assert.Positive(t, r.RSSMB, "%s: no RSS sampled", r.Name)
		assert.Contains(t, stdout, "| "+r.Name+" |")
	}
	for _, s := range loadtest.Scenarios {
		assert.Positive(t, seen[s.Name], "scenario %s has no row", s.Name)
	}
	assert.Equal(t, 4, seen[loadtest.ScenarioList], "list: routed and bare, for the list and a search")
	assert.Equal(t, 3, seen[loadtest.ScenarioSchools], "schools: one school, uniform and Zipf at the one cap")
	assert.NotEmpty(t, rep.Goals)
	assert.FileExists(t, filepath.Join(data, "catalog.db"), "--data keeps the data")

	// A second run on the same directory reuses the schools it finds.
	code, stdout, stderr = run(t, "", "--data", data, "bench", "--scenario", "list", "--students", "24",
		"--conns", "2", "--duration", "100ms", "--json", out)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	rep = benchReport(t, out)
	require.Len(t, rep.Rows, 4)
	for _, r := range rep.Rows {
		assert.Zero(t, r.Errors, "%s: %s", r.Name, r.FirstError)
	}
}

// TestBenchRefusesBadInput: a mistake names the flag, exits 2 and writes nothing; a data
// directory the bench did not make is never used.
func TestBenchRefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown scenario", []string{"--scenario", "list,nope"}, `--scenario "nope" is not a scenario`},
		{"no connections", []string{"--conns", "0"}, "--conns must be from 1 to 4096"},
		{"no time", []string{"--duration", "0s"}, "--duration must be more than 0"},
		{"zero students", []string{"--students", "0"}, "--students must be from 1"},
		{"a zero cap", []string{"--caps", "16,0"}, "--caps must be whole numbers of 1 or more"},
		{"url without host", []string{"--url", "http://127.0.0.1:1", "--email", "a@b.test"}, "--host is required with --url"},
		{"url with a local scenario", []string{"--url", "http://127.0.0.1:1", "--host", "a.localhost", "--email", "a@b.test",
			"--scenario", "schools"}, `--scenario "schools" needs the appliance in this process`},
		{"host without url", []string{"--host", "a.localhost"}, "--url is required with --host"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.json")
			code, _, stderr := run(t, "", append([]string{"bench", "--json", out}, tc.args...)...)
			assert.Equal(t, 2, code, stderr)
			assert.Contains(t, stderr, tc.want)
			assert.NoFileExists(t, out)
		})
	}

	t.Run("a directory with other data", func(t *testing.T) {
		data := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(data, "catalog.db"), []byte("real data"), 0o600))
		code, _, stderr := run(t, "", "--data", data, "bench", "--scenario", "list", "--duration", "100ms")
		assert.Equal(t, 2, code, stderr)
		assert.Contains(t, stderr, "holds data the bench did not make")
		entries, err := os.ReadDir(data)
		require.NoError(t, err)
		assert.Len(t, entries, 1, "nothing written beside the data")
	})
}

// TestBenchDrivesARunningServer points the bench at a server by URL: it signs in with
// the password from stdin and measures that school's list and search.
func TestBenchDrivesARunningServer(t *testing.T) {
	s := apptest.Start(t)
	s.CreateSchool("remote", "Remote School")
	s.WithSchool("remote", func(tn *db.Tenant) error {
		return tn.Tx(context.Background(), func(q *tenantdb.Queries, _ *sql.Tx) error {
			for i, name := range []string{"Amina Odhiambo", "Brian Kamau", "Grace Wanjiru"} {
				first, last, _ := strings.Cut(name, " ")
				if _, err := students.CreateStudent(context.Background(), q, students.StudentInput{FirstName: first, LastName: last,
					Gender: []string{"female", "male"}[i%2]}, auth.Meta{}); err != nil {
					return err
				}
			}
			return nil
		})
	})
	out := filepath.Join(t.TempDir(), "remote.json")
	code, stdout, stderr := runStdin(t, "", apptest.Password+"\n", "bench", "--url", s.URL, "--host", "remote.localhost",
		"--email", "admin@remote.test", "--password-stdin", "--conns", "2", "--duration", "200ms", "--json", out)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	rep := benchReport(t, out)
	assert.Equal(t, s.URL, rep.Target)
	require.Len(t, rep.Rows, 2)
	for _, r := range rep.Rows {
		assert.Positive(t, r.Requests, r.Name)
		assert.Zero(t, r.Errors, "%s: %s", r.Name, r.FirstError)
	}

	t.Run("a wrong password", func(t *testing.T) {
		code, _, stderr := runStdin(t, "", "not the password\n", "bench", "--url", s.URL, "--host", "remote.localhost",
			"--email", "admin@remote.test", "--password-stdin", "--duration", "100ms")
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "answered 401")
	})
}
