package academics

import (
	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/module"
	"github.com/schoolsms/sms/app/web"
)

// The module's actions.
const (
	Read  auth.Action = "academics.read"  // sessions, terms, forms, classes, subjects, assignments
	Write auth.Action = "academics.write" // change the academic structure
)

// Module is the academic structure as the appliance plugs it in.
func Module() module.Module {
	return module.Module{
		Name: "academics",
		Policy: auth.Policy{
			Read:  {auth.RoleAdmin, auth.RoleTeacher, auth.RoleClerk, auth.RoleViewer},
			Write: {auth.RoleAdmin},
		},
		API:     Routes,
		OpenAPI: OpenAPI,
		Pages: web.Pages{
			Routes:    pageRoutes,
			Templates: []string{"academics", "academic_term", "academic_class", "academic_form", "academic_subject"},
			Nav:       []web.NavItem{{Key: "academics", Label: "Academics", Path: "/academics", Action: Read, Order: 30}},
			Cards:     []web.Card{{Action: Read, Order: 30, Fill: currentCard}, {Action: Read, Order: 45, Fill: subjectsCard}},
			Flashes: map[string]string{
				"session_created":    "The session was created.",
				"session_current":    "The current session was changed.",
				"term_created":       "The term was created.",
				"term_saved":         "The term was saved.",
				"term_current":       "The current term was changed.",
				"form_created":       "The form was created.",
				"class_created":      "The class was created.",
				"class_saved":        "The class was saved.",
				"subject_created":    "The subject was created.",
				"assignment_created": "The teacher was assigned.",
				"assignment_deleted": "The assignment was removed.",
				"session_deleted":    "The session was deleted.",
				"term_deleted":       "The term was deleted.",
				"form_saved":         "The form was saved.",
				"form_deleted":       "The form was deleted.",
				"class_deleted":      "The class was deleted.",
				"subject_saved":      "The subject was saved.",
				"subject_deleted":    "The subject was deleted.",
			},
		},
	}
}

// pages are the academic setup's page handlers.
type pages struct{ *web.Kit }

func pageRoutes(r fiber.Router, k *web.Kit) {
	h := pages{k}
	read, write := h.Require(Read), h.Require(Write)
	r.Get("/academics", read, h.academicsHome)
	r.Post("/academics/sessions", write, h.sessionCreate)
	r.Post("/academics/sessions/:id/current", write, h.sessionCurrent)
	r.Post("/academics/sessions/:id/delete", write, h.sessionDelete)
	r.Post("/academics/terms", write, h.termCreate)
	r.Get("/academics/terms/:id", write, h.termEditForm)
	r.Post("/academics/terms/:id", write, h.termUpdate)
	r.Post("/academics/terms/:id/current", write, h.termCurrent)
	r.Post("/academics/terms/:id/delete", write, h.termDelete)
	r.Post("/academics/forms", write, h.formCreate)
	r.Get("/academics/forms/:id", write, h.formEditForm)
	r.Post("/academics/forms/:id", write, h.formUpdate)
	r.Post("/academics/forms/:id/delete", write, h.formDelete)
	r.Post("/academics/classes", write, h.classCreate)
	r.Get("/academics/classes/:id", write, h.classEditForm)
	r.Post("/academics/classes/:id", write, h.classUpdate)
	r.Post("/academics/classes/:id/delete", write, h.classDelete)
	r.Post("/academics/subjects", write, h.subjectCreate)
	r.Get("/academics/subjects/:id", write, h.subjectEditForm)
	r.Post("/academics/subjects/:id", write, h.subjectUpdate)
	r.Post("/academics/subjects/:id/delete", write, h.subjectDelete)
	r.Post("/academics/assignments", write, h.assignmentCreate)
	r.Post("/academics/assignments/:id/delete", write, h.assignmentDelete)
	r.Get("/academics/:tab", read, h.academicsTab)
}

// currentCard shows the current session and term on the dashboard.
func currentCard(c *fiber.Ctx) (web.CardView, bool, error) {
	card := web.CardView{Label: "Current session", Value: "None yet", Link: "/academics", LinkText: "Academic setup"}
	s, err := CurrentSessionOf(c)
	if err != nil || s == nil {
		return card, err == nil, err
	}
	card.Value = s.Name
	t, err := New(web.Tenant(c)).CurrentTerm(c.UserContext())
	switch {
	case err == nil:
		prof, err := school.New(web.Tenant(c)).Profile(c.UserContext())
		if err != nil {
			return card, false, err
		}
		card.Text = t.Name + ", until " + prof.Dates().Date(t.EndDate)
	case errs.CodeOf(err) != errs.NotFound:
		return card, false, err
	}
	return card, true, nil
}

// subjectsCard is, for a teacher, what they teach in the current session.
func subjectsCard(c *fiber.Ctx) (web.CardView, bool, error) {
	p := auth.PrincipalOf(c)
	if p == nil || p.Role != auth.RoleTeacher {
		return web.CardView{}, false, nil
	}
	s, err := CurrentSessionOf(c)
	if err != nil || s == nil {
		return web.CardView{}, false, err
	}
	as, err := web.All(c, New(web.Tenant(c)).ListAssignments, AssignmentFilter{TeacherID: p.UserID, SessionID: s.ID})
	if err != nil {
		return web.CardView{}, false, err
	}
	card := web.CardView{Label: "My subjects", Head: []string{"Subject", "Class"}}
	if len(as) == 0 {
		card.Text = "You are not assigned to teach a subject in " + s.Name + " yet."
	}
	for _, a := range as {
		card.Rows = append(card.Rows, web.CardRow{Cells: []string{a.SubjectName, a.ClassName}, Link: "/students?class=" + web.ID(a.ClassID)})
	}
	return card, true, nil
}

// CurrentSessionOf is the request's school's current session, nil when it has none yet
// (for the pages of modules that offer its classes).
func CurrentSessionOf(c *fiber.Ctx) (*Session, error) {
	s, err := New(web.Tenant(c)).CurrentSession(c.UserContext())
	if errs.CodeOf(err) == errs.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// ClassOptions are the classes of a session and the options of a select of them,
// grouped by form.
func ClassOptions(c *fiber.Ctx, sessionID int64) ([]Class, []web.Option, error) {
	if sessionID == 0 {
		return nil, nil, nil
	}
	cls, err := web.All(c, New(web.Tenant(c)).ListClasses, ClassFilter{SessionID: sessionID})
	if err != nil {
		return nil, nil, err
	}
	opts := make([]web.Option, 0, len(cls))
	for _, x := range cls {
		opts = append(opts, web.Option{Value: web.ID(x.ID), Label: x.Name, Group: x.FormName})
	}
	return cls, opts, nil
}

// FormOptions are the options of a select of the school's forms, lowest level first.
func FormOptions(c *fiber.Ctx) ([]web.Option, error) {
	fs, err := web.All(c, New(web.Tenant(c)).ListForms, FormFilter{})
	if err != nil {
		return nil, err
	}
	opts := make([]web.Option, 0, len(fs))
	for _, f := range fs {
		opts = append(opts, web.Option{Value: web.ID(f.ID), Label: f.Name})
	}
	return opts, nil
}
