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
