package loadtest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/errs"
)

func TestPercentilesAreNearestRank(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 200; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	assert.Equal(t, 100*time.Millisecond, pct(lat, 0.50))
	assert.Equal(t, 190*time.Millisecond, pct(lat, 0.95))
	assert.Equal(t, 198*time.Millisecond, pct(lat, 0.99))
	assert.Equal(t, 7*time.Millisecond, pct([]time.Duration{7 * time.Millisecond}, 0.99), "one sample is every percentile")
	assert.Zero(t, pct(nil, 0.99))
}

func TestOpenFilesUnderTheDataDirectoryAreCountedApart(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	dir := t.TempDir()
	all0, under0 := FDs(dir)
	require.Zero(t, under0)
	var files []*os.File
	for i := range 3 {
		f, err := os.Create(filepath.Join(dir, "f"+string(rune('a'+i))))
		require.NoError(t, err)
		files = append(files, f)
	}
	// A file beside the directory whose name starts the same is not under it.
	beside, err := os.Create(dir + "-beside")
	require.NoError(t, err)
	defer os.Remove(beside.Name())
	all, under := FDs(dir)
	assert.Equal(t, 3, under)
	assert.GreaterOrEqual(t, all-all0, 4)
	for _, f := range append(files, beside) {
		f.Close()
	}
	assert.Positive(t, RSS())
}

func TestOptionsNameTheFlagAtFault(t *testing.T) {
	o := Defaults()
	require.NoError(t, o.Check())
	o.Conns, o.Scenarios = 0, []string{"list", "lists"}
	err := o.Check()
	var e *errs.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, map[string]string{"--conns": "must be from 1 to 4096",
		"--scenario": `"lists" is not a scenario (sms bench --list names them)`}, e.Fields)
}

func TestLatencyGoalsSayTheClosedLoopMean(t *testing.T) {
	r := Report{Rows: []Row{
		{Scenario: ScenarioList, Name: "list routed", Conns: 32, ReqPerSec: 8000, P99Ms: 9},
		{Scenario: ScenarioList, Name: "list bare", Conns: 32, ReqPerSec: 8000, P99Ms: 9},
		{Scenario: ScenarioAttendance, Name: "register save", Conns: 4, ReqPerSec: 300, P99Ms: 25},
		{Scenario: ScenarioAttendance, Name: "mark-sheet save", Conns: 4, ReqPerSec: 300, P99Ms: 25},
		{Scenario: ScenarioAttendance, Name: "reads beside saves", Conns: 24, ReqPerSec: 2600, P99Ms: 20},
	}}
	byGoal := map[string]Goal{}
	for _, g := range goals(r, Options{Conns: 32}) {
		byGoal[g.Goal] = g
	}
	list := byGoal["routed list ≥ 0.85× bare handler, p99 < 5 ms"]
	assert.Equal(t, "1.00×, p99 9.00 ms (closed loop: 32 connections at 8000 req/s, a mean of 4.0 ms)", list.Value)
	assert.False(t, list.Met)
	save := byGoal["register-save p99 < 20 ms under reads"]
	assert.Equal(t, "25.00 ms (closed loop: 32 connections at 3200 req/s, a mean of 10.0 ms)", save.Value,
		"the mean is the whole scenario's: saves and reads share the machine")
	assert.False(t, save.Met)
	assert.Equal(t, "no requests answered", closedLoop(Row{Conns: 4}))
}
