// Package students owns a school's student records: students, guardians, admissions,
// enrollments, promotion, the admission number pattern, and the student export.
//
// Handlers here are built by app/api/handler from the Service, which does the work,
// one transaction per write, each with its audit entry. The package-level functions
// (CreateStudent, CreateGuardian, FindOrCreateGuardian, LinkGuardian, Enroll,
// NextAdmissionNo, NormalizePhone, SchoolCountry) run inside a caller's transaction, for
// importers and seeders.
package students

import (
	"bytes"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api/handler"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/tenancy"
)

// Routes registers /api/core/{students,guardians,admissions,enrollments}/, the
// promotion endpoints and the admission number pattern setting on a school's routes.
func Routes(r fiber.Router) {
	read := auth.Require(Read)
	write := auth.Require(Write)
	admin := auth.Require(ManageRules)

	r.Get("/api/core/students", read, handler.ListAs(New, viewer, studentFilter, Service.ListStudentsJSON))
	r.Post("/api/core/students", write, handler.Create(New, Service.CreateStudent))
	r.Get("/api/core/students/export", read, exportStudents)
	r.Get("/api/core/students/:id", read, handler.GetAs(New, viewer, Service.GetStudent))
	r.Patch("/api/core/students/:id", write, handler.Update(New, Service.UpdateStudent))
	r.Delete("/api/core/students/:id", write, handler.Remove(New, Service.DeleteStudent))
	r.Post("/api/core/students/:id/guardians", write, handler.Do(New, fiber.StatusCreated, Service.LinkGuardian))
	r.Delete("/api/core/students/:id/guardians/:guardian", write, unlinkGuardian)

	r.Get("/api/core/guardians", read, handler.ListAs(New, viewer, guardianFilter, Service.ListGuardians))
	r.Post("/api/core/guardians", write, handler.Create(New, Service.CreateGuardian))
	r.Get("/api/core/guardians/:id", read, handler.GetAs(New, viewer, Service.GetGuardian))
	r.Patch("/api/core/guardians/:id", write, handler.Update(New, Service.UpdateGuardian))
	r.Delete("/api/core/guardians/:id", write, handler.Remove(New, Service.DeleteGuardian))

	r.Get("/api/core/admissions", read, handler.ListAs(New, viewer, admissionFilter, Service.ListAdmissions))
	r.Post("/api/core/admissions", write, handler.Create(New, Service.CreateAdmission))
	r.Get("/api/core/admissions/:id", read, handler.GetAs(New, viewer, Service.GetAdmission))
	r.Patch("/api/core/admissions/:id", write, handler.Update(New, Service.UpdateAdmission))
	r.Delete("/api/core/admissions/:id", write, handler.Remove(New, Service.DeleteAdmission))
	r.Post("/api/core/admissions/:id/enroll", write, handler.Do(New, fiber.StatusCreated, Service.EnrollAdmission))

	r.Get("/api/core/enrollments", read, handler.ListAs(New, viewer, enrollmentFilter, Service.ListEnrollments))
	r.Post("/api/core/enrollments", write, handler.Create(New, Service.CreateEnrollment))
	r.Get("/api/core/enrollments/:id", read, handler.GetAs(New, viewer, Service.GetEnrollment))
	r.Patch("/api/core/enrollments/:id", write, handler.Update(New, Service.UpdateEnrollment))
	r.Delete("/api/core/enrollments/:id", write, endEnrollment)

	r.Post("/api/core/promotions/preview", admin, previewPromotion)
	r.Post("/api/core/promotions/commit", admin, commitPromotion)

	r.Get("/api/core/settings/admission-number-pattern", write, getPattern)
	r.Put("/api/core/settings/admission-number-pattern", admin, putPattern)
}

// viewer is whose eyes a read is for: a teacher sees the students of their classes.
func viewer(c *fiber.Ctx) Viewer { return ViewerOf(auth.PrincipalOf(c)) }

func studentFilter(q *handler.Query) StudentFilter {
	return StudentFilter{Class: q.ID("class"), Form: q.ID("form"), Session: q.ID("session"), Status: q.String("status"),
		Search: q.String("search"), Order: q.Order(StudentOrdering)}
}

func guardianFilter(q *handler.Query) GuardianFilter {
	return GuardianFilter{Search: q.String("search"), Student: q.ID("student"), Order: q.Order(GuardianOrdering)}
}

func admissionFilter(q *handler.Query) AdmissionFilter {
	return AdmissionFilter{Status: q.String("status"), Form: q.ID("form"), Search: q.String("search"),
		Order: q.Order(AdmissionOrdering)}
}

func enrollmentFilter(q *handler.Query) EnrollmentFilter {
	return EnrollmentFilter{Student: q.ID("student"), Class: q.ID("class"), Session: q.ID("session"),
		Status: q.String("status"), Search: q.String("search"), Order: q.Order(EnrollmentOrdering)}
}

func unlinkGuardian(c *fiber.Ctx) error {
	id, err := handler.ID(c, "id")
	if err != nil {
		return err
	}
	gid, err := handler.ID(c, "guardian")
	if err != nil {
		return err
	}
	if err := handler.Service(c, New).UnlinkGuardian(c.UserContext(), id, gid, handler.Meta(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func exportStudents(c *fiber.Ctx) error {
	format := c.Query("format", "csv")
	if format != "csv" && format != "xlsx" {
		return errs.Field("format", "must be csv or xlsx")
	}
	q := handler.NewQuery(c)
	f := studentFilter(q)
	if err := q.Err(); err != nil {
		return err
	}
	svc := handler.Service(c, New)
	rows, err := svc.ExportStudents(c.UserContext(), viewer(c), f)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	ctype := "text/csv; charset=utf-8"
	if format == "xlsx" {
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		err = WriteXLSX(&buf, rows)
	} else {
		err = WriteCSV(&buf, rows)
	}
	if err != nil {
		return errs.Wrap(err, "write export")
	}
	today, err := school.New(svc.T).Today(c.UserContext())
	if err != nil {
		return err
	}
	name := fmt.Sprintf("students-%s-%s.%s", tenancy.From(c).Info.Schema, today, format)
	c.Set(fiber.HeaderContentType, ctype)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

// endEnrollment archives an enrollment (DELETE keeps it, as left): 200 with it.
func endEnrollment(c *fiber.Ctx) error {
	id, err := handler.ID(c, "id")
	if err != nil {
		return err
	}
	e, err := handler.Service(c, New).EndEnrollment(c.UserContext(), id, handler.Meta(c))
	if err != nil {
		return err
	}
	return c.JSON(e)
}

func previewPromotion(c *fiber.Ctx) error {
	in, err := handler.Body[PromotionInput](c)
	if err != nil {
		return err
	}
	plan, err := handler.Service(c, New).PreviewPromotion(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.JSON(plan)
}

func commitPromotion(c *fiber.Ctx) error {
	in, err := handler.Body[PromotionInput](c)
	if err != nil {
		return err
	}
	plan, err := handler.Service(c, New).CommitPromotion(c.UserContext(), in, handler.Meta(c))
	if err != nil {
		return err
	}
	return c.JSON(plan)
}

func getPattern(c *fiber.Ctx) error {
	p, err := handler.Service(c, New).AdmissionPattern(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// PatternInput sets the school's admission number pattern.
type PatternInput struct {
	Pattern string `json:"pattern"`
}

func putPattern(c *fiber.Ctx) error {
	in, err := handler.Body[PatternInput](c)
	if err != nil {
		return err
	}
	p, err := handler.Service(c, New).SetAdmissionPattern(c.UserContext(), in.Pattern, handler.Meta(c))
	if err != nil {
		return err
	}
	return c.JSON(p)
}
