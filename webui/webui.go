// Package webui holds the browser UI's templates and static assets, embedded in the
// binary: a renderer that parses every page once at start-up, and the handler that
// serves the assets with cache headers.
package webui

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"strings"
)

//go:embed templates static
var files embed.FS

// FS is everything the UI embeds (templates/ and static/).
var FS fs.FS = files

// layoutFiles are parsed into every page; each page file then defines "content".
var layoutFiles = []string{"templates/layout.html", "templates/parts.html"}

// Renderer executes the parsed pages. It is safe for concurrent use.
type Renderer struct {
	pages map[string]*template.Template
}

// New parses the layout and every page under templates/pages/ (a page is named by its
// file name without .html: "login", "school_detail", ...).
func New() (*Renderer, error) {
	base, err := template.New("layout").Funcs(funcs).ParseFS(files, layoutFiles...)
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	names, err := fs.Glob(files, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	r := &Renderer{pages: map[string]*template.Template{}}
	for _, n := range names {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if t, err = t.ParseFS(files, n); err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		r.pages[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return r, nil
}

// Pages lists the page names the renderer knows.
func (r *Renderer) Pages() []string {
	out := make([]string, 0, len(r.pages))
	for n := range r.pages {
		out = append(out, n)
	}
	return out
}

// Render writes the whole page (layout with the page's content) to w. The page is
// rendered into a buffer first, so a template error never leaves half a page behind.
func (r *Renderer) Render(w io.Writer, page string, data any) error {
	return r.RenderPart(w, page, "layout", data)
}

// RenderPart writes one named template of a page, e.g. a table row htmx swaps in.
func (r *Renderer) RenderPart(w io.Writer, page, name string, data any) error {
	t, ok := r.pages[page]
	if !ok {
		return fmt.Errorf("webui: no page %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return fmt.Errorf("render %s/%s: %w", page, name, err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// Dates writes dates and moments as the school a page belongs to does (its date format,
// its timezone); every page's data (the layout's view) is one.
type Dates interface {
	Date(v any) string
	DateTime(v any) string
}

func datesOf(fn string, w any) (Dates, error) {
	d, ok := w.(Dates)
	if !ok {
		return nil, fmt.Errorf("%s: the first argument must be the page ($), not %T", fn, w)
	}
	return d, nil
}

var funcs = template.FuncMap{
	// date writes a stored date (2025-09-01) or moment in the school's date format:
	// {{date $ .StartDate}}. Inputs keep ISO dates; only what is shown changes.
	"date": func(w, v any) (string, error) {
		d, err := datesOf("date", w)
		if err != nil {
			return "", err
		}
		return d.Date(v), nil
	},
	// datetime writes a stored UTC moment (2025-01-02T15:04:05.000Z) as the date and time
	// it was in the school: {{datetime $ .CreatedAt}}.
	"datetime": func(w, v any) (string, error) {
		d, err := datesOf("datetime", w)
		if err != nil {
			return "", err
		}
		return d.DateTime(v), nil
	},
	// dict builds the argument map of a partial: dict "Name" "email" "Label" "Email".
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("dict: odd number of arguments")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
	// percent writes a percentage with one decimal, "87.5%", from a float64 or a
	// *float64 (printf would print a pointer's address); "" for nil.
	"percent": func(v any) (string, error) {
		switch x := v.(type) {
		case *float64:
			if x == nil {
				return "", nil
			}
			return fmt.Sprintf("%.1f%%", *x), nil
		case float64:
			return fmt.Sprintf("%.1f%%", x), nil
		case nil:
			return "", nil
		}
		return "", fmt.Errorf("percent: %T is not a number", v)
	},
	// fieldID turns a form field name (admin.email) into an element id (f-admin-email).
	"fieldID": func(name string) string {
		return "f-" + strings.NewReplacer(".", "-", "_", "-").Replace(name)
	},
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
}
