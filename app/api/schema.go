package api

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"
)

// Nullable is an input field that tells "not sent" (Set false) from null (Set true, Valid
// false) from a value. PATCH uses it for fields that can be cleared.
type Nullable[T any] struct {
	Set   bool
	Valid bool
	V     T
}

// Value is a Nullable set to v.
func Value[T any](v T) Nullable[T] { return Nullable[T]{Set: true, Valid: true, V: v} }

// Null is a Nullable set to null (clear the field).
func Null[T any]() Nullable[T] { return Nullable[T]{Set: true} }

// UnmarshalJSON records that the field was sent, and whether it was null.
func (n *Nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set, n.Valid = true, string(b) != "null"
	if !n.Valid {
		var zero T
		n.V = zero
		return nil
	}
	return json.Unmarshal(b, &n.V)
}

// MarshalJSON writes the value, or null.
func (n Nullable[T]) MarshalJSON() ([]byte, error) {
	if !n.Valid {
		return []byte("null"), nil
	}
	return json.Marshal(n.V)
}

// Ptr returns the value as a pointer, nil for null.
func (n Nullable[T]) Ptr() *T {
	if !n.Valid {
		return nil
	}
	v := n.V
	return &v
}

// nullableOf is the value type of a Nullable.
func (Nullable[T]) nullableOf() reflect.Type { return reflect.TypeFor[T]() }

type nullable interface{ nullableOf() reflect.Type }

var (
	nullableType  = reflect.TypeFor[nullable]()
	timeType      = reflect.TypeFor[time.Time]()
	rawType       = reflect.TypeFor[json.RawMessage]()
	marshalerType = reflect.TypeFor[json.Marshaler]()
)

// schemaOf is the JSON schema of a Go type as encoding/json writes and reads it: a
// named struct becomes a component ($ref) the first time it is met; pointers and
// Nullable are nullable; embedded structs are flattened. In what a handler answers
// (input false) every field is required but omitempty ones (a nil pointer is there, as
// null); in what it reads (input true) none is: which fields a request needs is the
// service's to say, and it answers 400 naming each one missing.
func (d *Doc) schemaOf(t reflect.Type, input bool) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{} // any JSON
	case t.Implements(nullableType):
		s := d.schemaOf(reflect.Zero(t).Interface().(nullable).nullableOf(), input)
		return nullableSchema(s)
	case t.Kind() == reflect.Pointer:
		return nullableSchema(d.schemaOf(t.Elem(), input))
	case t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType):
		return map[string]any{} // its own JSON: nothing is known of its shape
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "format": "byte"}
		}
		return map[string]any{"type": "array", "items": d.schemaOf(t.Elem(), input)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": d.schemaOf(t.Elem(), input)}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := componentName(t)
		if name == "" {
			return d.object(t, input)
		}
		if _, ok := d.schemas[name]; !ok {
			d.schemas[name] = nil // a type that refers to itself finds its name taken
			d.schemas[name] = d.object(t, input)
		}
		return Ref(name)
	}
	return map[string]any{}
}

// nullableSchema marks s nullable; a $ref cannot carry siblings in OpenAPI 3.0, so it
// is wrapped.
func nullableSchema(s map[string]any) map[string]any {
	if _, ok := s["$ref"]; ok {
		return map[string]any{"nullable": true, "allOf": []any{s}}
	}
	out := make(map[string]any, len(s)+1)
	for k, v := range s {
		out[k] = v
	}
	out["nullable"] = true
	return out
}

// object is the schema of a struct's JSON object.
func (d *Doc) object(t reflect.Type, input bool) map[string]any {
	props := map[string]any{}
	var required []string
	d.fields(t, input, props, &required)
	s := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func (d *Doc) fields(t reflect.Type, input bool, props map[string]any, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				d.fields(ft, input, props, required) // encoding/json flattens embedded structs
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = d.schemaOf(f.Type, input)
		if !input && !strings.Contains(","+opts+",", ",omitempty,") {
			*required = append(*required, name)
		}
	}
}

// componentName names a named struct's component after its package and type
// ("academics.Session", "app.ReadyBody"); the list envelope of one is its List
// ("academics.SessionList"); other generic and unnamed structs are written in place.
func componentName(t reflect.Type) string {
	if t.PkgPath() == listType.PkgPath() && strings.HasPrefix(t.Name(), "List[") {
		if item := componentName(t.Field(3).Type.Elem()); item != "" {
			return item + "List"
		}
		return ""
	}
	if t.Name() == "" || strings.Contains(t.Name(), "[") {
		return ""
	}
	pkg := t.PkgPath()
	pkg = pkg[strings.LastIndexByte(pkg, '/')+1:]
	return pkg + "." + strings.ToUpper(t.Name()[:1]) + t.Name()[1:]
}

var listType = reflect.TypeFor[List[int]]()

// Ref is a reference to a component schema.
func Ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }
