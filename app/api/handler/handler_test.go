package handler

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/db"
)

// things is a service of the shape every module's has, over a list in memory.
type things struct{ calls *[]string }

type thing struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type thingInput struct {
	Name string `json:"name"`
}

type thingFilter struct {
	Search string
	Owner  int64
	Active *bool
	Order  query.Order
}

var thingOrdering = query.NewOrdering(map[string]string{"name": "name"}, "name")

func (s things) record(format string) { *s.calls = append(*s.calls, format) }

func (s things) List(_ context.Context, f thingFilter, p query.Page) ([]thing, int64, error) {
	s.record("list " + f.Search + " " + f.Order.String())
	return []thing{{ID: 1, Name: "a"}, {ID: 2, Name: "b"}}[:min(2, p.Size)], 3, nil
}

func (s things) ListRaw(_ context.Context, who string, f thingFilter, p query.Page) ([]json.RawMessage, int64, error) {
	s.record("raw " + who)
	return []json.RawMessage{json.RawMessage(`{"id":1,"name":"made by SQLite"}`)}, 1, nil
}

func (s things) Get(_ context.Context, id int64) (thing, error) {
	if id != 1 {
		return thing{}, errs.E(errs.NotFound, "no thing with id %d", id)
	}
	return thing{ID: 1, Name: "a"}, nil
}

func (s things) GetAs(_ context.Context, who string, id int64) (thing, error) {
	s.record("get as " + who)
	return thing{ID: id, Name: who}, nil
}

func (s things) Create(_ context.Context, in thingInput, meta auth.Meta) (thing, error) {
	if in.Name == "" {
		return thing{}, errs.Field("name", "is required")
	}
	s.record("create by " + meta.RequestID)
	return thing{ID: 9, Name: in.Name}, nil
}

func (s things) Update(_ context.Context, id int64, in thingInput, _ auth.Meta) (thing, error) {
	return thing{ID: id, Name: in.Name}, nil
}

func (s things) Remove(_ context.Context, id int64, _ auth.Meta) error {
	s.record("remove")
	return nil
}

func (s things) Rename(_ context.Context, id int64, in thingInput, _ auth.Meta) (thing, error) {
	return thing{ID: id, Name: "renamed " + in.Name}, nil
}

func thingsFilter(q *Query) thingFilter {
	return thingFilter{Search: q.String("search"), Owner: q.ID("owner"), Active: q.Bool("active"), Order: q.Order(thingOrdering)}
}

// app serves the generic handlers over things, turning errors into their statuses as
// the server's error handler does.
func app(calls *[]string) *fiber.App {
	newS := func(*db.Tenant) things { return things{calls: calls} }
	who := func(c *fiber.Ctx) string { return c.Get("X-Who") }
	a := fiber.New(fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error {
		e := errs.As(err)
		return c.Status(errs.HTTPStatus(e.Code)).JSON(map[string]any{"message": e.Message, "fields": e.Fields})
	}})
	a.Use(func(c *fiber.Ctx) error { c.Locals(api.RequestIDKey, "req-1"); return c.Next() })
	a.Get("/things", List(newS, thingsFilter, things.List))
	a.Get("/raw", ListAs(newS, who, thingsFilter, things.ListRaw))
	a.Post("/things", Create(newS, things.Create))
	a.Get("/things/:id", Get(newS, things.Get))
	a.Get("/as/:id", GetAs(newS, who, things.GetAs))
	a.Patch("/things/:id", Update(newS, things.Update))
	a.Delete("/things/:id", Remove(newS, things.Remove))
	a.Post("/things/:id/rename", Do(newS, fiber.StatusAccepted, things.Rename))
	return a
}

func call(t *testing.T, a *fiber.App, method, target, body string, headers ...string) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := a.Test(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var m map[string]any
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &m), string(raw))
	}
	return resp.StatusCode, m
}

func TestHandlers(t *testing.T) {
	var calls []string
	a := app(&calls)

	status, out := call(t, a, "GET", "/things?search=x&ordering=-name&page_size=2", "")
	assert.Equal(t, 200, status)
	assert.EqualValues(t, 3, out["count"])
	assert.Len(t, out["results"], 2)
	assert.Contains(t, out["next"], "page=2")
	assert.Equal(t, "list x -name", calls[len(calls)-1])

	status, out = call(t, a, "GET", "/things?page=0&owner=abc&active=maybe&ordering=secret&search=ok", "")
	assert.Equal(t, 400, status, "every bad parameter in one answer")
	assert.Equal(t, []string{"active", "ordering", "owner", "page"}, keys(out["fields"]))
	assert.Equal(t, "list x -name", calls[len(calls)-1], "the service was not asked")

	status, out = call(t, a, "GET", "/raw", "", "X-Who", "teacher")
	assert.Equal(t, 200, status)
	assert.Equal(t, "made by SQLite", out["results"].([]any)[0].(map[string]any)["name"])
	assert.Equal(t, "raw teacher", calls[len(calls)-1])

	status, out = call(t, a, "GET", "/things/1", "")
	assert.Equal(t, 200, status)
	assert.Equal(t, "a", out["name"])
	for _, bad := range []string{"0", "-1", "x", "1.5", "99999999999999999999"} {
		status, out = call(t, a, "GET", "/things/"+bad, "")
		assert.Equal(t, 404, status, bad)
		assert.Contains(t, out["message"], "is not an id", bad)
	}
	status, _ = call(t, a, "GET", "/things/2", "")
	assert.Equal(t, 404, status, "the service's not found")

	status, out = call(t, a, "GET", "/as/5", "", "X-Who", "clerk")
	assert.Equal(t, 200, status)
	assert.Equal(t, "clerk", out["name"])

	status, out = call(t, a, "POST", "/things", `{"name":"new"}`)
	assert.Equal(t, 201, status)
	assert.EqualValues(t, 9, out["id"])
	assert.Equal(t, "create by req-1", calls[len(calls)-1], "writes get the request's audit metadata")
	status, out = call(t, a, "POST", "/things", `{"name":"new","colour":"red"}`)
	assert.Equal(t, 400, status)
	assert.Equal(t, map[string]any{"colour": "is not a known field"}, out["fields"])
	status, out = call(t, a, "POST", "/things", `{}`)
	assert.Equal(t, 400, status)
	assert.Equal(t, map[string]any{"name": "is required"}, out["fields"])

	status, out = call(t, a, "PATCH", "/things/4", `{"name":"changed"}`)
	assert.Equal(t, 200, status)
	assert.Equal(t, "changed", out["name"])
	status, _ = call(t, a, "PATCH", "/things/x", `{"name":"changed"}`)
	assert.Equal(t, 404, status)

	status, _ = call(t, a, "DELETE", "/things/4", "")
	assert.Equal(t, 204, status)
	assert.Equal(t, "remove", calls[len(calls)-1])

	status, out = call(t, a, "POST", "/things/4/rename", `{"name":"b"}`)
	assert.Equal(t, 202, status)
	assert.Equal(t, "renamed b", out["name"])
}

func keys(v any) []string {
	m, _ := v.(map[string]any)
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
