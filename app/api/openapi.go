package api

import "strings"

// Op describes one operation for the OpenAPI document, in the few terms the handlers
// here need; Item turns a set of them into an OpenAPI 3.0 path item.
type Op struct {
	Summary  string
	Tag      string
	Query    []string       // query parameters (strings)
	Body     map[string]any // JSON schema of the request body; nil: none
	Response map[string]any // JSON schema of the success body; nil: none
	Status   int            // success status; 0 means 200
}

// Item builds a path item for path from operations keyed by lower-case method.
func Item(path string, ops map[string]Op) map[string]any {
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
	for method, op := range ops {
		o := map[string]any{"summary": op.Summary, "tags": []string{op.Tag}}
		var qs []any
		for _, q := range op.Query {
			qs = append(qs, map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": "string"}})
		}
		if len(qs) > 0 {
			o["parameters"] = qs
		}
		if op.Body != nil {
			o["requestBody"] = map[string]any{"required": true,
				"content": map[string]any{"application/json": map[string]any{"schema": op.Body}}}
		}
		status := op.Status
		if status == 0 {
			status = 200
		}
		resp := map[string]any{"description": "success"}
		if op.Response != nil {
			resp["content"] = map[string]any{"application/json": map[string]any{"schema": op.Response}}
		}
		o["responses"] = map[string]any{
			itoa(status): resp,
			"default":    map[string]any{"$ref": "#/components/responses/Error"},
		}
		item[method] = o
	}
	return item
}

// Obj is a JSON object schema from "name:type" pairs (type: string, integer, boolean,
// number, array, object; a trailing ? marks the field optional).
func Obj(fields ...string) map[string]any {
	props := map[string]any{}
	var req []string
	for _, f := range fields {
		name, typ, _ := strings.Cut(f, ":")
		optional := strings.HasSuffix(typ, "?")
		typ = strings.TrimSuffix(typ, "?")
		props[name] = map[string]any{"type": typ}
		if !optional {
			req = append(req, name)
		}
	}
	s := map[string]any{"type": "object", "properties": props}
	if len(req) > 0 {
		s["required"] = req
	}
	return s
}

// ListOf is the paged envelope schema around items.
func ListOf(items map[string]any) map[string]any {
	return map[string]any{"type": "object", "properties": map[string]any{
		"count": map[string]any{"type": "integer"}, "next": map[string]any{"type": "string", "nullable": true},
		"previous": map[string]any{"type": "string", "nullable": true},
		"results":  map[string]any{"type": "array", "items": items}}}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [8]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
