package app

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSchoolPlacedElsewhereIsMisdirected: an appliance serves the schools placed on it
// by name and those placed nowhere else; a school placed on another appliance (by
// another process, sms tenant place) is answered 421 by host and by /t/ path, without
// naming the other appliance, and served again once it is placed back.
func TestSchoolPlacedElsewhereIsMisdirected(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir, 4)
	cfg.Appliance = "box-a"
	a := openTestApp(t, cfg)
	a.Resolver.CheckEvery = 0
	createSchool(t, a, "stay", "Stay School")
	createSchool(t, a, "roam", "Roam School")
	createSchool(t, a, "named", "Named School")
	s := startServer(t, a)
	cli := openTestApp(t, testConfig(t, dir, 4)) // sms tenant place, run beside the server
	ctx := context.Background()

	_, err := cli.Clients.Place(ctx, "named", "box-a")
	require.NoError(t, err)
	_, err = cli.Clients.Place(ctx, "roam", "box-b")
	require.NoError(t, err)

	for _, c := range []struct{ host, path, schema string }{
		{"stay.localhost", "/api/tenant", "stay"},
		{"named.localhost", "/api/tenant", "named"},
		{"localhost", "/t/named/api/tenant", "named"},
	} {
		status, body := get(t, s, c.host, c.path)
		assert.Equal(t, 200, status, "%s%s: %v", c.host, c.path, body)
		assert.Equal(t, c.schema, body["schema_name"])
	}
	for _, c := range []struct{ host, path string }{{"roam.localhost", "/api/tenant"}, {"localhost", "/t/roam/api/tenant"}} {
		status, raw := getRaw(t, s, c.host, c.path)
		assert.Equal(t, 421, status, "%s%s: %s", c.host, c.path, raw)
		assert.Contains(t, raw, `"code":"misdirected"`)
		assert.Contains(t, raw, "Roam School")
		assert.NotContains(t, raw, "box-b", "the other appliance is not named")
		assert.NotContains(t, raw, "box-a")
	}
	status, _ := getRaw(t, s, "roam.localhost", "/login", "Accept", "text/html")
	assert.Equal(t, 421, status, "browsers get the error page with the same status")

	_, err = cli.Clients.Place(ctx, "roam", "")
	require.NoError(t, err)
	status, body := get(t, s, "roam.localhost", "/api/tenant")
	assert.Equal(t, 200, status, "%v", body)
}

// TestApplianceName: --appliance / SMS_APPLIANCE becomes a token of NATS subjects and
// consumer names; a name that cannot be one is refused before anything opens.
func TestApplianceName(t *testing.T) {
	for _, ok := range []string{"", "a", "box-2", "rack_1-node3"} {
		cfg := testConfig(t, t.TempDir(), 2)
		cfg.Appliance = ok
		assert.NoError(t, cfg.Validate(), ok)
	}
	for _, bad := range []string{"box.2", "Box", "-box", "box 2", "box>", "box*", "ä"} {
		cfg := testConfig(t, t.TempDir(), 2)
		cfg.Appliance = bad
		assert.ErrorContains(t, cfg.Validate(), "appliance", bad)
	}
	cfg, err := DefaultConfig().FromEnv(func(k string) string {
		if k == "SMS_APPLIANCE" {
			return "box-9"
		}
		return ""
	})
	require.NoError(t, err)
	assert.Equal(t, "box-9", cfg.Appliance)
}
