// Package handler builds a module's JSON handlers from its service: path ids, strict body
// decoding, the list envelope and status codes live here once. A module's service is a
// value made per school (New(*db.Tenant)); its methods take plain inputs, so the
// handlers are built from the constructor and method expressions:
//
//	r.Get("/api/core/sessions", read, handler.List(New, sessionFilter, Service.ListSessions))
//	r.Post("/api/core/sessions", write, handler.Create(New, Service.CreateSession))
//	r.Get("/api/core/sessions/:id", read, handler.Get(New, Service.Session))
//	r.Patch("/api/core/sessions/:id", write, handler.Update(New, Service.UpdateSession))
//	r.Delete("/api/core/sessions/:id", write, handler.Remove(New, Service.DeleteSession))
//
// Endpoints that fit none of these stay explicit and use the same helpers (Service, ID,
// Body, Meta).
package handler

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/app/tenancy"
	"github.com/schoolsms/sms/db"
)

// Service is the module's service over the request's school.
func Service[S any](c *fiber.Ctx, newS func(*db.Tenant) S) S {
	var t *db.Tenant
	if r := tenancy.From(c); r != nil {
		t = r.Tenant
	}
	return newS(t)
}

// Meta is the audit metadata of the request's actor, for writes.
func Meta(c *fiber.Ctx) auth.Meta { return auth.MetaFrom(c) }

// ID reads the path parameter name as an id; anything else names nothing (404).
func ID(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id < 1 {
		return 0, errs.E(errs.NotFound, "no such item: %q is not an id", c.Params(name))
	}
	return id, nil
}

// Body decodes the JSON body strictly (see api.Decode) into a new In.
func Body[In any](c *fiber.Ctx) (In, error) {
	var in In
	err := api.Decode(c, &in)
	return in, err
}

// List answers a list: it reads the page and the filter (every bad parameter in one
// 400), asks the service and answers the paged envelope.
func List[S, F, T any](newS func(*db.Tenant) S, filter func(*Query) F,
	list func(S, context.Context, F, query.Page) ([]T, int64, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		page, f, err := readList(c, filter)
		if err != nil {
			return err
		}
		rows, n, err := list(Service(c, newS), c.UserContext(), f, page)
		if err != nil {
			return err
		}
		return sendList(c, api.NewList(c, page, n, rows))
	}
}

// ListAs is List for a list whose rows depend on who asks (a teacher sees the students
// of their classes): who reads the viewer from the request.
func ListAs[S, V, F, T any](newS func(*db.Tenant) S, who func(*fiber.Ctx) V, filter func(*Query) F,
	list func(S, context.Context, V, F, query.Page) ([]T, int64, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		page, f, err := readList(c, filter)
		if err != nil {
			return err
		}
		rows, n, err := list(Service(c, newS), c.UserContext(), who(c), f, page)
		if err != nil {
			return err
		}
		return sendList(c, api.NewList(c, page, n, rows))
	}
}

func readList[F any](c *fiber.Ctx, filter func(*Query) F) (query.Page, F, error) {
	q := NewQuery(c)
	page, err := api.PageOf(c)
	q.merge(err)
	f := filter(q)
	return page, f, q.Err()
}

// sendList answers the envelope; rows that are JSON already (a service that has SQLite
// write them) are sent as they are.
func sendList[T any](c *fiber.Ctx, l api.List[T]) error {
	if raw, ok := any(l).(api.List[json.RawMessage]); ok {
		return api.SendRawList(c, raw)
	}
	return c.JSON(l)
}

// Get answers GET .../:id with the service's record.
func Get[S, T any](newS func(*db.Tenant) S, get func(S, context.Context, int64) (T, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := ID(c, "id")
		if err != nil {
			return err
		}
		out, err := get(Service(c, newS), c.UserContext(), id)
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

// GetAs is Get for a record whose visibility depends on who asks.
func GetAs[S, V, T any](newS func(*db.Tenant) S, who func(*fiber.Ctx) V, get func(S, context.Context, V, int64) (T, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := ID(c, "id")
		if err != nil {
			return err
		}
		out, err := get(Service(c, newS), c.UserContext(), who(c), id)
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

// Create answers POST of a new record: 201 with it.
func Create[S, In, T any](newS func(*db.Tenant) S, create func(S, context.Context, In, auth.Meta) (T, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		in, err := Body[In](c)
		if err != nil {
			return err
		}
		out, err := create(Service(c, newS), c.UserContext(), in, Meta(c))
		if err != nil {
			return err
		}
		return c.Status(fiber.StatusCreated).JSON(out)
	}
}

// Update answers PATCH .../:id with the changed record.
func Update[S, P, T any](newS func(*db.Tenant) S, update func(S, context.Context, int64, P, auth.Meta) (T, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := ID(c, "id")
		if err != nil {
			return err
		}
		p, err := Body[P](c)
		if err != nil {
			return err
		}
		out, err := update(Service(c, newS), c.UserContext(), id, p, Meta(c))
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

// Remove answers DELETE .../:id with 204.
func Remove[S any](newS func(*db.Tenant) S, remove func(S, context.Context, int64, auth.Meta) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := ID(c, "id")
		if err != nil {
			return err
		}
		if err := remove(Service(c, newS), c.UserContext(), id, Meta(c)); err != nil {
			return err
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
}

// Do answers an action on one record that takes a body (POST .../:id/enroll): status
// with what the service returns.
func Do[S, In, T any](newS func(*db.Tenant) S, status int, do func(S, context.Context, int64, In, auth.Meta) (T, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := ID(c, "id")
		if err != nil {
			return err
		}
		in, err := Body[In](c)
		if err != nil {
			return err
		}
		out, err := do(Service(c, newS), c.UserContext(), id, in, Meta(c))
		if err != nil {
			return err
		}
		return c.Status(status).JSON(out)
	}
}
