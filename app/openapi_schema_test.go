package app

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/api"
)

// example builds a value a schema allows, every property filled in, resolving
// component references.
func example(t *testing.T, schemas map[string]any, s map[string]any) any {
	t.Helper()
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		c, ok := schemas[name].(map[string]any)
		require.True(t, ok, "no component %s", name)
		return example(t, schemas, c)
	}
	if all, ok := s["allOf"].([]any); ok {
		return example(t, schemas, all[0].(map[string]any))
	}
	switch s["type"] {
	case "object":
		out := map[string]any{}
		props, _ := s["properties"].(map[string]any)
		for k, p := range props {
			out[k] = example(t, schemas, p.(map[string]any))
		}
		if ap, ok := s["additionalProperties"].(map[string]any); ok {
			out["key"] = example(t, schemas, ap)
		}
		return out
	case "array":
		return []any{example(t, schemas, s["items"].(map[string]any))}
	case "string":
		return "2026-01-05"
	case "integer":
		return 1
	case "number":
		return 1.5
	case "boolean":
		return true
	}
	return map[string]any{} // any JSON
}

// jsonSchema is the JSON schema of a request body or success answer, nil for none.
func jsonSchema(content any) map[string]any {
	c, _ := content.(map[string]any)
	j, _ := c["application/json"].(map[string]any)
	s, _ := j["schema"].(map[string]any)
	return s
}

// decodeErrors are the field messages api.Decode gives for a body that does not fit
// the type it decodes into.
var decodeErrors = map[string]bool{"is not a known field": true, "must be a string": true, "must be a number": true,
	"must be a boolean (true or false)": true, "must be a list": true, "must be a object": true}

// TestOpenAPISchemasFitTheHandlers: every operation's request and response bodies are
// component schemas reflected from Go types. An example built from each request schema
// (every field filled in) decodes, unknown fields refused, into the type the document
// names, and is accepted as a body by the handler itself: whatever it answers, it is not
// a complaint about the body's fields or types. An example of each response schema
// decodes into its type the same way.
func TestOpenAPISchemasFitTheHandlers(t *testing.T) {
	w := newAuthWorld(t)
	doc, raw := NewServer(w.App).doc, NewServer(w.App).openapi
	schemas := raw["components"].(map[string]any)["schemas"].(map[string]any)
	schoolTok := token(t, w, "alpha.localhost", "", "admin@alpha.school")
	platformTok := token(t, w, "localhost", "", "root@platform.org")

	checked := 0
	for _, op := range doc.Operations() {
		name := op.Method + " " + op.Path
		item := raw["paths"].(map[string]any)[op.Path].(map[string]any)[op.Method].(map[string]any)
		if op.Body != nil {
			s := jsonSchema(item["requestBody"].(map[string]any)["content"])
			require.Contains(t, s, "$ref", "%s: the request body is a component", name)
			body, err := json.Marshal(example(t, schemas, s))
			require.NoError(t, err)
			require.NoError(t, api.DecodeJSON(body, reflect.New(op.Body).Interface()), "%s: %s into %s", name, body, op.Body)

			host, tok := "alpha.localhost", schoolTok
			if strings.HasPrefix(op.Path, "/api/clients/") {
				host, tok = "localhost", platformTok
			}
			// Ids that name nothing: the handler decodes the body before it looks the record
			// up, and nothing the test relies on (its own accounts) is changed.
			path := strings.NewReplacer("{id}", "999999", "{guardian}", "999999", "{schema}", "nowhere",
				"{domain}", "nowhere.localhost").Replace(op.Path)
			req, err := http.NewRequest(strings.ToUpper(op.Method), w.URL+path, bytes.NewReader(body))
			require.NoError(t, err)
			req.Host = host
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := client.Do(req)
			require.NoError(t, err)
			var answer struct {
				Error struct {
					Message string            `json:"message"`
					Fields  map[string]string `json:"fields"`
				} `json:"error"`
			}
			json.NewDecoder(resp.Body).Decode(&answer)
			resp.Body.Close()
			assert.NotContains(t, answer.Error.Message, "request body", "%s: %s", name, body)
			assert.NotContains(t, answer.Error.Message, "no such page", "%s: the path exists", name)
			if signIn := op.Path == "/api/auth/login" || op.Path == "/api/auth/token"; !signIn {
				assert.NotContains(t, []int{401, 403}, resp.StatusCode, "%s: the handler was reached: %s", name, answer.Error.Message)
			}
			for f, msg := range answer.Error.Fields {
				assert.False(t, decodeErrors[msg], "%s: the handler refused %s: %s", name, f, msg)
			}
			checked++
		}
		if op.Response != nil {
			var s map[string]any
			for status, r := range item["responses"].(map[string]any) {
				if status != "default" {
					s = jsonSchema(r.(map[string]any)["content"])
				}
			}
			require.Contains(t, s, "$ref", "%s: the answer is a component", name)
			body, err := json.Marshal(example(t, schemas, s))
			require.NoError(t, err)
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			require.NoError(t, dec.Decode(reflect.New(op.Response).Interface()), "%s: %s into %s", name, body, op.Response)
		}
	}
	assert.Greater(t, checked, 30, "request bodies checked against their handlers")
}
