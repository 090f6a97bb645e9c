package api

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/query"
)

type ref struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type embedded struct {
	Shared string `json:"shared"`
}

type record struct {
	embedded
	ID        int64             `json:"id"`
	Name      string            `json:"name"`
	Score     float64           `json:"score"`
	Active    bool              `json:"active"`
	Born      *string           `json:"born"`
	Class     *ref              `json:"class"`
	Refs      []ref             `json:"refs"`
	Labels    map[string]string `json:"labels"`
	Detail    json.RawMessage   `json:"detail"`
	At        time.Time         `json:"at"`
	Children  []record          `json:"children,omitempty"`
	Hidden    string            `json:"-"`
	secret    string
	Untagged  int
	Anonymous struct {
		X int `json:"x"`
	} `json:"anonymous"`
}

type patch struct {
	Name     *string         `json:"name"`
	Capacity Nullable[int64] `json:"capacity"`
	Class    Nullable[ref]   `json:"class"`
}

func schemaJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// TestReflectedSchemas: structs become components named after package and type, with
// their JSON names (embedded fields flattened, "-" and unexported ones left out);
// pointers and Nullable are nullable; answers require every field but omitempty ones,
// requests none; a list envelope is a component of its own.
func TestReflectedSchemas(t *testing.T) {
	d := NewDoc()
	d.Add("/records/", map[string]Op{
		"get":  {Summary: "list", Tag: "t", Query: []string{"page", "ordering"}, Response: List[record]{}},
		"post": {Summary: "create", Tag: "t", Status: 201, Body: patch{}, Response: record{}},
	})
	s := d.Schemas()
	assert.ElementsMatch(t, []string{"api.Record", "api.Ref", "api.Patch", "api.RecordList"}, keysOf(s))

	rec := s["api.Record"].(map[string]any)
	props := rec["properties"].(map[string]any)
	assert.ElementsMatch(t, []string{"shared", "id", "name", "score", "active", "born", "class", "refs", "labels", "detail", "at",
		"children", "Untagged", "anonymous"}, keysOf(props))
	assert.JSONEq(t, `{"type":"string"}`, schemaJSON(t, props["shared"]))
	assert.JSONEq(t, `{"type":"integer"}`, schemaJSON(t, props["id"]))
	assert.JSONEq(t, `{"type":"number"}`, schemaJSON(t, props["score"]))
	assert.JSONEq(t, `{"type":"boolean"}`, schemaJSON(t, props["active"]))
	assert.JSONEq(t, `{"type":"string","nullable":true}`, schemaJSON(t, props["born"]))
	assert.JSONEq(t, `{"nullable":true,"allOf":[{"$ref":"#/components/schemas/api.Ref"}]}`, schemaJSON(t, props["class"]))
	assert.JSONEq(t, `{"type":"array","items":{"$ref":"#/components/schemas/api.Ref"}}`, schemaJSON(t, props["refs"]))
	assert.JSONEq(t, `{"type":"object","additionalProperties":{"type":"string"}}`, schemaJSON(t, props["labels"]))
	assert.JSONEq(t, `{}`, schemaJSON(t, props["detail"]))
	assert.JSONEq(t, `{"type":"string","format":"date-time"}`, schemaJSON(t, props["at"]))
	assert.JSONEq(t, `{"type":"array","items":{"$ref":"#/components/schemas/api.Record"}}`, schemaJSON(t, props["children"]))
	assert.JSONEq(t, `{"type":"object","properties":{"x":{"type":"integer"}},"required":["x"]}`, schemaJSON(t, props["anonymous"]))
	assert.NotContains(t, rec["required"], "children", "omitempty")
	assert.Contains(t, rec["required"], "born", "a nil pointer is there, as null")
	assert.Contains(t, rec["required"], "shared")

	p := s["api.Patch"].(map[string]any)
	assert.NotContains(t, p, "required", "a request requires nothing the service does not say")
	pp := p["properties"].(map[string]any)
	assert.JSONEq(t, `{"type":"integer","nullable":true}`, schemaJSON(t, pp["capacity"]))
	assert.JSONEq(t, `{"nullable":true,"allOf":[{"$ref":"#/components/schemas/api.Ref"}]}`, schemaJSON(t, pp["class"]))

	assert.JSONEq(t, `{"type":"object","required":["count","next","previous","results"],"properties":{
		"count":{"type":"integer"},"next":{"type":"string","nullable":true},"previous":{"type":"string","nullable":true},
		"results":{"type":"array","items":{"$ref":"#/components/schemas/api.Record"}}}}`, schemaJSON(t, s["api.RecordList"]))

	post := d.Paths()["/records/"].(map[string]any)["post"].(map[string]any)
	assert.JSONEq(t, `{"$ref":"#/components/schemas/api.Patch"}`,
		schemaJSON(t, post["requestBody"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"]))
	assert.Contains(t, post["responses"], "201")
	assert.Equal(t, []Operation{
		{Method: "get", Path: "/records/", Response: reflect.TypeFor[List[record]]()},
		{Method: "post", Path: "/records/", Body: reflect.TypeFor[patch](), Response: reflect.TypeFor[record]()},
	}, d.Operations())
}

func TestOrderingDocumented(t *testing.T) {
	o := query.NewOrdering(map[string]string{"name": "n", "level": "l"}, "-level")
	d := NewDoc()
	d.Add("/x/{id}/", map[string]Op{"get": {Summary: "x", Tag: "t", Query: []string{"ordering"}, Ordering: &o}})
	item := d.Paths()["/x/{id}/"].(map[string]any)
	assert.JSONEq(t, `[{"name":"id","in":"path","required":true,"schema":{"type":"string"}}]`, schemaJSON(t, item["parameters"]))
	assert.JSONEq(t, `[{"name":"ordering","in":"query","schema":{"type":"string"},
		"description":"comma-separated, - before a field for descending: level, name (default -level)"}]`,
		schemaJSON(t, item["get"].(map[string]any)["parameters"]))
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
