package app_test

import (
	"context"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/auth"
)

// TestListQueryParametersAreNeverIgnored walks every GET operation of the OpenAPI
// document: a list refuses an ordering it does not have (whether it orders by a
// whitelist or has one fixed order) and a page that is not a number, and every
// documented query parameter except free-text search refuses a value it cannot mean,
// naming the parameter, instead of quietly answering as if it had not been sent.
func TestListQueryParametersAreNeverIgnored(t *testing.T) {
	s := apptest.Start(t)
	s.CreateSchool("alpha", "Alpha School")
	_, err := auth.CreatePlatformAdmin(context.Background(), s.App.Catalog, "root@platform.test", "Root", apptest.Password, auth.Meta{})
	require.NoError(t, err)
	school := s.As("alpha", "admin@alpha.test")
	platform := s.Client("localhost", "")
	platform.Login("root@platform.test")

	status, doc := school.JSON("GET", "/api/openapi.json", nil)
	require.Equal(t, 200, status)
	paths := doc["paths"].(map[string]any)
	components := doc["components"].(map[string]any)["schemas"].(map[string]any)
	var names []string
	for p := range paths {
		names = append(names, p)
	}
	sort.Strings(names)
	lists := 0
	for _, path := range names {
		op, ok := paths[path].(map[string]any)["get"].(map[string]any)
		if !ok || strings.Contains(path, "{") {
			continue
		}
		c := school
		if strings.HasPrefix(path, "/api/clients/") {
			c = platform
		}
		var params []string
		ps, _ := op["parameters"].([]any)
		for _, p := range ps {
			params = append(params, p.(map[string]any)["name"].(string))
		}
		isList := false
		if r, ok := op["responses"].(map[string]any)["200"].(map[string]any); ok {
			content, _ := r["content"].(map[string]any)
			asJSON, _ := content["application/json"].(map[string]any)
			schema, _ := asJSON["schema"].(map[string]any)
			if ref, ok := schema["$ref"].(string); ok { // the answer is a component
				schema, _ = components[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
			}
			props, _ := schema["properties"].(map[string]any)
			_, isList = props["results"]
		}
		check := func(query, field string) {
			t.Helper()
			status, body := c.JSON("GET", strings.TrimSuffix(path, "/")+"/?"+query, nil)
			if assert.Equal(t, 400, status, "GET %s/?%s: %v", path, query, body) {
				e, _ := body["error"].(map[string]any)
				f, _ := e["fields"].(map[string]any)
				assert.Contains(t, f, field, "GET %s/?%s names %s: %v", path, query, field, body)
			}
		}
		if isList {
			lists++
			check("ordering=no_such_field", "ordering")
			check("page=abc", "page")
			check("page_size=abc", "page_size")
		}
		for _, p := range params {
			if p == "search" || (isList && (p == "ordering" || p == "page" || p == "page_size")) {
				continue
			}
			check(p+"="+url.QueryEscape("no such value"), p)
		}
	}
	assert.GreaterOrEqual(t, lists, 12, "every list endpoint was tried")
}
