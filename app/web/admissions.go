package web

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/app/errs"
)

const admissionsPerPage = 25

// admissionStatusTabs filter the admissions list; "" is every application.
var admissionStatusTabs = []option{
	{Value: "", Label: "All"},
	{Value: students.AdmissionApplied, Label: "Applied"},
	{Value: students.AdmissionAccepted, Label: "Accepted"},
	{Value: students.AdmissionRejected, Label: "Rejected"},
	{Value: students.AdmissionEnrolled, Label: "Enrolled"},
}

type statusTab struct {
	Label, Href string
	Active      bool
}

type admissionListData struct {
	Rows     []students.Admission
	Pager    pager
	Status   string
	Search   string
	Tabs     []statusTab
	CanWrite bool
	Scoped   bool
}

// admissionList shows the applications, newest first, filtered by status, with the
// buttons that decide them.
func (h *handlers) admissionList(c *fiber.Ctx) error {
	return h.admissionListPage(c, fiber.StatusOK, h.newView(c, "Admissions", "admissions"))
}

func (h *handlers) admissionListPage(c *fiber.Ctx, status int, v *view) error {
	d := admissionListData{CanWrite: auth.Allowed(v.User, auth.WriteStudents), Scoped: viewerOf(v).Scoped(),
		Search: strings.TrimSpace(c.Query("search"))}
	if s := c.Query("status"); s != "" && knownOption(admissionStatusTabs, s) {
		d.Status = s
	}
	q := url.Values{}
	if d.Search != "" {
		q.Set("search", d.Search)
	}
	for _, t := range admissionStatusTabs {
		tq := url.Values{}
		if t.Value != "" {
			tq.Set("status", t.Value)
		}
		if d.Search != "" {
			tq.Set("search", d.Search)
		}
		href := v.Prefix + "/admissions"
		if len(tq) > 0 {
			href += "?" + tq.Encode()
		}
		d.Tabs = append(d.Tabs, statusTab{Label: t.Label, Href: href, Active: t.Value == d.Status})
	}
	if d.Status != "" {
		q.Set("status", d.Status)
	}
	pg, err := pageOf(c, admissionsPerPage)
	if err != nil {
		return err
	}
	rows, n, err := studentsOf(c).ListAdmissions(c.UserContext(), viewerOf(v),
		students.AdmissionFilter{Status: d.Status, Search: d.Search}, pg)
	if err != nil {
		return err
	}
	d.Rows, d.Pager = rows, newPager(v.Prefix+"/admissions", q, pg.Number, pg.Size, n)
	v.Data = d
	return h.render(c, status, "admissions", v)
}

type admissionFormData struct {
	Admission     *students.Admission // nil on the new form
	FormOptions   []option
	GenderOptions []option
}

var admissionFields = []string{"first_name", "middle_name", "last_name", "gender", "date_of_birth", "form",
	"guardian_name", "guardian_relationship", "guardian_phone", "guardian_email", "applied_on", "notes"}

// admissionNewForm shows the form for a new application.
func (h *handlers) admissionNewForm(c *fiber.Ctx) error {
	v := h.newView(c, "New application", "admissions")
	today, err := school.New(tenantOf(c)).Today(c.UserContext())
	if err != nil {
		return err
	}
	v.Form["applied_on"] = today
	return h.admissionNewPage(c, fiber.StatusOK, v)
}

func (h *handlers) admissionNewPage(c *fiber.Ctx, status int, v *view) error {
	return h.admissionFormPage(c, status, v, nil)
}

func (h *handlers) admissionFormPage(c *fiber.Ctx, status int, v *view, a *students.Admission) error {
	forms, err := formOptions(c)
	if err != nil {
		return err
	}
	v.Data = admissionFormData{Admission: a, FormOptions: forms, GenderOptions: genderOptions}
	return h.render(c, status, "admission_form", v)
}

// admissionInput reads the application form; ok is false when the form select holds text.
func admissionInput(v *view) (students.AdmissionInput, bool) {
	formID, ok := formInt(v, "form")
	f := v.Form
	return students.AdmissionInput{FirstName: f["first_name"], MiddleName: f["middle_name"], LastName: f["last_name"],
		Gender: f["gender"], DateOfBirth: f["date_of_birth"], Form: formID, GuardianName: f["guardian_name"],
		GuardianRelationship: f["guardian_relationship"], GuardianPhone: f["guardian_phone"],
		GuardianEmail: f["guardian_email"], AppliedOn: f["applied_on"], Notes: f["notes"]}, ok
}

// admissionEditForm shows an application for correcting.
func (h *handlers) admissionEditForm(c *fiber.Ctx) error {
	v := h.newView(c, "Application", "admissions")
	a, err := h.admissionOf(c, v)
	if err != nil {
		return h.fail(c, err)
	}
	v.Form = map[string]string{"first_name": a.FirstName, "middle_name": a.MiddleName, "last_name": a.LastName,
		"gender": a.Gender, "form": id64(a.Form.ID), "guardian_name": a.GuardianName,
		"guardian_relationship": a.GuardianRelationship, "guardian_phone": a.GuardianPhone,
		"guardian_email": a.GuardianEmail, "applied_on": a.AppliedOn, "notes": a.Notes}
	if a.DateOfBirth != nil {
		v.Form["date_of_birth"] = *a.DateOfBirth
	}
	return h.admissionFormPage(c, fiber.StatusOK, v, &a)
}

func (h *handlers) admissionOf(c *fiber.Ctx, v *view) (students.Admission, error) {
	id, err := pathID(c, "application")
	if err != nil {
		return students.Admission{}, err
	}
	return studentsOf(c).GetAdmission(c.UserContext(), viewerOf(v), id)
}

// admissionUpdate saves a corrected application.
func (h *handlers) admissionUpdate(c *fiber.Ctx) error {
	v := h.newView(c, "Application", "admissions")
	a, err := h.admissionOf(c, v)
	if err != nil {
		return h.fail(c, err)
	}
	v.Form = form(c, admissionFields...)
	in, ok := admissionInput(v)
	if !ok {
		status, _ := formError(v, fieldsError(v))
		return h.admissionFormPage(c, status, v, &a)
	}
	p := students.AdmissionPatch{Notes: &in.Notes}
	if a.Status != students.AdmissionEnrolled {
		p = students.AdmissionPatch{FirstName: &in.FirstName, MiddleName: &in.MiddleName, LastName: &in.LastName,
			Gender: &in.Gender, DateOfBirth: &in.DateOfBirth, Form: &in.Form, GuardianName: &in.GuardianName,
			GuardianRelationship: &in.GuardianRelationship, GuardianPhone: &in.GuardianPhone,
			GuardianEmail: &in.GuardianEmail, AppliedOn: &in.AppliedOn, Notes: &in.Notes}
	}
	if _, err := studentsOf(c).UpdateAdmission(c.UserContext(), a.ID, p, auth.MetaFrom(c)); err != nil {
		status, ierr := formError(v, err)
		if ierr != nil {
			return ierr
		}
		return h.admissionFormPage(c, status, v, &a)
	}
	return redirect(c, v.Prefix+"/admissions?done=application_saved")
}

// admissionCreate records an application (status applied).
func (h *handlers) admissionCreate(c *fiber.Ctx) error {
	v := h.newView(c, "New application", "admissions")
	v.Form = form(c, admissionFields...)
	in, ok := admissionInput(v)
	if !ok {
		status, _ := formError(v, fieldsError(v))
		return h.admissionNewPage(c, status, v)
	}
	if _, err := studentsOf(c).CreateAdmission(c.UserContext(), in, auth.MetaFrom(c)); err != nil {
		status, ierr := formError(v, err)
		if ierr != nil {
			return ierr
		}
		return h.admissionNewPage(c, status, v)
	}
	return redirect(c, v.Prefix+"/admissions?status=applied&done=application_created")
}

// admissionDecide accepts or rejects an application (form field status).
func (h *handlers) admissionDecide(c *fiber.Ctx) error {
	id, err := pathID(c, "application")
	if err != nil {
		return h.fail(c, err)
	}
	status := c.FormValue("status")
	if status != students.AdmissionAccepted && status != students.AdmissionRejected {
		return h.fail(c, errs.E(errs.Invalid, "an application can be accepted or rejected here"))
	}
	if _, err := studentsOf(c).UpdateAdmission(c.UserContext(), id, students.AdmissionPatch{Status: &status}, auth.MetaFrom(c)); err != nil {
		e := errs.As(err)
		if e.Code == errs.Internal || e.Code == errs.NotFound {
			return h.fail(c, err)
		}
		v := h.newView(c, "Admissions", "admissions")
		v.Error = sentence(e.Message)
		for _, msg := range e.Fields {
			v.Error = sentence(msg)
		}
		return h.admissionListPage(c, statusFor(e), v)
	}
	return redirect(c, prefix(c)+"/admissions?status="+url.QueryEscape(status)+"&done=application_"+status)
}

type admissionEnrollData struct {
	Admission    students.Admission
	ClassOptions []optionGroup
	Session      string
	NextNo       string
}

// admissionEnrollForm asks for the class (and optionally the admission number) of an
// accepted applicant.
func (h *handlers) admissionEnrollForm(c *fiber.Ctx) error {
	return h.admissionEnrollPage(c, fiber.StatusOK, h.newView(c, "Enroll", "admissions"))
}

func (h *handlers) admissionEnrollPage(c *fiber.Ctx, status int, v *view) error {
	a, err := h.admissionOf(c, v)
	if err != nil {
		return h.fail(c, err)
	}
	d := admissionEnrollData{Admission: a}
	cur, err := currentSession(c)
	if err != nil {
		return err
	}
	if cur != nil {
		d.Session = cur.Name
		_, opts, err := classOptions(c, cur.ID)
		if err != nil {
			return err
		}
		// The classes of the form applied for come first.
		var mine, others []option
		for _, o := range opts {
			if o.Group == a.Form.Name {
				mine = append(mine, o)
			} else {
				others = append(others, o)
			}
		}
		d.ClassOptions = grouped(append(mine, others...))
		if v.Form["class"] == "" && len(mine) == 1 {
			v.Form["class"] = mine[0].Value
		}
	}
	p, err := studentsOf(c).AdmissionPattern(c.UserContext())
	if err != nil {
		return err
	}
	d.NextNo = p.Next
	v.Title = "Enroll " + strings.TrimSpace(a.FirstName+" "+a.LastName)
	v.Data = d
	return h.render(c, status, "admission_enroll", v)
}

// admissionEnroll turns the accepted application into a student in the chosen class, in
// one transaction, and opens the new student's profile.
func (h *handlers) admissionEnroll(c *fiber.Ctx) error {
	id, err := pathID(c, "application")
	if err != nil {
		return h.fail(c, err)
	}
	v := h.newView(c, "Enroll", "admissions")
	v.Form = form(c, "class", "admission_no")
	class, ok := formInt(v, "class")
	if ok && class == 0 {
		v.Fields["class"] = "Choose a class"
	}
	if len(v.Fields) > 0 {
		status, _ := formError(v, fieldsError(v))
		return h.admissionEnrollPage(c, status, v)
	}
	out, err := studentsOf(c).EnrollAdmission(c.UserContext(), id, students.EnrollAdmissionInput{Class: class,
		AdmissionNo: v.Form["admission_no"]}, auth.MetaFrom(c))
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return h.fail(c, err)
		}
		status, ierr := formError(v, err)
		if ierr != nil {
			return ierr
		}
		// Problems with the application itself are not about this form's fields.
		for k, msg := range v.Fields {
			switch k {
			case "class", "admission_no":
			case "status":
				v.Error = msg
				delete(v.Fields, k)
			default:
				v.Error = "The application's " + strings.ReplaceAll(k, "_", " ") + " " + strings.ToLower(msg[:1]) + msg[1:] +
					"; correct the application first."
				delete(v.Fields, k)
			}
		}
		return h.admissionEnrollPage(c, status, v)
	}
	return redirect(c, studentURL(v.Prefix, out.Student.ID, "student_enrolled"))
}
