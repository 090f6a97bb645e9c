package api

import (
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/schoolsms/sms/app/query"
)

// Doc is an OpenAPI 3.0 document being built: its paths, and the component schemas
// their operations refer to, reflected from the Go types the handlers decode and
// encode (see schemaOf), so a schema cannot drift from its type.
type Doc struct {
	paths   map[string]any
	schemas map[string]any
	ops     []Operation
}

// Operation is a described operation with the Go types of its bodies, so a test can
// check the document against the handlers.
type Operation struct {
	Method, Path   string
	Body, Response reflect.Type // nil when the operation has no JSON body of that side
}

// Op describes one operation.
type Op struct {
	Summary string
	Tag     string
	Query   []string // query parameters (strings)
	// Ordering, when set, documents ?ordering= with the fields the list can be ordered by.
	Ordering *query.Ordering
	// Body is a value of the type the handler decodes the request into (nil: none), and
	// Response of the type it answers with (List[T]{} for a paged list).
	Body, Response any
	// BodyContent and ResponseContent describe bodies that are not JSON (an upload, a
	// spreadsheet), as OpenAPI content objects keyed by media type.
	BodyContent, ResponseContent map[string]any
	Status                       int // success status; 0 means 200
}

// NewDoc starts an empty document.
func NewDoc() *Doc { return &Doc{paths: map[string]any{}, schemas: map[string]any{}} }

// Add describes path's operations, keyed by lower-case method.
func (d *Doc) Add(path string, ops map[string]Op) {
	item := map[string]any{}
	var params []any
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			params = append(params, map[string]any{"name": seg[1 : len(seg)-1], "in": "path", "required": true,
				"schema": map[string]any{"type": "string"}})
		}
	}
	if len(params) > 0 {
		item["parameters"] = params
	}
	for _, method := range slices.Sorted(maps.Keys(ops)) {
		op := ops[method]
		o := map[string]any{"summary": op.Summary, "tags": []string{op.Tag}}
		var qs []any
		for _, q := range op.Query {
			p := map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": "string"}}
			if q == "ordering" && op.Ordering != nil {
				p["description"] = "comma-separated, - before a field for descending: " + strings.Join(op.Ordering.Names(), ", ") +
					" (default " + op.Ordering.Default().String() + ")"
			}
			qs = append(qs, p)
		}
		if len(qs) > 0 {
			o["parameters"] = qs
		}
		record := Operation{Method: method, Path: path}
		switch {
		case op.Body != nil:
			record.Body = reflect.TypeOf(op.Body)
			o["requestBody"] = map[string]any{"required": true,
				"content": map[string]any{"application/json": map[string]any{"schema": d.schemaOf(record.Body, true)}}}
		case op.BodyContent != nil:
			o["requestBody"] = map[string]any{"required": true, "content": op.BodyContent}
		}
		status := op.Status
		if status == 0 {
			status = 200
		}
		resp := map[string]any{"description": "success"}
		switch {
		case op.Response != nil:
			record.Response = reflect.TypeOf(op.Response)
			resp["content"] = map[string]any{"application/json": map[string]any{"schema": d.schemaOf(record.Response, false)}}
		case op.ResponseContent != nil:
			resp["content"] = op.ResponseContent
		}
		o["responses"] = map[string]any{
			strconv.Itoa(status): resp,
			"default":            map[string]any{"$ref": "#/components/responses/Error"},
		}
		item[method] = o
		d.ops = append(d.ops, record)
	}
	d.paths[path] = item
}

// Schema is the schema of v's type for use outside an operation (a shared response),
// registering its component.
func (d *Doc) Schema(v any) map[string]any { return d.schemaOf(reflect.TypeOf(v), false) }

// Paths are the path items described so far; a caller may amend an item (a second
// success status) before the document is served.
func (d *Doc) Paths() map[string]any { return d.paths }

// Schemas are the component schemas the operations refer to, by name.
func (d *Doc) Schemas() map[string]any { return d.schemas }

// Operations are the operations described, in the order they were added.
func (d *Doc) Operations() []Operation { return d.ops }
