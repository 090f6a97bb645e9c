package students

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Admission statuses: applied -> accepted | rejected; accepted -> enrolled (by Enroll).
const (
	AdmissionApplied  = "applied"
	AdmissionAccepted = "accepted"
	AdmissionRejected = "rejected"
	AdmissionEnrolled = "enrolled"
)

var admissionStatuses = []string{AdmissionApplied, AdmissionAccepted, AdmissionRejected, AdmissionEnrolled}

// Admission is an application as the API shows it.
type Admission struct {
	ID                   int64   `json:"id"`
	FirstName            string  `json:"first_name"`
	MiddleName           string  `json:"middle_name"`
	LastName             string  `json:"last_name"`
	Gender               string  `json:"gender"`
	DateOfBirth          *string `json:"date_of_birth"`
	Form                 FormRef `json:"form"`
	GuardianName         string  `json:"guardian_name"`
	GuardianRelationship string  `json:"guardian_relationship"`
	GuardianPhone        string  `json:"guardian_phone"`
	GuardianEmail        string  `json:"guardian_email"`
	Status               string  `json:"status"`
	AppliedOn            string  `json:"applied_on"`
	DecidedOn            *string `json:"decided_on"`
	Student              *int64  `json:"student"`
	Notes                string  `json:"notes"`
	CreatedAt            string  `json:"created_at"`
	UpdatedAt            string  `json:"updated_at"`
}

func admissionData(a tenantdb.Admission) map[string]any {
	return map[string]any{"first_name": a.FirstName, "middle_name": a.MiddleName, "last_name": a.LastName,
		"gender": a.Gender, "date_of_birth": strPtr(a.DateOfBirth), "form_id": a.FormID, "guardian_name": a.GuardianName,
		"guardian_relationship": a.GuardianRelationship, "guardian_phone": a.GuardianPhone, "guardian_email": a.GuardianEmail,
		"status": a.Status, "applied_on": a.AppliedOn, "decided_on": strPtr(a.DecidedOn), "student_id": int64Ptr(a.StudentID),
		"notes": a.Notes}
}

func admissionTarget(a tenantdb.Admission) string {
	return fmt.Sprintf("admission:%d %s", a.ID, fullName(a.FirstName, a.MiddleName, a.LastName))
}

// AdmissionInput is what an application takes. AppliedOn defaults to today.
type AdmissionInput struct {
	FirstName            string `json:"first_name"`
	MiddleName           string `json:"middle_name"`
	LastName             string `json:"last_name"`
	Gender               string `json:"gender"`
	DateOfBirth          string `json:"date_of_birth"`
	Form                 int64  `json:"form"`
	GuardianName         string `json:"guardian_name"`
	GuardianRelationship string `json:"guardian_relationship"`
	GuardianPhone        string `json:"guardian_phone"`
	GuardianEmail        string `json:"guardian_email"`
	AppliedOn            string `json:"applied_on"`
	Notes                string `json:"notes"`
}

// check validates and normalises an application against the school's data.
func (in AdmissionInput) check(ctx context.Context, q *tenantdb.Queries) (AdmissionInput, error) {
	f := errs.Fields{}
	in.FirstName = cleanText(f, "first_name", in.FirstName, 100, true)
	in.MiddleName = cleanText(f, "middle_name", in.MiddleName, 100, false)
	in.LastName = cleanText(f, "last_name", in.LastName, 100, true)
	in.Gender = normGender(f, "gender", in.Gender)
	in.DateOfBirth = strings.TrimSpace(in.DateOfBirth)
	today, err := todayIn(ctx, q)
	if err != nil {
		return in, err
	}
	if msg := checkDate(in.DateOfBirth, today); msg != "" {
		f.Add("date_of_birth", msg)
	}
	if in.Form <= 0 {
		f.Add("form", "is required: the id of the form applied for")
	} else if _, err := q.StudentsForm(ctx, in.Form); errors.Is(err, sql.ErrNoRows) {
		f.Add("form", fmt.Sprintf("no form with id %d", in.Form))
	} else if err != nil {
		return in, errs.Wrap(err, "get form")
	}
	in.GuardianName = cleanText(f, "guardian_name", in.GuardianName, 200, false)
	in.GuardianRelationship = cleanText(f, "guardian_relationship", in.GuardianRelationship, 50, false)
	country, err := SchoolCountry(ctx, q)
	if err != nil {
		return in, err
	}
	phone, perr := NormalizePhone(country, in.GuardianPhone)
	if perr != nil {
		f.Add("guardian_phone", perr.Error())
	}
	in.GuardianPhone = phone
	in.GuardianEmail = checkEmail(f, "guardian_email", in.GuardianEmail)
	in.AppliedOn = strings.TrimSpace(in.AppliedOn)
	if in.AppliedOn == "" {
		in.AppliedOn = today
	} else if msg := checkDate(in.AppliedOn, today); msg != "" {
		f.Add("applied_on", msg)
	}
	in.Notes = cleanNotes(f, "notes", in.Notes, 2000)
	return in, f.Err()
}

// AdmissionFilter narrows an admission list. Order comes from AdmissionOrdering; the
// zero Order is newest application first.
type AdmissionFilter struct {
	Status string
	Form   int64
	Search string
	Order  query.Order
}

// AdmissionOrdering is what an admission list can be ordered by.
var AdmissionOrdering = query.NewOrdering(map[string]string{
	"applied_on": "a.applied_on",
	"decided_on": "a.decided_on",
	"last_name":  "a.last_name COLLATE NOCASE",
	"first_name": "a.first_name COLLATE NOCASE",
	"status":     "a.status",
	"created_at": "a.created_at",
}, "-applied_on")

var admissionView = query.View[Admission]{
	Cols: `a.id, a.first_name, a.middle_name, a.last_name, a.gender, a.date_of_birth,
	f.id, f.name, f.level, a.guardian_name, a.guardian_relationship, a.guardian_phone, a.guardian_email,
	a.status, a.applied_on, a.decided_on, a.student_id, a.notes, a.created_at, a.updated_at`,
	From: "admissions a JOIN forms f ON f.id = a.form_id",
	ID:   "a.id",
	Scan: func(r query.Scanner) (Admission, error) {
		var a Admission
		var dob, decided sql.NullString
		var student sql.NullInt64
		err := r.Scan(&a.ID, &a.FirstName, &a.MiddleName, &a.LastName, &a.Gender, &dob,
			&a.Form.ID, &a.Form.Name, &a.Form.Level, &a.GuardianName, &a.GuardianRelationship, &a.GuardianPhone, &a.GuardianEmail,
			&a.Status, &a.AppliedOn, &decided, &student, &a.Notes, &a.CreatedAt, &a.UpdatedAt)
		a.DateOfBirth, a.DecidedOn, a.Student = strPtr(dob), strPtr(decided), int64Ptr(student)
		return a, err
	},
}

// ListAdmissions returns a page of applications (newest first unless ordered
// otherwise) and their total.
// Applicants are in no class, so a teacher sees none.
func (s Service) ListAdmissions(ctx context.Context, v Viewer, f AdmissionFilter, page query.Page) ([]Admission, int64, error) {
	if f.Status != "" && !contains(admissionStatuses, f.Status) {
		return nil, 0, errs.Field("status", "must be one of "+strings.Join(admissionStatuses, ", "))
	}
	var w query.Where
	if v.Scoped() {
		w.Add("0")
	}
	if f.Status != "" {
		w.Add("a.status = ?", f.Status)
	}
	if f.Form > 0 {
		w.Add("a.form_id = ?", f.Form)
	}
	w.Search(f.Search, "a.first_name", "a.middle_name", "a.last_name", "a.guardian_name", "a.guardian_phone")
	out, n, err := admissionView.List(ctx, s.T, w, f.Order.Or(AdmissionOrdering.Default()), page)
	return out, n, errs.Wrap(err, "list admissions")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// GetAdmission returns one application.
func (s Service) GetAdmission(ctx context.Context, v Viewer, id int64) (Admission, error) {
	if v.Scoped() {
		return Admission{}, notFound("admission", id)
	}
	a, err := admissionView.Get(ctx, s.T.ReadDB(), id)
	if errors.Is(err, sql.ErrNoRows) {
		return Admission{}, notFound("admission", id)
	}
	return a, errs.Wrap(err, "get admission")
}

// CreateAdmission records an application (status applied).
func (s Service) CreateAdmission(ctx context.Context, in AdmissionInput, meta auth.Meta) (Admission, error) {
	var id int64
	err := s.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		in, err := in.check(ctx, q)
		if err != nil {
			return err
		}
		a, err := q.AdmissionsCreate(ctx, tenantdb.AdmissionsCreateParams{FirstName: in.FirstName, MiddleName: in.MiddleName,
			LastName: in.LastName, Gender: in.Gender, DateOfBirth: nullStr(in.DateOfBirth), FormID: in.Form,
			GuardianName: in.GuardianName, GuardianRelationship: in.GuardianRelationship, GuardianPhone: in.GuardianPhone,
			GuardianEmail: in.GuardianEmail, AppliedOn: in.AppliedOn, Notes: in.Notes})
		if err != nil {
			return errs.Wrap(err, "create admission")
		}
		id = a.ID
		return audit(ctx, q, meta, "admission.create", admissionTarget(a), map[string]any{"id": a.ID, "after": admissionData(a)})
	})
	if err != nil {
		return Admission{}, err
	}
	return s.GetAdmission(ctx, Viewer{}, id)
}

// AdmissionPatch is a partial update of an application; nil fields stay as they are.
// Status moves applied -> accepted or rejected only (enrolling is POST .../enroll/); an
// enrolled application keeps its data, only its notes can change.
type AdmissionPatch struct {
	FirstName            *string `json:"first_name"`
	MiddleName           *string `json:"middle_name"`
	LastName             *string `json:"last_name"`
	Gender               *string `json:"gender"`
	DateOfBirth          *string `json:"date_of_birth"`
	Form                 *int64  `json:"form"`
	GuardianName         *string `json:"guardian_name"`
	GuardianRelationship *string `json:"guardian_relationship"`
	GuardianPhone        *string `json:"guardian_phone"`
	GuardianEmail        *string `json:"guardian_email"`
	AppliedOn            *string `json:"applied_on"`
	Notes                *string `json:"notes"`
	Status               *string `json:"status"`
}

// UpdateAdmission applies a patch.
func (s Service) UpdateAdmission(ctx context.Context, id int64, p AdmissionPatch, meta auth.Meta) (Admission, error) {
	err := s.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		cur, err := q.AdmissionsGet(ctx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("admission", id)
		}
		if err != nil {
			return errs.Wrap(err, "get admission")
		}
		status := cur.Status
		decided := cur.DecidedOn
		if p.Status != nil && *p.Status != cur.Status {
			next := strings.TrimSpace(*p.Status)
			switch {
			case !contains(admissionStatuses, next):
				return errs.Field("status", "must be one of "+strings.Join(admissionStatuses, ", "))
			case next == AdmissionEnrolled:
				return errs.Field("status", fmt.Sprintf("an application is enrolled with POST /api/core/admissions/%d/enroll/, which creates the student", id))
			case cur.Status == AdmissionApplied && (next == AdmissionAccepted || next == AdmissionRejected):
				today, err := todayIn(ctx, q)
				if err != nil {
					return err
				}
				status, decided = next, nullStr(today)
			default:
				return errs.Field("status", fmt.Sprintf("cannot change from %s to %s: an application goes applied -> accepted or rejected -> enrolled", cur.Status, next))
			}
		}
		if cur.Status == AdmissionEnrolled {
			if p.FirstName != nil || p.MiddleName != nil || p.LastName != nil || p.Gender != nil || p.DateOfBirth != nil ||
				p.Form != nil || p.GuardianName != nil || p.GuardianRelationship != nil || p.GuardianPhone != nil ||
				p.GuardianEmail != nil || p.AppliedOn != nil {
				return errs.Field("status", "the application is enrolled: only its notes can change (edit the student instead)")
			}
		}
		in := AdmissionInput{FirstName: cur.FirstName, MiddleName: cur.MiddleName, LastName: cur.LastName, Gender: cur.Gender,
			DateOfBirth: cur.DateOfBirth.String, Form: cur.FormID, GuardianName: cur.GuardianName,
			GuardianRelationship: cur.GuardianRelationship, GuardianPhone: cur.GuardianPhone, GuardianEmail: cur.GuardianEmail,
			AppliedOn: cur.AppliedOn, Notes: cur.Notes}
		set(&in.FirstName, p.FirstName)
		set(&in.MiddleName, p.MiddleName)
		set(&in.LastName, p.LastName)
		set(&in.Gender, p.Gender)
		set(&in.DateOfBirth, p.DateOfBirth)
		if p.Form != nil {
			in.Form = *p.Form
		}
		set(&in.GuardianName, p.GuardianName)
		set(&in.GuardianRelationship, p.GuardianRelationship)
		set(&in.GuardianPhone, p.GuardianPhone)
		set(&in.GuardianEmail, p.GuardianEmail)
		set(&in.AppliedOn, p.AppliedOn)
		set(&in.Notes, p.Notes)
		if p.AppliedOn != nil && strings.TrimSpace(*p.AppliedOn) == "" {
			return errs.Field("applied_on", "cannot be blank")
		}
		in, err = in.check(ctx, q)
		if err != nil {
			return err
		}
		row, err := q.AdmissionsUpdate(ctx, tenantdb.AdmissionsUpdateParams{ID: id, FirstName: in.FirstName, MiddleName: in.MiddleName,
			LastName: in.LastName, Gender: in.Gender, DateOfBirth: nullStr(in.DateOfBirth), FormID: in.Form,
			GuardianName: in.GuardianName, GuardianRelationship: in.GuardianRelationship, GuardianPhone: in.GuardianPhone,
			GuardianEmail: in.GuardianEmail, Status: status, AppliedOn: in.AppliedOn, DecidedOn: decided,
			StudentID: cur.StudentID, Notes: in.Notes})
		if err != nil {
			return errs.Wrap(err, "update admission")
		}
		return audit(ctx, q, meta, "admission.update", admissionTarget(row), map[string]any{"id": id,
			"before": admissionData(cur), "after": admissionData(row)})
	})
	if err != nil {
		return Admission{}, err
	}
	return s.GetAdmission(ctx, Viewer{}, id)
}

// DeleteAdmission removes an application that was not enrolled; an enrolled one is the
// record of how a student came in and is kept (409 Conflict).
func (s Service) DeleteAdmission(ctx context.Context, id int64, meta auth.Meta) error {
	return s.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		cur, err := q.AdmissionsGet(ctx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("admission", id)
		}
		if err != nil {
			return errs.Wrap(err, "get admission")
		}
		if cur.Status == AdmissionEnrolled {
			return errs.E(errs.Conflict, "admission %d is enrolled and is kept as the student's record", id)
		}
		if _, err := q.AdmissionsDelete(ctx, id); err != nil {
			return errs.Wrap(err, "delete admission")
		}
		return audit(ctx, q, meta, "admission.delete", admissionTarget(cur), map[string]any{"id": id, "before": admissionData(cur)})
	})
}

// EnrollAdmissionInput is what enrolling an accepted application takes: the class, and
// an admission number (generated from the school's pattern when blank).
type EnrollAdmissionInput struct {
	Class       int64  `json:"class"`
	AdmissionNo string `json:"admission_no"`
}

// EnrolledAdmission is the result of enrolling an application.
type EnrolledAdmission struct {
	Admission Admission     `json:"admission"`
	Student   StudentDetail `json:"student"`
}

// EnrollAdmission turns an accepted application into a student in one transaction: the
// student, the guardian (reusing one with the same phone) and its link, the enrollment
// in the class, and the application marked enrolled. Any failure writes nothing.
func (s Service) EnrollAdmission(ctx context.Context, id int64, in EnrollAdmissionInput, meta auth.Meta) (EnrolledAdmission, error) {
	if in.Class <= 0 {
		return EnrolledAdmission{}, errs.Field("class", "is required: the id of the class to enroll in")
	}
	var studentID int64
	err := s.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		a, err := q.AdmissionsGet(ctx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("admission", id)
		}
		if err != nil {
			return errs.Wrap(err, "get admission")
		}
		if a.Status != AdmissionAccepted {
			return errs.Field("status", fmt.Sprintf("the application is %s; only an accepted application can be enrolled", a.Status))
		}
		sin := StudentInput{AdmissionNo: in.AdmissionNo, FirstName: a.FirstName, MiddleName: a.MiddleName, LastName: a.LastName,
			Gender: a.Gender, DateOfBirth: a.DateOfBirth.String, Class: in.Class}
		if a.GuardianName != "" || a.GuardianPhone != "" || a.GuardianEmail != "" {
			name := a.GuardianName
			if name == "" {
				name = "Guardian of " + fullName(a.FirstName, "", a.LastName)
			}
			sin.Guardians = []GuardianRef{{GuardianInput: GuardianInput{Name: name, Relationship: a.GuardianRelationship,
				Phone: a.GuardianPhone, Email: a.GuardianEmail}, IsPrimary: true}}
		}
		st, err := CreateStudent(ctx, q, sin, meta)
		if err != nil {
			return errs.RenameFields(err, map[string]string{"guardians[0].name": "guardian_name", "guardians[0].phone": "guardian_phone",
				"guardians[0].email": "guardian_email", "guardians[0].relationship": "guardian_relationship"})
		}
		studentID = st.ID
		row, err := q.AdmissionsUpdate(ctx, tenantdb.AdmissionsUpdateParams{ID: id, FirstName: a.FirstName, MiddleName: a.MiddleName,
			LastName: a.LastName, Gender: a.Gender, DateOfBirth: a.DateOfBirth, FormID: a.FormID, GuardianName: a.GuardianName,
			GuardianRelationship: a.GuardianRelationship, GuardianPhone: a.GuardianPhone, GuardianEmail: a.GuardianEmail,
			Status: AdmissionEnrolled, AppliedOn: a.AppliedOn, DecidedOn: a.DecidedOn,
			StudentID: sql.NullInt64{Int64: st.ID, Valid: true}, Notes: a.Notes})
		if err != nil {
			return errs.Wrap(err, "enroll admission")
		}
		return audit(ctx, q, meta, "admission.enroll", admissionTarget(row), map[string]any{"id": id, "student_id": st.ID,
			"admission_no": st.AdmissionNo, "class_id": in.Class, "before": map[string]any{"status": a.Status},
			"after": map[string]any{"status": row.Status, "student_id": st.ID}})
	})
	if err != nil {
		return EnrolledAdmission{}, err
	}
	a, err := s.GetAdmission(ctx, Viewer{}, id)
	if err != nil {
		return EnrolledAdmission{}, err
	}
	st, err := studentDetail(ctx, s.T.ReadDB(), s.T.Read(), studentID)
	return EnrolledAdmission{Admission: a, Student: st}, err
}
