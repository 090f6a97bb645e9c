package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestTenantPlace: sms tenant place records which appliance serves a school, tenant
// list and show print it, "" places it back here, and bad input changes nothing.
func TestTenantPlace(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	mustRun(t, data, "tenant", "create", "--schema", "alpha", "--name", "Alpha High")
	assert.Equal(t, "", showTenant(t, data, "alpha").Appliance, "a new school is served where it was made")

	assert.Equal(t, "placed alpha on box-2\n", mustRun(t, data, "tenant", "place", "--schema", "alpha", "--appliance", "box-2"))
	assert.Equal(t, "box-2", showTenant(t, data, "alpha").Appliance)
	assert.Regexp(t, `(?m)^alpha\s+Alpha High\s+active\s+box-2\s+alpha\.localhost$`, mustRun(t, data, "tenant", "list"))
	assert.Regexp(t, `(?m)^appliance:\s+box-2$`, mustRun(t, data, "tenant", "show", "alpha"))

	for _, bad := range []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"a name with a dot", []string{"--schema", "alpha", "--appliance", "box.2"}, 1, []string{"--appliance", "lower-case"}},
		{"upper case", []string{"--schema", "alpha", "--appliance", "Box2"}, 1, []string{"--appliance"}},
		{"no such school", []string{"--schema", "beta", "--appliance", "box-3"}, 1, []string{`no school with schema "beta"`}},
		{"without --appliance", []string{"--schema", "alpha"}, 2, []string{"--appliance is required"}},
		{"without --schema", []string{"--appliance", "box-3"}, 2, []string{"--schema is required"}},
	} {
		t.Run(bad.name, func(t *testing.T) {
			code, out, errOut := run(t, data, append([]string{"tenant", "place"}, bad.args...)...)
			assertFailure(t, bad.code, code, out, errOut, bad.wants...)
			assert.Equal(t, "box-2", showTenant(t, data, "alpha").Appliance, "unchanged")
		})
	}

	assert.Equal(t, "placed alpha on this appliance\n", mustRun(t, data, "tenant", "place", "--schema", "alpha", "--appliance", ""))
	assert.Equal(t, "", showTenant(t, data, "alpha").Appliance)
}
