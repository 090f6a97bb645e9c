package students

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/web"
)

const admissionsPerPage = 25

// admissionStatusTabs filter the admissions list; "" is every application.
var admissionStatusTabs = []web.Option{
	{Value: "", Label: "All"},
	{Value: AdmissionApplied, Label: "Applied"},
	{Value: AdmissionAccepted, Label: "Accepted"},
	{Value: AdmissionRejected, Label: "Rejected"},
	{Value: AdmissionEnrolled, Label: "Enrolled"},
}

type statusTab struct {
	Label, Href string
	Active      bool
}

type admissionListData struct {
	Rows     []Admission
	Pager    web.Pager
	Status   string
	Search   string
	Tabs     []statusTab
	CanWrite bool
	Scoped   bool
	Sort     map[string]web.SortColumn
	SortBy   []web.SortChoice // the same orders for narrow screens, which hide the header row
}

// admissionList shows the applications, newest first, filtered by status, with the
// buttons that decide them.
func (h pages) admissionList(c *fiber.Ctx) error {
	return h.admissionListPage(c, fiber.StatusOK, h.View(c, "Admissions", "admissions"))
}

func (h pages) admissionListPage(c *fiber.Ctx, status int, v *web.View) error {
	d := admissionListData{CanWrite: auth.Allowed(v.User, Write), Scoped: ViewerOf(v.User).Scoped(),
		Search: strings.TrimSpace(c.Query("search"))}
	if s := c.Query("status"); s != "" && web.KnownOption(admissionStatusTabs, s) {
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
	order := web.ListOrder(c, AdmissionOrdering)
	if order.String() != AdmissionOrdering.Default().String() {
		q.Set("ordering", order.String())
	}
	pg, err := web.PageOf(c, admissionsPerPage)
	if err != nil {
		return err
	}
	rows, n, err := New(web.Tenant(c)).ListAdmissions(c.UserContext(), ViewerOf(v.User),
		AdmissionFilter{Status: d.Status, Search: d.Search, Order: order}, pg)
	if err != nil {
		return err
	}
	d.Rows, d.Pager = rows, web.NewPager(v.Prefix+"/admissions", q, pg.Number, pg.Size, n)
	d.Sort = web.SortColumns(v.Prefix+"/admissions", q, order, map[string]string{"Applicant": "last_name", "Applied": "applied_on",
		"Status": "status"})
	d.SortBy = web.SortChoices(order, AdmissionOrdering.Default(), web.SortField{Label: "Applied", Field: "applied_on", Asc: "oldest first", Desc: "newest first"},
		web.SortField{Label: "Applicant", Field: "last_name", Asc: "A to Z", Desc: "Z to A"},
		web.SortField{Label: "Status", Field: "status", Asc: "A to Z", Desc: "Z to A"})
	v.Data = d
	return h.Render(c, status, "admissions", v)
}

type admissionFormData struct {
	Admission     *Admission // nil on the new form
	FormOptions   []web.Option
	GenderOptions []web.Option
}

var admissionFields = []string{"first_name", "middle_name", "last_name", "gender", "date_of_birth", "form",
	"guardian_name", "guardian_relationship", "guardian_phone", "guardian_email", "applied_on", "notes"}

// admissionNewForm shows the form for a new application.
func (h pages) admissionNewForm(c *fiber.Ctx) error {
	v := h.View(c, "New application", "admissions")
	today, err := school.New(web.Tenant(c)).Today(c.UserContext())
	if err != nil {
		return err
	}
	v.Form["applied_on"] = today
	return h.admissionNewPage(c, fiber.StatusOK, v)
}

func (h pages) admissionNewPage(c *fiber.Ctx, status int, v *web.View) error {
	return h.admissionFormPage(c, status, v, nil)
}

func (h pages) admissionFormPage(c *fiber.Ctx, status int, v *web.View, a *Admission) error {
	forms, err := academics.FormOptions(c)
	if err != nil {
		return err
	}
	v.Data = admissionFormData{Admission: a, FormOptions: forms, GenderOptions: genderOptions}
	return h.Render(c, status, "admission_form", v)
}

// admissionInput reads the application form; ok is false when the form select holds text.
func admissionInput(v *web.View) (AdmissionInput, bool) {
	formID, ok := web.FormInt(v, "form")
	f := v.Form
	return AdmissionInput{FirstName: f["first_name"], MiddleName: f["middle_name"], LastName: f["last_name"],
		Gender: f["gender"], DateOfBirth: f["date_of_birth"], Form: formID, GuardianName: f["guardian_name"],
		GuardianRelationship: f["guardian_relationship"], GuardianPhone: f["guardian_phone"],
		GuardianEmail: f["guardian_email"], AppliedOn: f["applied_on"], Notes: f["notes"]}, ok
}

// admissionEditForm shows an application for correcting.
func (h pages) admissionEditForm(c *fiber.Ctx) error {
	v := h.View(c, "Application", "admissions")
	a, err := h.admissionOf(c, v)
	if err != nil {
		return h.Fail(c, err)
	}
	v.Form = map[string]string{"first_name": a.FirstName, "middle_name": a.MiddleName, "last_name": a.LastName,
		"gender": a.Gender, "form": web.ID(a.Form.ID), "guardian_name": a.GuardianName,
		"guardian_relationship": a.GuardianRelationship, "guardian_phone": a.GuardianPhone,
		"guardian_email": a.GuardianEmail, "applied_on": a.AppliedOn, "notes": a.Notes}
	if a.DateOfBirth != nil {
		v.Form["date_of_birth"] = *a.DateOfBirth
	}
	return h.admissionFormPage(c, fiber.StatusOK, v, &a)
}

func (h pages) admissionOf(c *fiber.Ctx, v *web.View) (Admission, error) {
	id, err := web.PathID(c, "application")
	if err != nil {
		return Admission{}, err
	}
	return New(web.Tenant(c)).GetAdmission(c.UserContext(), ViewerOf(v.User), id)
}

// admissionUpdate saves a corrected application.
func (h pages) admissionUpdate(c *fiber.Ctx) error {
	v := h.View(c, "Application", "admissions")
	a, err := h.admissionOf(c, v)
	if err != nil {
		return h.Fail(c, err)
	}
	v.Form = web.Form(c, admissionFields...)
	in, ok := admissionInput(v)
	if !ok {
		status, _ := web.FormError(v, web.FieldsError(v))
		return h.admissionFormPage(c, status, v, &a)
	}
	p := AdmissionPatch{Notes: &in.Notes}
	if a.Status != AdmissionEnrolled {
		p = AdmissionPatch{FirstName: &in.FirstName, MiddleName: &in.MiddleName, LastName: &in.LastName,
			Gender: &in.Gender, DateOfBirth: &in.DateOfBirth, Form: &in.Form, GuardianName: &in.GuardianName,
			GuardianRelationship: &in.GuardianRelationship, GuardianPhone: &in.GuardianPhone,
			GuardianEmail: &in.GuardianEmail, AppliedOn: &in.AppliedOn, Notes: &in.Notes}
	}
	if _, err := New(web.Tenant(c)).UpdateAdmission(c.UserContext(), a.ID, p, auth.MetaFrom(c)); err != nil {
		status, ierr := web.FormError(v, err)
		if ierr != nil {
			return ierr
		}
		return h.admissionFormPage(c, status, v, &a)
	}
	return web.Redirect(c, v.Prefix+"/admissions?done=application_saved")
}

// admissionCreate records an application (status applied).
func (h pages) admissionCreate(c *fiber.Ctx) error {
	v := h.View(c, "New application", "admissions")
	v.Form = web.Form(c, admissionFields...)
	in, ok := admissionInput(v)
	if !ok {
		status, _ := web.FormError(v, web.FieldsError(v))
		return h.admissionNewPage(c, status, v)
	}
	if _, err := New(web.Tenant(c)).CreateAdmission(c.UserContext(), in, auth.MetaFrom(c)); err != nil {
		status, ierr := web.FormError(v, err)
		if ierr != nil {
			return ierr
		}
		return h.admissionNewPage(c, status, v)
	}
	return web.Redirect(c, v.Prefix+"/admissions?status=applied&done=application_created")
}

// admissionDecide accepts or rejects an application (form field status).
func (h pages) admissionDecide(c *fiber.Ctx) error {
	id, err := web.PathID(c, "application")
	if err != nil {
		return h.Fail(c, err)
	}
	status := c.FormValue("status")
	if status != AdmissionAccepted && status != AdmissionRejected {
		return h.Fail(c, errs.E(errs.Invalid, "an application can be accepted or rejected here"))
	}
	if _, err := New(web.Tenant(c)).UpdateAdmission(c.UserContext(), id, AdmissionPatch{Status: &status}, auth.MetaFrom(c)); err != nil {
		e := errs.As(err)
		if e.Code == errs.Internal || e.Code == errs.NotFound {
			return h.Fail(c, err)
		}
		v := h.View(c, "Admissions", "admissions")
		v.Error = web.Sentence(e.Message)
		for _, msg := range e.Fields {
			v.Error = web.Sentence(msg)
		}
		return h.admissionListPage(c, web.StatusFor(e), v)
	}
	return web.Redirect(c, web.Prefix(c)+"/admissions?status="+url.QueryEscape(status)+"&done=application_"+status)
}

type admissionEnrollData struct {
	Admission    Admission
	ClassOptions []web.OptionGroup
	Session      string
	NextNo       string
	// NoClassOfForm is set when the session has no class of the form applied for;
	// OtherForm when the class chosen is of another form (the form asks to confirm).
	NoClassOfForm bool
	OtherForm     bool
}

// admissionEnrollForm asks for the class (and optionally the admission number) of an
// accepted applicant.
func (h pages) admissionEnrollForm(c *fiber.Ctx) error {
	return h.admissionEnrollPage(c, fiber.StatusOK, h.View(c, "Enroll", "admissions"))
}

func (h pages) admissionEnrollPage(c *fiber.Ctx, status int, v *web.View) error {
	a, err := h.admissionOf(c, v)
	if err != nil {
		return h.Fail(c, err)
	}
	d := admissionEnrollData{Admission: a}
	cur, err := academics.CurrentSessionOf(c)
	if err != nil {
		return err
	}
	if cur != nil {
		d.Session = cur.Name
		_, opts, err := academics.ClassOptions(c, cur.ID)
		if err != nil {
			return err
		}
		// The classes of the form applied for come first.
		var mine, others []web.Option
		for _, o := range opts {
			if o.Group == a.Form.Name {
				mine = append(mine, o)
			} else {
				others = append(others, o)
			}
		}
		d.ClassOptions = web.Grouped(append(mine, others...))
		if v.Form["class"] == "" && len(mine) == 1 {
			v.Form["class"] = mine[0].Value
		}
		d.NoClassOfForm = len(mine) == 0 && len(opts) > 0
		d.OtherForm = v.Form["other_form"] == "ask"
	}
	p, err := New(web.Tenant(c)).AdmissionPattern(c.UserContext())
	if err != nil {
		return err
	}
	d.NextNo = p.Next
	v.Title = "Enroll " + strings.TrimSpace(a.FirstName+" "+a.LastName)
	v.Data = d
	return h.Render(c, status, "admission_enroll", v)
}

// admissionEnroll turns the accepted application into a student in the chosen class, in
// one transaction, and opens the new student's profile.
func (h pages) admissionEnroll(c *fiber.Ctx) error {
	id, err := web.PathID(c, "application")
	if err != nil {
		return h.Fail(c, err)
	}
	v := h.View(c, "Enroll", "admissions")
	v.Form = web.Form(c, "class", "admission_no")
	class, ok := web.FormInt(v, "class")
	if ok && class == 0 {
		v.Fields["class"] = "Choose a class"
	}
	if len(v.Fields) > 0 {
		status, _ := web.FormError(v, web.FieldsError(v))
		return h.admissionEnrollPage(c, status, v)
	}
	// A class of another form than the one applied for is taken only when confirmed.
	if c.FormValue("other_form") != "1" {
		a, err := New(web.Tenant(c)).GetAdmission(c.UserContext(), ViewerOf(v.User), id)
		if err != nil {
			return h.Fail(c, err)
		}
		if cl, err := academics.New(web.Tenant(c)).Class(c.UserContext(), class); err == nil && cl.FormID != a.Form.ID {
			v.Form["other_form"] = "ask"
			v.Fields["class"] = fmt.Sprintf("%s is a class of %s, but %s applied for %s", cl.Name, cl.FormName, a.FirstName, a.Form.Name)
			status, _ := web.FormError(v, web.FieldsError(v))
			return h.admissionEnrollPage(c, status, v)
		}
	}
	out, err := New(web.Tenant(c)).EnrollAdmission(c.UserContext(), id, EnrollAdmissionInput{Class: class,
		AdmissionNo: v.Form["admission_no"]}, auth.MetaFrom(c))
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return h.Fail(c, err)
		}
		status, ierr := web.FormError(v, err)
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
	return web.Redirect(c, studentURL(v.Prefix, out.Student.ID, "student_enrolled"))
}
