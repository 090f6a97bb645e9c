package app

import (
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/tenancy"
)

// TestOpenAPIMatchesRoutes: every /api route registered on either realm, and the health
// probes, are described, and every described operation exists.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	a := openTestApp(t, testConfig(t, t.TempDir(), 2))
	s := NewServer(a)
	registered := map[string]bool{}
	for _, r := range s.Fiber().GetRoutes(true) {
		if r.Method == "HEAD" || r.Method == "USE" {
			continue
		}
		path := r.Path
		for _, prefix := range []string{tenancy.TenantRoutes, tenancy.PlatformRoutes} {
			path = strings.TrimPrefix(path, prefix)
		}
		if !strings.HasPrefix(path, "/api/") && path != "/healthz" && path != "/readyz" {
			continue
		}
		var segs []string
		for _, seg := range strings.Split(strings.TrimSuffix(path, "/"), "/") {
			if strings.HasPrefix(seg, ":") {
				seg = "{" + strings.TrimSuffix(seg[1:], "?") + "}"
			}
			segs = append(segs, seg)
		}
		registered[strings.ToLower(r.Method)+" "+strings.Join(segs, "/")] = true
	}
	documented := map[string]bool{}
	for path, item := range s.openapi["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			if method == "parameters" {
				continue
			}
			documented[method+" "+strings.TrimSuffix(path, "/")] = true
		}
	}
	var undocumented, missing []string
	for k := range registered {
		if !documented[k] {
			undocumented = append(undocumented, k)
		}
	}
	for k := range documented {
		if !registered[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(undocumented)
	sort.Strings(missing)
	assert.Empty(t, undocumented, "routes without an OpenAPI description")
	assert.Empty(t, missing, "described operations without a route")
	require.NotEmpty(t, registered)

	srv := startServer(t, a)
	status, doc := get(t, srv, "localhost", "/api/openapi.json")
	require.Equal(t, 200, status)
	assert.Equal(t, "3.0.3", doc["openapi"])
	ready := doc["paths"].(map[string]any)["/readyz"].(map[string]any)["get"].(map[string]any)["responses"].(map[string]any)
	assert.Contains(t, ready, "200")
	assert.Contains(t, ready, "503", "the not-ready answer is documented")
}
