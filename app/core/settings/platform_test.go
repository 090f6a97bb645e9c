package settings_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/auth"
)

// TestPlatformCreateSetsCountryAndTimezone: the platform API creates a school with the
// country and timezone it is given, else with the platform's defaults; bad values are
// refused by name and create nothing.
func TestPlatformCreateSetsCountryAndTimezone(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	_, err := auth.CreatePlatformAdmin(ctx, s.App.Catalog, "root@platform.test", "Root", apptest.Password, auth.Meta{})
	require.NoError(t, err)
	p := s.Client("localhost", "")
	status, body := p.JSON("POST", "/api/auth/token", map[string]string{"email": "root@platform.test", "password": apptest.Password, "name": "t"})
	require.Equal(t, 201, status, "%v", body)
	p.Token = body["token"].(string)

	status, body = p.JSON("POST", "/api/clients/tenants/", map[string]any{"schema_name": "gamma", "name": "Gamma", "country_code": "tz", "timezone": "Africa/Dar_es_Salaam"})
	require.Equal(t, 201, status, "%v", body)
	g := profileOf(t, s, "gamma")
	assert.Equal(t, []string{"TZ", "Africa/Dar_es_Salaam"}, []string{g.CountryCode, g.Timezone})

	_, err = s.App.Clients.SetSetting(ctx, "default-country", "NG")
	require.NoError(t, err)
	_, err = s.App.Clients.SetSetting(ctx, "default-timezone", "Africa/Lagos")
	require.NoError(t, err)
	status, body = p.JSON("POST", "/api/clients/tenants/", map[string]any{"schema_name": "delta", "name": "Delta"})
	require.Equal(t, 201, status, "%v", body)
	d := profileOf(t, s, "delta")
	assert.Equal(t, []string{"NG", "Africa/Lagos"}, []string{d.CountryCode, d.Timezone})

	for field, body := range map[string]map[string]any{
		"timezone":     {"schema_name": "epsilon", "name": "Epsilon", "timezone": "Mars/Olympus"},
		"country_code": {"schema_name": "epsilon", "name": "Epsilon", "country_code": "Narnia"},
	} {
		status, got := p.JSON("POST", "/api/clients/tenants/", body)
		assert.Equal(t, 400, status, "%v", got)
		assert.Contains(t, fmt.Sprint(got["error"]), field)
	}
	_, err = s.App.Clients.Get(ctx, "epsilon")
	assert.Error(t, err, "nothing was created")
}
