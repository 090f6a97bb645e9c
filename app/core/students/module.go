package students

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/module"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/app/web"
)

// The module's actions.
const (
	// Read lets teachers in too; the service narrows them to the students of the classes
	// they teach or lead (Viewer).
	Read  auth.Action = "students.read"
	Write auth.Action = "students.write" // students, guardians, admissions, enrollments, import
	// ManageRules is school-wide: promotion at session end, the admission number pattern.
	ManageRules auth.Action = "students.rules"
)

// Module is the student records as the appliance plugs them in.
func Module() module.Module {
	return module.Module{
		Name: "students",
		Policy: auth.Policy{
			Read:        {auth.RoleAdmin, auth.RoleTeacher, auth.RoleClerk, auth.RoleViewer},
			Write:       {auth.RoleAdmin, auth.RoleClerk},
			ManageRules: {auth.RoleAdmin},
		},
		API:     Routes,
		OpenAPI: OpenAPI,
		Pages: web.Pages{
			Routes:    pageRoutes,
			Templates: []string{"students", "student", "student_new", "student_edit", "admissions", "admission_form", "admission_enroll"},
			Nav: []web.NavItem{
				{Key: "students", Label: "Students", Path: "/students", Action: Read, Order: 10},
				// Applicants are in no class yet, so a teacher (who sees the students of
				// their classes) has nothing there.
				{Key: "admissions", Label: "Admissions", Path: "/admissions", Action: Read, Order: 20,
					Show: func(p *auth.Principal) bool { return !ViewerOf(p).Scoped() }},
			},
			Cards: []web.Card{{Action: Read, Order: 10, Fill: studentsCard}},
			Flashes: map[string]string{
				"student_created":      "The student was created.",
				"student_saved":        "The changes were saved.",
				"student_enrolled":     "The applicant is enrolled: this is the new student's record.",
				"student_class_saved":  "The student's class was changed.",
				"guardian_added":       "The guardian was added.",
				"application_created":  "The application was recorded.",
				"application_saved":    "The application was saved.",
				"application_accepted": "The application was accepted; enroll the applicant when ready.",
				"application_rejected": "The application was rejected.",
			},
		},
	}
}

// pages are the student and admission page handlers.
type pages struct{ *web.Kit }

func pageRoutes(r fiber.Router, k *web.Kit) {
	h := pages{k}
	read, write := h.Require(Read), h.Require(Write)
	r.Get("/students", read, h.studentList)
	r.Get("/students/new", write, h.studentNewForm)
	r.Post("/students/new", write, h.studentCreate)
	r.Get("/students/:id", read, h.studentProfile)
	r.Get("/students/:id/edit", write, h.studentEditForm)
	r.Post("/students/:id/edit", write, h.studentUpdate)
	r.Post("/students/:id/class", write, h.studentClass)
	r.Post("/students/:id/guardians", write, h.guardianAdd)

	r.Get("/admissions", read, h.admissionList)
	r.Get("/admissions/new", write, h.admissionNewForm)
	r.Post("/admissions/new", write, h.admissionCreate)
	r.Get("/admissions/:id", write, h.admissionEditForm)
	r.Post("/admissions/:id", write, h.admissionUpdate)
	r.Post("/admissions/:id/status", write, h.admissionDecide)
	r.Get("/admissions/:id/enroll", write, h.admissionEnrollForm)
	r.Post("/admissions/:id/enroll", write, h.admissionEnroll)
}

func ptr[T any](v T) *T { return &v }

// studentsCard counts the active students the user sees on the dashboard.
func studentsCard(c *fiber.Ctx) (web.CardView, bool, error) {
	v := ViewerOf(auth.PrincipalOf(c))
	_, n, err := New(web.Tenant(c)).ListStudents(c.UserContext(), v, StudentFilter{Status: StatusActive}, query.Page{Size: 1})
	if err != nil {
		return web.CardView{}, false, err
	}
	card := web.CardView{Label: "Active students", Value: strconv.FormatInt(n, 10), Link: "/students", LinkText: "See the students"}
	if v.Scoped() {
		card.Label, card.Text = "Your students", "in the classes you teach or lead this session"
	}
	return card, true, nil
}
