package academics

import (
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/web"
)

// The edit pages of forms and subjects, and the delete buttons of every part of the
// academic structure. A delete that others depend on shows the tab with what depends
// on it (the service's Conflict says so in words).

type formEditData struct {
	Form     Form
	Subjects []curriculumChoice
}

// curriculumChoice is a subject as a checkbox of a form's curriculum.
type curriculumChoice struct {
	Subject
	Value   string
	Checked bool
}

// formEditForm shows a form's name, level, block and the subjects it takes.
func (h pages) formEditForm(c *fiber.Ctx) error {
	id, err := web.PathID(c, "form")
	if err != nil {
		return h.Fail(c, err)
	}
	ctx, t := c.UserContext(), web.Tenant(c)
	f, err := New(t).Form(ctx, id)
	if err != nil {
		return h.Fail(c, err)
	}
	cur, err := New(t).Curriculum(ctx, id)
	if err != nil {
		return err
	}
	v := h.View(c, f.Name, "academics")
	v.Form = map[string]string{"name": f.Name, "level": strconv.FormatInt(f.Level, 10), "level_block": f.LevelBlock}
	return h.formEditPage(c, fiber.StatusOK, v, f, subjectIDs(cur.Subjects))
}

func (h pages) formEditPage(c *fiber.Ctx, status int, v *web.View, f Form, taken []int64) error {
	subs, err := web.All(c, New(web.Tenant(c)).ListSubjects, SubjectFilter{})
	if err != nil {
		return err
	}
	d := formEditData{Form: f}
	for _, s := range subs {
		d.Subjects = append(d.Subjects, curriculumChoice{Subject: s, Value: web.ID(s.ID), Checked: slices.Contains(taken, s.ID)})
	}
	v.Title = f.Name + " · Forms"
	v.Data = d
	return h.Render(c, status, "academic_form", v)
}

// formUpdate saves a form and its curriculum.
func (h pages) formUpdate(c *fiber.Ctx) error {
	id, err := web.PathID(c, "form")
	if err != nil {
		return h.Fail(c, err)
	}
	ctx, t := c.UserContext(), web.Tenant(c)
	cur, err := New(t).Form(ctx, id)
	if err != nil {
		return h.Fail(c, err)
	}
	v := h.View(c, cur.Name, "academics")
	v.Form = web.Form(c, "name", "level", "level_block")
	var taken []int64
	for _, raw := range c.Request().PostArgs().PeekMulti("subjects") {
		if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil && n > 0 {
			taken = append(taken, n)
		}
	}
	level, ok := web.FormInt(v, "level")
	if !ok {
		status, _ := web.FormError(v, web.FieldsError(v))
		return h.formEditPage(c, status, v, cur, taken)
	}
	failed := func(err error) error {
		status, ierr := web.FormError(v, err)
		if ierr != nil {
			return ierr
		}
		return h.formEditPage(c, status, v, cur, taken)
	}
	meta := auth.MetaFrom(c)
	if _, err := New(t).UpdateForm(ctx, id, FormPatch{Name: ptr(v.Form["name"]), Level: &level,
		LevelBlock: ptr(v.Form["level_block"])}, meta); err != nil {
		return failed(err)
	}
	if _, err := New(t).SetCurriculum(ctx, id, taken, meta); err != nil {
		return failed(err)
	}
	return web.Redirect(c, acadDone(v.Prefix, "forms", 0, "form_saved"))
}

// formDelete removes a form nothing refers to.
func (h pages) formDelete(c *fiber.Ctx) error {
	id, err := web.PathID(c, "form")
	if err != nil {
		return h.Fail(c, err)
	}
	if err := New(web.Tenant(c)).DeleteForm(c.UserContext(), id, auth.MetaFrom(c)); err != nil {
		return h.acadActionFailed(c, "forms", err)
	}
	return web.Redirect(c, acadDone(web.Prefix(c), "forms", 0, "form_deleted"))
}

type subjectEditData struct{ Subject Subject }

// subjectEditForm shows a subject's code, name and kind.
func (h pages) subjectEditForm(c *fiber.Ctx) error {
	id, err := web.PathID(c, "subject")
	if err != nil {
		return h.Fail(c, err)
	}
	s, err := New(web.Tenant(c)).Subject(c.UserContext(), id)
	if err != nil {
		return h.Fail(c, err)
	}
	v := h.View(c, s.Name, "academics")
	v.Form = map[string]string{"code": s.Code, "name": s.Name, "is_core": "0"}
	if s.IsCore {
		v.Form["is_core"] = "1"
	}
	return h.subjectEditPage(c, fiber.StatusOK, v, s)
}

func (h pages) subjectEditPage(c *fiber.Ctx, status int, v *web.View, s Subject) error {
	v.Title = s.Name + " · Subjects"
	v.Data = subjectEditData{Subject: s}
	return h.Render(c, status, "academic_subject", v)
}

// subjectUpdate saves a subject.
func (h pages) subjectUpdate(c *fiber.Ctx) error {
	id, err := web.PathID(c, "subject")
	if err != nil {
		return h.Fail(c, err)
	}
	ctx, t := c.UserContext(), web.Tenant(c)
	cur, err := New(t).Subject(ctx, id)
	if err != nil {
		return h.Fail(c, err)
	}
	v := h.View(c, cur.Name, "academics")
	v.Form = web.Form(c, "code", "name")
	v.Form["is_core"] = web.Checked(c, "is_core")
	core := v.Form["is_core"] == "1"
	if _, err := New(t).UpdateSubject(ctx, id, SubjectPatch{Code: ptr(v.Form["code"]), Name: ptr(v.Form["name"]), IsCore: &core},
		auth.MetaFrom(c)); err != nil {
		status, ierr := web.FormError(v, err)
		if ierr != nil {
			return ierr
		}
		return h.subjectEditPage(c, status, v, cur)
	}
	return web.Redirect(c, acadDone(v.Prefix, "subjects", 0, "subject_saved"))
}

// subjectDelete removes a subject nobody teaches and no form takes.
func (h pages) subjectDelete(c *fiber.Ctx) error {
	id, err := web.PathID(c, "subject")
	if err != nil {
		return h.Fail(c, err)
	}
	if err := New(web.Tenant(c)).DeleteSubject(c.UserContext(), id, auth.MetaFrom(c)); err != nil {
		return h.acadActionFailed(c, "subjects", err)
	}
	return web.Redirect(c, acadDone(web.Prefix(c), "subjects", 0, "subject_deleted"))
}

// classDelete removes a class that never had students.
func (h pages) classDelete(c *fiber.Ctx) error {
	id, err := web.PathID(c, "class")
	if err != nil {
		return h.Fail(c, err)
	}
	ctx, t := c.UserContext(), web.Tenant(c)
	cl, err := New(t).Class(ctx, id)
	if err != nil {
		return h.Fail(c, err)
	}
	if err := New(t).DeleteClass(ctx, id, auth.MetaFrom(c)); err != nil {
		return h.acadActionFailed(c, "classes", err)
	}
	return web.Redirect(c, acadDone(web.Prefix(c), "classes", cl.SessionID, "class_deleted"))
}

// sessionDelete removes a session with no terms, classes or enrollments.
func (h pages) sessionDelete(c *fiber.Ctx) error {
	id, err := web.PathID(c, "session")
	if err != nil {
		return h.Fail(c, err)
	}
	if err := New(web.Tenant(c)).DeleteSession(c.UserContext(), id, auth.MetaFrom(c)); err != nil {
		return h.acadActionFailed(c, "sessions", err)
	}
	return web.Redirect(c, acadDone(web.Prefix(c), "sessions", 0, "session_deleted"))
}

// termDelete removes a term.
func (h pages) termDelete(c *fiber.Ctx) error {
	id, err := web.PathID(c, "term")
	if err != nil {
		return h.Fail(c, err)
	}
	ctx, t := c.UserContext(), web.Tenant(c)
	tm, err := New(t).Term(ctx, id)
	if err != nil {
		return h.Fail(c, err)
	}
	if err := New(t).DeleteTerm(ctx, id, auth.MetaFrom(c)); err != nil {
		return h.acadActionFailed(c, "terms", err)
	}
	return web.Redirect(c, acadDone(web.Prefix(c), "terms", tm.SessionID, "term_deleted"))
}
