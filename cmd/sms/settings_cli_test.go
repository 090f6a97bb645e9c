package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/db"
)

// place reads the country and timezone stored in the school's own file.
func place(t testing.TB, dataDir, schema string) [2]string {
	t.Helper()
	var out [2]string
	withApp(t, dataDir, func(ctx context.Context, a *app.App) {
		err := a.Pool.WithTenant(ctx, schema, func(tn *db.Tenant) error {
			p, err := tn.Read().GetSchoolProfile(ctx)
			out = [2]string{p.CountryCode, p.Timezone}
			return err
		})
		require.NoError(t, err)
	})
	return out
}

// TestTenantCreateCountryTimezone: a school is created with the country and timezone it
// is given, else with the platform's defaults, else with none and UTC; bad values are
// refused by name and create nothing.
func TestTenantCreateCountryTimezone(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)

	mustRun(t, data, "tenant", "create", "--schema", "nairobi", "--name", "Nairobi School", "--country", "ke", "--timezone", "Africa/Nairobi")
	assert.Equal(t, [2]string{"KE", "Africa/Nairobi"}, place(t, data, "nairobi"))

	mustRun(t, data, "tenant", "create", "--schema", "plain", "--name", "Plain School")
	assert.Equal(t, [2]string{"", "UTC"}, place(t, data, "plain"), "no platform defaults yet")

	assert.Equal(t, "default-country=UG\n", mustRun(t, data, "settings", "set", "default-country", "ug"))
	assert.Equal(t, "default-timezone=Africa/Kampala\n", mustRun(t, data, "settings", "set", "default-timezone", "Africa/Kampala"))
	assert.Equal(t, "default-country=UG\ndefault-timezone=Africa/Kampala\n", mustRun(t, data, "settings", "list"))

	mustRun(t, data, "tenant", "create", "--schema", "kampala", "--name", "Kampala School")
	assert.Equal(t, [2]string{"UG", "Africa/Kampala"}, place(t, data, "kampala"), "the platform's defaults")
	mustRun(t, data, "tenant", "create", "--schema", "lagos", "--name", "Lagos School", "--country", "NG")
	assert.Equal(t, [2]string{"NG", "Africa/Kampala"}, place(t, data, "lagos"), "a flag wins over its default")

	code, out, errOut := run(t, data, "tenant", "create", "--schema", "mars", "--name", "Mars School", "--timezone", "Mars/Olympus")
	assertFailure(t, 1, code, out, errOut, "timezone")
	code, out, errOut = run(t, data, "tenant", "create", "--schema", "mars", "--name", "Mars School", "--country", "XX")
	assertFailure(t, 1, code, out, errOut, "country_code")
	code, out, errOut = run(t, data, "tenant", "create", "--schema", "mars", "--name", "Mars School", "--timezone", "Local")
	assertFailure(t, 1, code, out, errOut, "timezone")
	assert.NoFileExists(t, tenantFile(data, "mars"))
	assert.Len(t, listTenants(t, data), 4)

	code, out, errOut = run(t, data, "settings", "set", "default-timezone", "Nowhere/Town")
	assertFailure(t, 1, code, out, errOut, "timezone")
	code, out, errOut = run(t, data, "settings", "set", "colour", "blue")
	assertFailure(t, 1, code, out, errOut, "colour", "default-country")
	assert.Equal(t, "default-country=UG\ndefault-timezone=Africa/Kampala\n", mustRun(t, data, "settings", "list"), "nothing changed")

	assert.Equal(t, "default-country=\n", mustRun(t, data, "settings", "set", "default-country", ""))
	mustRun(t, data, "tenant", "create", "--schema", "nowhere", "--name", "No Country School")
	assert.Equal(t, [2]string{"", "Africa/Kampala"}, place(t, data, "nowhere"))
}
