// Package academics owns a school's academic structure: sessions, terms, forms, classes,
// subjects, the curriculum and who teaches what.
package academics

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/app/tenancy"
	"github.com/schoolsms/sms/db"
)

// Routes registers /api/core/{sessions,terms,forms,classes,subjects,subject-assignments}/
// and /api/core/forms/:id/subjects/ on a school's routes. Reading needs
// auth.ReadAcademics, changing auth.WriteAcademics.
func Routes(r fiber.Router) {
	s := New()
	read, write := auth.Require(auth.ReadAcademics), auth.Require(auth.WriteAcademics)
	crud := func(path string, list, create, get, update, remove fiber.Handler) {
		r.Get(path, read, list)
		r.Post(path, write, create)
		r.Get(path+"/:id", read, get)
		r.Patch(path+"/:id", write, update)
		r.Delete(path+"/:id", write, remove)
	}
	crud("/api/core/sessions",
		listOf(func(q *params) SessionFilter {
			return SessionFilter{Search: q.c.Query("search"), Current: q.boolean("is_current"), Order: q.ordering(sessionOrdering)}
		}, s.ListSessions),
		create(s.CreateSession), get(s.Session), update(s.UpdateSession), remove(s.DeleteSession))
	crud("/api/core/terms",
		listOf(func(q *params) TermFilter {
			return TermFilter{SessionID: q.id("session"), Search: q.c.Query("search"), Current: q.boolean("is_current"),
				Order: q.ordering(termOrdering)}
		}, s.ListTerms),
		create(s.CreateTerm), get(s.Term), update(s.UpdateTerm), remove(s.DeleteTerm))
	crud("/api/core/forms",
		listOf(func(q *params) FormFilter {
			return FormFilter{Search: q.c.Query("search"), Order: q.ordering(formOrdering)}
		}, s.ListForms),
		create(s.CreateForm), get(s.Form), update(s.UpdateForm), remove(s.DeleteForm))
	crud("/api/core/classes",
		listOf(func(q *params) ClassFilter {
			return ClassFilter{SessionID: q.id("session"), FormID: q.id("form"), ClassTeacherID: q.id("class_teacher"),
				Search: q.c.Query("search"), Order: q.ordering(classOrdering)}
		}, s.ListClasses),
		create(s.CreateClass), get(s.Class), update(s.UpdateClass), remove(s.DeleteClass))
	crud("/api/core/subjects",
		listOf(func(q *params) SubjectFilter {
			return SubjectFilter{Search: q.c.Query("search"), Core: q.boolean("is_core"), Order: q.ordering(subjectOrdering)}
		}, s.ListSubjects),
		create(s.CreateSubject), get(s.Subject), update(s.UpdateSubject), remove(s.DeleteSubject))
	crud("/api/core/subject-assignments",
		listOf(func(q *params) AssignmentFilter {
			return AssignmentFilter{TeacherID: q.id("teacher"), ClassID: q.id("class"), SubjectID: q.id("subject"),
				SessionID: q.id("session"), Search: q.c.Query("search"), Order: q.ordering(assignmentOrdering)}
		}, s.ListAssignments),
		create(s.AssignSubject), get(s.Assignment), update(s.UpdateAssignment), remove(s.DeleteAssignment))

	r.Get("/api/core/forms/:id/subjects", read, get(s.Curriculum))
	r.Put("/api/core/forms/:id/subjects", write, func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		var in struct {
			Subjects *[]int64 `json:"subjects"`
		}
		if err := api.Decode(c, &in); err != nil {
			return err
		}
		if in.Subjects == nil {
			return errs.Field("subjects", "is required: the list of subject ids the form takes ([] for none)")
		}
		out, err := s.SetCurriculum(c.UserContext(), tenant(c), id, *in.Subjects, auth.MetaFrom(c))
		if err != nil {
			return err
		}
		return c.JSON(out)
	})
}

func tenant(c *fiber.Ctx) *db.Tenant { return tenancy.From(c).Tenant }

func pathID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, errs.E(errs.NotFound, "no such item: %q is not an id", c.Params("id"))
	}
	return id, nil
}

// params reads a list's query parameters, collecting every bad one.
type params struct {
	c *fiber.Ctx
	f errs.Fields
}

// merge adds the field errors of err (page, page_size, ordering) to the collection.
func (q *params) merge(err error) {
	if err == nil {
		return
	}
	e := errs.As(err)
	for k, v := range e.Fields {
		q.f.Add(k, v)
	}
	if len(e.Fields) == 0 {
		q.f.Add("query", e.Message)
	}
}

func (q *params) id(name string) int64 {
	v := q.c.Query(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		q.f.Add(name, "must be an id (a whole number from 1)")
		return 0
	}
	return n
}

func (q *params) boolean(name string) *bool {
	switch q.c.Query(name) {
	case "":
		return nil
	case "true", "1":
		b := true
		return &b
	case "false", "0":
		b := false
		return &b
	}
	q.f.Add(name, "must be true or false")
	return nil
}

func (q *params) ordering(allowed query.Ordering) query.Order {
	order, err := api.OrderOf(q.c, allowed)
	q.merge(err)
	return order
}

// listOf answers a list: it reads the page and the filter (all problems in one 400), asks
// the service, and wraps the rows in the paged envelope.
func listOf[F, T any](filter func(*params) F, list func(context.Context, *db.Tenant, F, query.Page) ([]T, int64, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		q := &params{c: c, f: errs.Fields{}}
		page, err := api.PageOf(c)
		q.merge(err)
		f := filter(q)
		if err := q.f.Err(); err != nil {
			return err
		}
		rows, n, err := list(c.UserContext(), tenant(c), f, page)
		if err != nil {
			return err
		}
		return c.JSON(api.NewList(c, page, n, rows))
	}
}

func get[T any](fn func(context.Context, *db.Tenant, int64) (T, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		out, err := fn(c.UserContext(), tenant(c), id)
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

func create[In, T any](fn func(context.Context, *db.Tenant, In, auth.Meta) (T, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var in In
		if err := api.Decode(c, &in); err != nil {
			return err
		}
		out, err := fn(c.UserContext(), tenant(c), in, auth.MetaFrom(c))
		if err != nil {
			return err
		}
		return c.Status(fiber.StatusCreated).JSON(out)
	}
}

func update[P, T any](fn func(context.Context, *db.Tenant, int64, P, auth.Meta) (T, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		var p P
		if err := api.Decode(c, &p); err != nil {
			return err
		}
		out, err := fn(c.UserContext(), tenant(c), id, p, auth.MetaFrom(c))
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

func remove(fn func(context.Context, *db.Tenant, int64, auth.Meta) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c)
		if err != nil {
			return err
		}
		if err := fn(c.UserContext(), tenant(c), id, auth.MetaFrom(c)); err != nil {
			return err
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
}
