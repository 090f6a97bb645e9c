// Package students owns a school's student records: students, guardians, admissions,
// enrollments, promotion, the admission number pattern, and the student export.
//
// Handlers here only decode requests and encode answers; the Service does the work,
// one transaction per write, each with its audit entry. The package-level functions
// (CreateStudent, CreateGuardian, FindOrCreateGuardian, LinkGuardian, Enroll,
// NextAdmissionNo, NormalizePhone, SchoolCountry) run inside a caller's transaction, for
// importers and seeders.
package students

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/tenancy"
)

// Routes registers /api/core/{students,guardians,admissions,enrollments}/, the
// promotion endpoints and the admission number pattern setting on a school's routes.
func Routes(r fiber.Router) {
	read := auth.Require(auth.ReadStudents)
	write := auth.Require(auth.WriteStudents)
	admin := auth.Require(auth.ManageStudentRules)

	r.Get("/api/core/students", read, listStudents)
	r.Post("/api/core/students", write, createStudent)
	r.Get("/api/core/students/export", read, exportStudents)
	r.Get("/api/core/students/:id", read, getStudent)
	r.Patch("/api/core/students/:id", write, updateStudent)
	r.Delete("/api/core/students/:id", write, deleteStudent)
	r.Post("/api/core/students/:id/guardians", write, linkGuardian)
	r.Delete("/api/core/students/:id/guardians/:guardian", write, unlinkGuardian)

	r.Get("/api/core/guardians", read, listGuardians)
	r.Post("/api/core/guardians", write, createGuardian)
	r.Get("/api/core/guardians/:id", read, getGuardian)
	r.Patch("/api/core/guardians/:id", write, updateGuardian)
	r.Delete("/api/core/guardians/:id", write, deleteGuardian)

	r.Get("/api/core/admissions", read, listAdmissions)
	r.Post("/api/core/admissions", write, createAdmission)
	r.Get("/api/core/admissions/:id", read, getAdmission)
	r.Patch("/api/core/admissions/:id", write, updateAdmission)
	r.Delete("/api/core/admissions/:id", write, deleteAdmission)
	r.Post("/api/core/admissions/:id/enroll", write, enrollAdmission)

	r.Get("/api/core/enrollments", read, listEnrollments)
	r.Post("/api/core/enrollments", write, createEnrollment)
	r.Get("/api/core/enrollments/:id", read, getEnrollment)
	r.Patch("/api/core/enrollments/:id", write, updateEnrollment)
	r.Delete("/api/core/enrollments/:id", write, endEnrollment)

	r.Post("/api/core/promotions/preview", admin, previewPromotion)
	r.Post("/api/core/promotions/commit", admin, commitPromotion)

	r.Get("/api/core/settings/admission-number-pattern", write, getPattern)
	r.Put("/api/core/settings/admission-number-pattern", admin, putPattern)
}

func svc(c *fiber.Ctx) Service { return New(tenancy.From(c).Tenant) }

func viewer(c *fiber.Ctx) Viewer { return ViewerOf(auth.PrincipalOf(c)) }

func pathID(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id < 1 {
		return 0, errs.E(errs.NotFound, "no such item: %q is not an id", c.Params(name))
	}
	return id, nil
}

// queryIDs reads optional id query parameters, naming a bad one.
func queryIDs(c *fiber.Ctx, names ...string) (map[string]int64, error) {
	out := map[string]int64{}
	f := errs.Fields{}
	for _, n := range names {
		v := c.Query(n)
		if v == "" {
			continue
		}
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 1 {
			f.Add(n, "must be an id (a whole number from 1)")
			continue
		}
		out[n] = id
	}
	return out, f.Err()
}

func studentFilterOf(c *fiber.Ctx) (StudentFilter, error) {
	ids, err := queryIDs(c, "class", "form", "session")
	if err != nil {
		return StudentFilter{}, err
	}
	order, err := api.Ordering(c, OrderingFields, "")
	if err != nil {
		return StudentFilter{}, err
	}
	f := StudentFilter{Class: ids["class"], Form: ids["form"], Session: ids["session"], Status: c.Query("status"),
		Search: c.Query("search"), Ordering: order}
	return f, f.Check()
}

func listStudents(c *fiber.Ctx) error {
	pg, err := api.PageOf(c)
	if err != nil {
		return err
	}
	f, err := studentFilterOf(c)
	if err != nil {
		return err
	}
	rows, n, err := svc(c).ListStudentsJSON(c.UserContext(), viewer(c), f, pg)
	if err != nil {
		return err
	}
	return sendJSONList(c, api.NewList(c, pg, n, rows))
}

// sendJSONList answers with a list whose results are JSON already. c.JSON would have
// encoding/json scan every byte of them again (to compact and HTML-escape them): a
// tenth of the CPU of a list request.
func sendJSONList(c *fiber.Ctx, l api.List[json.RawMessage]) error {
	head, err := json.Marshal(struct {
		Count    int64   `json:"count"`
		Next     *string `json:"next"`
		Previous *string `json:"previous"`
	}{l.Count, l.Next, l.Previous})
	if err != nil {
		return errs.Wrap(err, "encode list")
	}
	size := len(head) + len(`,"results":[]`) + len(l.Results)
	for _, r := range l.Results {
		size += len(r)
	}
	b := make([]byte, 0, size)
	b = append(append(b, head[:len(head)-1]...), `,"results":[`...)
	for i, r := range l.Results {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, r...)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(append(b, "]}"...))
}

func getStudent(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	st, err := svc(c).GetStudent(c.UserContext(), viewer(c), id)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

func createStudent(c *fiber.Ctx) error {
	var in StudentInput
	if err := api.Decode(c, &in); err != nil {
		return err
	}
	st, err := svc(c).CreateStudent(c.UserContext(), in, auth.MetaFrom(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(st)
}

func updateStudent(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var p StudentPatch
	if err := api.Decode(c, &p); err != nil {
		return err
	}
	st, err := svc(c).UpdateStudent(c.UserContext(), id, p, auth.MetaFrom(c))
	if err != nil {
		return err
	}
	return c.JSON(st)
}

func deleteStudent(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	st, archived, err := svc(c).DeleteStudent(c.UserContext(), id, auth.MetaFrom(c))
	if err != nil {
		return err
	}
	if !archived {
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.JSON(st)
}

func linkGuardian(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in GuardianRef
	if err := api.Decode(c, &in); err != nil {
		return err
	}
	st, err := svc(c).LinkGuardian(c.UserContext(), id, in, auth.MetaFrom(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(st)
}

func unlinkGuardian(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	gid, err := pathID(c, "guardian")
	if err != nil {
		return err
	}
	if err := svc(c).UnlinkGuardian(c.UserContext(), id, gid, auth.MetaFrom(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func exportStudents(c *fiber.Ctx) error {
	format := c.Query("format", "csv")
	if format != "csv" && format != "xlsx" {
		return errs.Field("format", "must be csv or xlsx")
	}
	f, err := studentFilterOf(c)
	if err != nil {
		return err
	}
	rows, err := svc(c).ExportStudents(c.UserContext(), viewer(c), f)
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
	name := fmt.Sprintf("students-%s-%s.%s", tenancy.From(c).Info.Schema, time.Now().Format("2006-01-02"), format)
	c.Set(fiber.HeaderContentType, ctype)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

func listGuardians(c *fiber.Ctx) error {
	pg, err := api.PageOf(c)
	if err != nil {
		return err
	}
	ids, err := queryIDs(c, "student")
	if err != nil {
		return err
	}
	order, err := api.Ordering(c, GuardianOrdering, "")
	if err != nil {
		return err
	}
	rows, n, err := svc(c).ListGuardians(c.UserContext(), viewer(c),
		GuardianFilter{Search: c.Query("search"), Student: ids["student"], Ordering: order}, pg)
	if err != nil {
		return err
	}
	return c.JSON(api.NewList(c, pg, n, rows))
}

func getGuardian(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	g, err := svc(c).GetGuardian(c.UserContext(), viewer(c), id)
	if err != nil {
		return err
	}
	return c.JSON(g)
}

func createGuardian(c *fiber.Ctx) error {
	var in GuardianInput
	if err := api.Decode(c, &in); err != nil {
		return err
	}
	g, err := svc(c).CreateGuardian(c.UserContext(), in, auth.MetaFrom(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(g)
}

func updateGuardian(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var p GuardianPatch
	if err := api.Decode(c, &p); err != nil {
		return err
	}
	g, err := svc(c).UpdateGuardian(c.UserContext(), id, p, auth.MetaFrom(c))
	if err != nil {
		return err
	}
	return c.JSON(g)
}

func deleteGuardian(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := svc(c).DeleteGuardian(c.UserContext(), id, auth.MetaFrom(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func listAdmissions(c *fiber.Ctx) error {
	pg, err := api.PageOf(c)
	if err != nil {
		return err
	}
	ids, err := queryIDs(c, "form")
	if err != nil {
		return err
	}
	order, err := api.Ordering(c, AdmissionOrdering, "")
	if err != nil {
		return err
	}
	rows, n, err := svc(c).ListAdmissions(c.UserContext(), viewer(c),
		AdmissionFilter{Status: c.Query("status"), Form: ids["form"], Search: c.Query("search"), Ordering: order}, pg)
	if err != nil {
		return err
	}
	return c.JSON(api.NewList(c, pg, n, rows))
}

func getAdmission(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a, err := svc(c).GetAdmission(c.UserContext(), viewer(c), id)
	if err != nil {
		return err
	}
	return c.JSON(a)
}

func createAdmission(c *fiber.Ctx) error {
	var in AdmissionInput
	if err := api.Decode(c, &in); err != nil {
		return err
	}
	a, err := svc(c).CreateAdmission(c.UserContext(), in, auth.MetaFrom(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(a)
}

func updateAdmission(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var p AdmissionPatch
	if err := api.Decode(c, &p); err != nil {
		return err
	}
	a, err := svc(c).UpdateAdmission(c.UserContext(), id, p, auth.MetaFrom(c))
	if err != nil {
		return err
	}
	return c.JSON(a)
}

func deleteAdmission(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := svc(c).DeleteAdmission(c.UserContext(), id, auth.MetaFrom(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func enrollAdmission(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in EnrollAdmissionInput
	if err := api.Decode(c, &in); err != nil {
		return err
	}
	out, err := svc(c).EnrollAdmission(c.UserContext(), id, in, auth.MetaFrom(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func listEnrollments(c *fiber.Ctx) error {
	pg, err := api.PageOf(c)
	if err != nil {
		return err
	}
	ids, err := queryIDs(c, "student", "class", "session")
	if err != nil {
		return err
	}
	order, err := api.Ordering(c, EnrollmentOrdering, "")
	if err != nil {
		return err
	}
	rows, n, err := svc(c).ListEnrollments(c.UserContext(), viewer(c), EnrollmentFilter{Student: ids["student"],
		Class: ids["class"], Session: ids["session"], Status: c.Query("status"), Search: c.Query("search"), Ordering: order}, pg)
	if err != nil {
		return err
	}
	return c.JSON(api.NewList(c, pg, n, rows))
}

func getEnrollment(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	e, err := svc(c).GetEnrollment(c.UserContext(), viewer(c), id)
	if err != nil {
		return err
	}
	return c.JSON(e)
}

func createEnrollment(c *fiber.Ctx) error {
	var in EnrollmentInput
	if err := api.Decode(c, &in); err != nil {
		return err
	}
	e, err := svc(c).CreateEnrollment(c.UserContext(), in, auth.MetaFrom(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(e)
}

func updateEnrollment(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var p EnrollmentPatch
	if err := api.Decode(c, &p); err != nil {
		return err
	}
	e, err := svc(c).UpdateEnrollment(c.UserContext(), id, p, auth.MetaFrom(c))
	if err != nil {
		return err
	}
	return c.JSON(e)
}

func endEnrollment(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	e, err := svc(c).EndEnrollment(c.UserContext(), id, auth.MetaFrom(c))
	if err != nil {
		return err
	}
	return c.JSON(e)
}

func previewPromotion(c *fiber.Ctx) error {
	var in PromotionInput
	if err := api.Decode(c, &in); err != nil {
		return err
	}
	plan, err := svc(c).PreviewPromotion(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.JSON(plan)
}

func commitPromotion(c *fiber.Ctx) error {
	var in PromotionInput
	if err := api.Decode(c, &in); err != nil {
		return err
	}
	plan, err := svc(c).CommitPromotion(c.UserContext(), in, auth.MetaFrom(c))
	if err != nil {
		return err
	}
	return c.JSON(plan)
}

func getPattern(c *fiber.Ctx) error {
	p, err := svc(c).AdmissionPattern(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func putPattern(c *fiber.Ctx) error {
	var in struct {
		Pattern string `json:"pattern"`
	}
	if err := api.Decode(c, &in); err != nil {
		return err
	}
	p, err := svc(c).SetAdmissionPattern(c.UserContext(), in.Pattern, auth.MetaFrom(c))
	if err != nil {
		return err
	}
	return c.JSON(p)
}
