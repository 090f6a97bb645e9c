package students

import (
	"maps"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/attendance"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/web"
)

var studentStatusOptions = []web.Option{
	{Value: StatusActive, Label: "Active"},
	{Value: StatusSuspended, Label: "Suspended"},
	{Value: StatusGraduated, Label: "Graduated"},
	{Value: StatusTransferred, Label: "Transferred"},
	{Value: StatusWithdrawn, Label: "Withdrawn"},
}

var genderOptions = []web.Option{{Value: "female", Label: "Female"}, {Value: "male", Label: "Male"}, {Value: "other", Label: "Other"}}

// guardianFieldNames are the service's names for the first guardian's fields and the
// form's.
var guardianFieldNames = map[string]string{
	"guardians":                 "guardian_name",
	"guardians[0].id":           "guardian_name",
	"guardians[0].name":         "guardian_name",
	"guardians[0].relationship": "guardian_relationship",
	"guardians[0].phone":        "guardian_phone",
	"guardians[0].email":        "guardian_email",
	"name":                      "guardian_name",
	"relationship":              "guardian_relationship",
	"phone":                     "guardian_phone",
	"email":                     "guardian_email",
	"id":                        "guardian_name",
}

// createFieldNames also puts the enrollment's complaints about the new student at the
// class select.
var createFieldNames = func() map[string]string {
	m := maps.Clone(guardianFieldNames)
	m["student"] = "class"
	return m
}()

type studentListData struct {
	Rows          []Student
	Phones        map[int64]string // the primary guardian's phone of each row's student
	Sort          map[string]web.SortColumn
	SortBy        []web.SortChoice // the same orders for narrow screens, which hide the header row
	PageSize      int
	PageSizes     []int
	Pager         web.Pager
	Search        string
	Class, Form   string
	Status        string
	ClassOptions  []web.OptionGroup
	FormOptions   []web.Option
	StatusOptions []web.Option
	ExportCSV     string
	ExportXLSX    string
	Filtered      bool
	Scoped        bool // a teacher: only the students of their classes
	CanWrite      bool
	NoSession     bool
}

// visibleClasses are the classes of the current session the viewer may filter by: all
// of them, or for a teacher the ones they lead or teach.
func visibleClasses(c *fiber.Ctx, v *web.View, sessionID int64) ([]web.Option, error) {
	cls, opts, err := academics.ClassOptions(c, sessionID)
	if err != nil || !ViewerOf(v.User).Scoped() {
		return opts, err
	}
	mine := map[int64]bool{}
	for _, x := range cls {
		if x.ClassTeacherID != nil && *x.ClassTeacherID == v.User.UserID {
			mine[x.ID] = true
		}
	}
	as, err := web.All(c, academics.New(web.Tenant(c)).ListAssignments, academics.AssignmentFilter{TeacherID: v.User.UserID, SessionID: sessionID})
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		mine[a.ClassID] = true
	}
	var out []web.Option
	for i, x := range cls {
		if mine[x.ID] {
			out = append(out, opts[i])
		}
	}
	return out, nil
}

// studentList is the students list: search by name or admission number, filters,
// pages, and the export of what is shown. htmx asks for the results part only.
func (h pages) studentList(c *fiber.Ctx) error {
	ctx := c.UserContext()
	v := h.View(c, "Students", "students")
	d := studentListData{StatusOptions: studentStatusOptions, Scoped: ViewerOf(v.User).Scoped(),
		CanWrite: auth.Allowed(v.User, Write)}
	q := url.Values{}
	f := StudentFilter{Search: strings.TrimSpace(c.Query("search")), Class: web.QueryID(c, "class"), Form: web.QueryID(c, "form")}
	if s := c.Query("status"); web.KnownOption(studentStatusOptions, s) {
		f.Status = s
	}
	d.Search, d.Status = f.Search, f.Status
	if f.Search != "" {
		q.Set("search", f.Search)
	}
	if f.Class != 0 {
		d.Class = web.ID(f.Class)
		q.Set("class", d.Class)
	}
	if f.Form != 0 {
		d.Form = web.ID(f.Form)
		q.Set("form", d.Form)
	}
	if f.Status != "" {
		q.Set("status", f.Status)
	}
	d.Filtered = len(q) > 0
	f.Order = web.ListOrder(c, StudentOrdering)
	if f.Order.String() != StudentOrdering.Default().String() {
		q.Set("ordering", f.Order.String())
	}
	d.PageSize, d.PageSizes = web.PageSize(c), web.PageSizes
	if d.PageSize != web.PageSizes[0] {
		q.Set("page_size", strconv.Itoa(d.PageSize))
	}
	pg, err := web.PageOf(c, d.PageSize)
	if err != nil {
		return err
	}
	rows, n, err := New(web.Tenant(c)).ListStudents(ctx, ViewerOf(v.User), f, pg)
	if err != nil {
		return err
	}
	d.Rows = rows
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	if d.Phones, err = New(web.Tenant(c)).PrimaryPhones(ctx, ids); err != nil {
		return err
	}
	d.Pager = web.NewPager(v.Prefix+"/students", q, pg.Number, pg.Size, n)
	d.Sort = web.SortColumns(v.Prefix+"/students", q, f.Order, map[string]string{"Name": "last_name", "Admission no.": "admission_no"})
	d.SortBy = web.SortChoices(f.Order, StudentOrdering.Default(), web.SortField{Label: "Name", Field: "last_name", Asc: "A to Z", Desc: "Z to A"},
		web.SortField{Label: "Admission no.", Field: "admission_no", Asc: "ascending", Desc: "descending"})
	export := url.Values{}
	for k, vs := range q {
		if k != "page_size" {
			export[k] = vs
		}
	}
	export.Set("format", "csv")
	d.ExportCSV = v.Prefix + "/api/core/students/export/?" + export.Encode()
	export.Set("format", "xlsx")
	d.ExportXLSX = v.Prefix + "/api/core/students/export/?" + export.Encode()
	v.Data = &d
	c.Vary("HX-Request")
	if web.IsHTMX(c) && c.Get("HX-History-Restore-Request") != "true" {
		return h.RenderPart(c, fiber.StatusOK, "students", "student_results", v)
	}
	cur, err := academics.CurrentSessionOf(c)
	if err != nil {
		return err
	}
	if cur == nil {
		d.NoSession = true
	} else {
		opts, err := visibleClasses(c, v, cur.ID)
		if err != nil {
			return err
		}
		d.ClassOptions = web.Grouped(opts)
	}
	if d.FormOptions, err = academics.FormOptions(c); err != nil {
		return err
	}
	return h.Render(c, fiber.StatusOK, "students", v)
}

type studentData struct {
	Student    StudentDetail
	CanWrite   bool
	Attendance *attendanceCard // nil for those who may not read attendance
}

// attendanceCard is a student's attendance over a term on their page, with a picker of
// the school's terms.
type attendanceCard struct {
	Summary *attendance.Summary // nil when Problem says why there is none
	Problem string
	Terms   []web.OptionGroup
	Term    string // the chosen term's id, "" for the current term
}

// studentProfile shows one student: bio, guardians, class and enrollment history. A
// teacher sees only the students of their classes; others are not found.
func (h pages) studentProfile(c *fiber.Ctx) error {
	return h.studentProfilePage(c, fiber.StatusOK, h.View(c, "Student", "students"))
}

func (h pages) studentProfilePage(c *fiber.Ctx, status int, v *web.View) error {
	id, err := web.PathID(c, "student")
	if err != nil {
		return h.Fail(c, err)
	}
	st, err := New(web.Tenant(c)).GetStudent(c.UserContext(), ViewerOf(v.User), id)
	if err != nil {
		return h.Fail(c, err)
	}
	v.Title = studentName(st.Student)
	d := studentData{Student: st, CanWrite: auth.Allowed(v.User, Write)}
	if auth.Allowed(v.User, attendance.Read) {
		if d.Attendance, err = studentAttendance(c, v, id); err != nil {
			return h.Fail(c, err)
		}
	}
	v.Data = d
	return h.Render(c, status, "student", v)
}

func studentName(s Student) string {
	return strings.Join(strings.Fields(s.FirstName+" "+s.MiddleName+" "+s.LastName), " ")
}

var newGuardianFields = []string{"guardian_name", "guardian_relationship", "guardian_phone", "guardian_email"}

// guardianInput is the guardian part of a form, nil when every field is empty.
func guardianInput(v *web.View) *GuardianInput {
	in := GuardianInput{Name: v.Form["guardian_name"], Relationship: v.Form["guardian_relationship"],
		Phone: v.Form["guardian_phone"], Email: v.Form["guardian_email"]}
	if in == (GuardianInput{}) {
		return nil
	}
	return &in
}

// guardianAdd links a new guardian (or the one who has that phone number already) to
// the student, from the form on the profile.
func (h pages) guardianAdd(c *fiber.Ctx) error {
	id, err := web.PathID(c, "student")
	if err != nil {
		return h.Fail(c, err)
	}
	v := h.View(c, "Student", "students")
	v.Form = web.Form(c, newGuardianFields...)
	v.Form["is_primary"] = web.Checked(c, "is_primary")
	in := guardianInput(v)
	if in == nil {
		in = &GuardianInput{}
	}
	if _, err := New(web.Tenant(c)).LinkGuardian(c.UserContext(), id, GuardianRef{GuardianInput: *in,
		IsPrimary: v.Form["is_primary"] == "1"}, auth.MetaFrom(c)); err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return h.Fail(c, err)
		}
		status, ierr := web.FormError(v, errs.RenameFields(err, guardianFieldNames))
		if ierr != nil {
			return ierr
		}
		v.Form["open_guardian"] = "1"
		return h.studentProfilePage(c, status, v)
	}
	return web.Redirect(c, studentURL(v.Prefix, id, "guardian_added"))
}

func studentURL(prefix string, id int64, done string) string {
	u := prefix + "/students/" + web.ID(id)
	if done != "" {
		u += "?done=" + done
	}
	return u
}

// studentFormData is what the new and edit forms show besides the values.
type studentFormData struct {
	Student       *StudentDetail // nil on the new form
	ClassOptions  []web.OptionGroup
	GenderOptions []web.Option
	StatusOptions []web.Option
	Session       string // the current session's name, "" when there is none
	NextNo        string // the admission number a student without one gets
}

var studentBioFields = []string{"first_name", "middle_name", "last_name", "gender", "date_of_birth", "admission_no",
	"admitted_on", "nationality", "home_language", "address", "medical_notes"}

func (h pages) studentFormData(c *fiber.Ctx, st *StudentDetail) (studentFormData, error) {
	d := studentFormData{Student: st, GenderOptions: genderOptions, StatusOptions: studentStatusOptions}
	cur, err := academics.CurrentSessionOf(c)
	if err != nil || cur == nil {
		return d, err
	}
	d.Session = cur.Name
	_, opts, err := academics.ClassOptions(c, cur.ID)
	if err != nil {
		return d, err
	}
	d.ClassOptions = web.Grouped(opts)
	if st == nil {
		p, err := New(web.Tenant(c)).AdmissionPattern(c.UserContext())
		if err != nil {
			return d, err
		}
		d.NextNo = p.Next
	}
	return d, nil
}

// studentNewForm shows the form for a new student with a first guardian.
func (h pages) studentNewForm(c *fiber.Ctx) error {
	v := h.View(c, "New student", "students")
	v.Form["class"] = c.Query("class")
	return h.studentNewPage(c, fiber.StatusOK, v)
}

func (h pages) studentNewPage(c *fiber.Ctx, status int, v *web.View) error {
	d, err := h.studentFormData(c, nil)
	if err != nil {
		return err
	}
	v.Data = d
	return h.Render(c, status, "student_new", v)
}

// studentCreate creates the student, the first guardian and the class enrollment in one
// transaction: a refused form writes nothing.
func (h pages) studentCreate(c *fiber.Ctx) error {
	v := h.View(c, "New student", "students")
	v.Form = web.Form(c, append(append(studentBioFields, "class"), newGuardianFields...)...)
	class, ok := web.FormInt(v, "class")
	if !ok {
		status, _ := web.FormError(v, web.FieldsError(v))
		return h.studentNewPage(c, status, v)
	}
	in := StudentInput{AdmissionNo: v.Form["admission_no"], FirstName: v.Form["first_name"],
		MiddleName: v.Form["middle_name"], LastName: v.Form["last_name"], Gender: v.Form["gender"],
		DateOfBirth: v.Form["date_of_birth"], Nationality: v.Form["nationality"], HomeLanguage: v.Form["home_language"],
		Address: v.Form["address"], MedicalNotes: v.Form["medical_notes"], AdmittedOn: v.Form["admitted_on"], Class: class}
	if g := guardianInput(v); g != nil {
		in.Guardians = []GuardianRef{{GuardianInput: *g, IsPrimary: true}}
	}
	st, err := New(web.Tenant(c)).CreateStudent(c.UserContext(), in, auth.MetaFrom(c))
	if err != nil {
		status, ierr := web.FormError(v, errs.RenameFields(err, createFieldNames))
		if ierr != nil {
			return ierr
		}
		return h.studentNewPage(c, status, v)
	}
	return web.Redirect(c, studentURL(v.Prefix, st.ID, "student_created"))
}

// studentEditForm shows a student's bio for changing, and the class of the current
// session.
func (h pages) studentEditForm(c *fiber.Ctx) error {
	v := h.View(c, "Edit student", "students")
	st, err := h.studentForEdit(c, v)
	if err != nil {
		return h.Fail(c, err)
	}
	s := st.Student
	v.Form = map[string]string{"first_name": s.FirstName, "middle_name": s.MiddleName, "last_name": s.LastName,
		"gender": s.Gender, "admission_no": s.AdmissionNo, "admitted_on": s.AdmittedOn, "nationality": s.Nationality,
		"home_language": s.HomeLanguage, "address": s.Address, "medical_notes": s.MedicalNotes, "status": s.Status}
	if s.DateOfBirth != nil {
		v.Form["date_of_birth"] = *s.DateOfBirth
	}
	if s.CurrentClass != nil {
		v.Form["class"] = web.ID(s.CurrentClass.ID)
	}
	return h.studentEditPage(c, fiber.StatusOK, v, st)
}

func (h pages) studentForEdit(c *fiber.Ctx, v *web.View) (StudentDetail, error) {
	id, err := web.PathID(c, "student")
	if err != nil {
		return StudentDetail{}, err
	}
	return New(web.Tenant(c)).GetStudent(c.UserContext(), ViewerOf(v.User), id)
}

func (h pages) studentEditPage(c *fiber.Ctx, status int, v *web.View, st StudentDetail) error {
	d, err := h.studentFormData(c, &st)
	if err != nil {
		return err
	}
	v.Title = "Edit " + studentName(st.Student)
	v.Data = d
	return h.Render(c, status, "student_edit", v)
}

// studentUpdate saves the bio form.
func (h pages) studentUpdate(c *fiber.Ctx) error {
	v := h.View(c, "Edit student", "students")
	st, err := h.studentForEdit(c, v)
	if err != nil {
		return h.Fail(c, err)
	}
	v.Form = web.Form(c, append(studentBioFields, "status")...)
	if st.CurrentClass != nil {
		v.Form["class"] = web.ID(st.CurrentClass.ID)
	}
	f := v.Form
	p := StudentPatch{AdmissionNo: ptr(f["admission_no"]), FirstName: ptr(f["first_name"]),
		MiddleName: ptr(f["middle_name"]), LastName: ptr(f["last_name"]), Gender: ptr(f["gender"]),
		DateOfBirth: ptr(f["date_of_birth"]), Nationality: ptr(f["nationality"]), HomeLanguage: ptr(f["home_language"]),
		Address: ptr(f["address"]), MedicalNotes: ptr(f["medical_notes"]), Status: ptr(f["status"]), AdmittedOn: ptr(f["admitted_on"])}
	if _, err := New(web.Tenant(c)).UpdateStudent(c.UserContext(), st.ID, p, auth.MetaFrom(c)); err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return h.Fail(c, err)
		}
		status, ierr := web.FormError(v, err)
		if ierr != nil {
			return ierr
		}
		return h.studentEditPage(c, status, v, st)
	}
	return web.Redirect(c, studentURL(v.Prefix, st.ID, "student_saved"))
}

// studentClass puts the student in a class of the current session: it moves the
// session's active enrollment, or enrolls the student when there is none.
func (h pages) studentClass(c *fiber.Ctx) error {
	v := h.View(c, "Edit student", "students")
	st, err := h.studentForEdit(c, v)
	if err != nil {
		return h.Fail(c, err)
	}
	s := st.Student
	v.Form = map[string]string{"first_name": s.FirstName, "middle_name": s.MiddleName, "last_name": s.LastName,
		"gender": s.Gender, "admission_no": s.AdmissionNo, "admitted_on": s.AdmittedOn, "nationality": s.Nationality,
		"home_language": s.HomeLanguage, "address": s.Address, "medical_notes": s.MedicalNotes, "status": s.Status,
		"class": strings.TrimSpace(c.FormValue("class"))}
	if s.DateOfBirth != nil {
		v.Form["date_of_birth"] = *s.DateOfBirth
	}
	class, ok := web.FormInt(v, "class")
	if ok && class == 0 {
		v.Fields["class"] = "Choose a class"
	}
	if len(v.Fields) > 0 {
		status, _ := web.FormError(v, web.FieldsError(v))
		return h.studentEditPage(c, status, v, st)
	}
	svc, meta := New(web.Tenant(c)), auth.MetaFrom(c)
	var active *Enrollment
	for i, e := range st.Enrollments {
		if e.Session.IsCurrent && e.Status == EnrollmentActive {
			active = &st.Enrollments[i]
		}
	}
	switch {
	case active != nil && active.Class.ID == class:
		err = nil
	case active != nil:
		_, err = svc.UpdateEnrollment(c.UserContext(), active.ID, EnrollmentPatch{Class: &class}, meta)
	default:
		_, err = svc.CreateEnrollment(c.UserContext(), EnrollmentInput{Student: st.ID, Class: class}, meta)
	}
	if err != nil {
		status, ierr := web.FormError(v, errs.RenameFields(err, map[string]string{"student": "class"}))
		if ierr != nil {
			return ierr
		}
		return h.studentEditPage(c, status, v, st)
	}
	return web.Redirect(c, studentURL(v.Prefix, st.ID, "student_class_saved"))
}

// studentAttendance is the attendance card of a student's page for the term in ?term=
// (the current term without it); nil when the viewer does not reach the student's
// attendance (a teacher, for a student no longer in their classes).
func studentAttendance(c *fiber.Ctx, v *web.View, id int64) (*attendanceCard, error) {
	card := &attendanceCard{}
	var term int64
	if t := c.Query("term"); t != "" {
		n, err := strconv.ParseInt(t, 10, 64)
		if err == nil && n > 0 {
			term, card.Term = n, t
		}
	}
	sum, err := attendance.New(web.Tenant(c)).StudentSummaryFor(c.UserContext(), attendance.ViewerOf(v.User), id, term)
	switch e := errs.As(err); {
	case err == nil:
		card.Summary = &sum
		card.Term = web.ID(sum.Term.ID)
	case e.Code == errs.NotFound:
		return nil, nil
	case e.Fields["term"] != "":
		card.Problem = "There is no current term; choose a term."
		if term != 0 {
			card.Problem = "There is no such term; choose one."
		}
	default:
		return nil, err
	}
	if card.Terms, err = academics.TermOptions(c); err != nil {
		return nil, err
	}
	return card, nil
}
