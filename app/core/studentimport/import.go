package studentimport

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Result is what an import did, or (dry run, or with errors) would have done.
type Result struct {
	Created int       `json:"created"`
	Updated int       `json:"updated"`
	Errors  []Problem `json:"errors"`
	DryRun  bool      `json:"dry_run"`
}

// errRollBack ends the transaction of a dry run or of an import with errors.
var errRollBack = errors.New("roll back")

// Import applies rows to the school in ONE transaction: a row whose admission number
// exists updates that student, any other row creates one (with its guardian and its
// class in the current session). If any row has a problem, or dryRun is set, nothing
// is written; every problem is reported with its row and column.
func Import(ctx context.Context, t *db.Tenant, rows []Row, dryRun bool, meta auth.Meta) (Result, error) {
	res := Result{DryRun: dryRun, Errors: []Problem{}}
	err := t.Tx(ctx, func(q *tenantdb.Queries, tx *sql.Tx) error {
		im, err := newImporter(ctx, q, tx, meta)
		if err != nil {
			return err
		}
		seen := map[string]int{}
		for _, r := range rows {
			if r.AdmissionNo != "" {
				key := strings.ToLower(r.AdmissionNo)
				if first, dup := seen[key]; dup {
					res.Errors = append(res.Errors, Problem{Row: r.Line, Column: "admission_no",
						Message: fmt.Sprintf("%s is also on row %d", r.AdmissionNo, first)})
					continue
				}
				seen[key] = r.Line
			}
			created, problems, err := im.apply(ctx, r)
			if err != nil {
				return err
			}
			if len(problems) > 0 {
				res.Errors = append(res.Errors, problems...)
				continue
			}
			if created {
				res.Created++
			} else {
				res.Updated++
			}
		}
		if dryRun || len(res.Errors) > 0 {
			return errRollBack
		}
		return nil
	})
	if err != nil && !errors.Is(err, errRollBack) {
		return Result{}, errs.Wrap(err, "import students")
	}
	if len(res.Errors) > 0 && !dryRun {
		res.Created, res.Updated = 0, 0 // nothing was written
	}
	return res, nil
}

type importer struct {
	q       *tenantdb.Queries
	tx      *sql.Tx
	meta    auth.Meta
	country string
	classes map[string]tenantdb.StudentsSessionClassesRow // lower-case name -> class of the current session
	session *tenantdb.AcademicSession
}

func newImporter(ctx context.Context, q *tenantdb.Queries, tx *sql.Tx, meta auth.Meta) (*importer, error) {
	country, err := students.SchoolCountry(ctx, q)
	if err != nil {
		return nil, err
	}
	im := &importer{q: q, tx: tx, meta: meta, country: country, classes: map[string]tenantdb.StudentsSessionClassesRow{}}
	sess, err := q.StudentsCurrentSession(ctx)
	if err == nil {
		im.session = &sess
		cls, err := q.StudentsSessionClasses(ctx, sess.ID)
		if err != nil {
			return nil, err
		}
		for _, c := range cls {
			im.classes[strings.ToLower(c.Name)] = c
		}
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	return im, nil
}

// apply writes one row inside a savepoint, so a row that fails half-way leaves nothing
// behind for the rows after it to trip over.
func (im *importer) apply(ctx context.Context, r Row) (created bool, problems []Problem, err error) {
	add := func(col, msg string) { problems = append(problems, Problem{Row: r.Line, Column: col, Message: msg}) }
	var classID int64
	if r.Class != "" {
		switch c, ok := im.classes[strings.ToLower(r.Class)]; {
		case im.session == nil:
			add("class", "there is no current academic session to put students in; create one first")
		case !ok:
			add("class", fmt.Sprintf("there is no class %q in %s", r.Class, im.session.Name))
		default:
			classID = c.ID
		}
	}
	if _, perr := students.NormalizePhone(im.country, r.GuardianPhone); perr != nil {
		add("guardian_phone", perr.Error())
	}
	if len(problems) > 0 {
		return false, problems, nil
	}
	if _, err := im.tx.ExecContext(ctx, "SAVEPOINT import_row"); err != nil {
		return false, nil, err
	}
	created, rowErr := im.write(ctx, r, classID)
	if rowErr != nil {
		if _, err := im.tx.ExecContext(ctx, "ROLLBACK TO import_row"); err != nil {
			return false, nil, err
		}
		e := errs.As(rowErr)
		if e.Code == errs.Internal {
			return false, nil, rowErr
		}
		if len(e.Fields) == 0 {
			add("", e.Message)
		}
		for field, msg := range e.Fields {
			add(column(field), msg)
		}
	}
	if _, err := im.tx.ExecContext(ctx, "RELEASE import_row"); err != nil {
		return false, nil, err
	}
	return created, problems, nil
}

// column names the import column behind a service field ("guardians[0].phone" is
// the guardian_phone column).
func column(field string) string {
	if rest, ok := strings.CutPrefix(field, "guardians[0]."); ok {
		return "guardian_" + rest
	}
	switch field {
	case "student", "guardians":
		return "guardian_name"
	}
	return field
}

func (im *importer) guardian(r Row) []students.GuardianRef {
	if r.GuardianName == "" && r.GuardianPhone == "" && r.GuardianEmail == "" {
		return nil
	}
	return []students.GuardianRef{{IsPrimary: true, GuardianInput: students.GuardianInput{Name: r.GuardianName,
		Relationship: r.GuardianRelationship, Phone: r.GuardianPhone, Email: r.GuardianEmail}}}
}

func (im *importer) write(ctx context.Context, r Row, classID int64) (bool, error) {
	q := im.q
	if r.AdmissionNo != "" {
		st, err := q.ImportStudentByAdmissionNo(ctx, r.AdmissionNo)
		if err == nil {
			return false, im.update(ctx, st, r, classID)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return false, err
		}
	}
	_, err := students.CreateStudent(ctx, q, students.StudentInput{AdmissionNo: r.AdmissionNo, FirstName: r.FirstName,
		MiddleName: r.MiddleName, LastName: r.LastName, Gender: r.Gender, DateOfBirth: r.DateOfBirth, Class: classID,
		Guardians: im.guardian(r)}, im.meta)
	return true, err
}

// update brings an existing student in line with the row: names, gender and date of
// birth, the guardian (linked if new to the student) and the class this session.
func (im *importer) update(ctx context.Context, st tenantdb.Student, r Row, classID int64) error {
	q := im.q
	dob := st.DateOfBirth
	if r.DateOfBirth != "" {
		dob = sql.NullString{String: r.DateOfBirth, Valid: true}
	}
	after, err := q.StudentsUpdate(ctx, tenantdb.StudentsUpdateParams{ID: st.ID, AdmissionNo: st.AdmissionNo,
		FirstName: r.FirstName, MiddleName: r.MiddleName, LastName: r.LastName, Gender: r.Gender, DateOfBirth: dob,
		Nationality: st.Nationality, HomeLanguage: st.HomeLanguage, Address: st.Address, MedicalNotes: st.MedicalNotes,
		Status: st.Status, AdmittedOn: st.AdmittedOn})
	if err != nil {
		return err
	}
	target := fmt.Sprintf("student:%d %s", st.ID, st.AdmissionNo)
	if err := auth.InsertSchoolAudit(ctx, q, im.meta.Entry("student.update", target, map[string]any{"id": st.ID, "source": "import",
		"before": bioOf(st), "after": bioOf(after)})); err != nil {
		return err
	}
	if gs := im.guardian(r); gs != nil {
		g, _, err := students.FindOrCreateGuardian(ctx, q, gs[0].GuardianInput, im.meta)
		if err != nil {
			return errs.PrefixFields(err, "guardians[0].")
		}
		_, err = q.GuardiansGetLink(ctx, tenantdb.GuardiansGetLinkParams{StudentID: st.ID, GuardianID: g.ID})
		if errors.Is(err, sql.ErrNoRows) {
			if err := students.LinkGuardian(ctx, q, st.ID, g.ID, false, im.meta); err != nil {
				return errs.PrefixFields(err, "guardians[0].")
			}
		} else if err != nil {
			return err
		}
	}
	if classID == 0 || im.session == nil {
		return nil
	}
	e, err := q.EnrollmentsForStudentSession(ctx, tenantdb.EnrollmentsForStudentSessionParams{StudentID: st.ID, SessionID: im.session.ID})
	if errors.Is(err, sql.ErrNoRows) {
		_, err := students.Enroll(ctx, q, st.ID, classID, im.meta)
		return err
	}
	if err != nil || e.ClassID == classID {
		return err
	}
	// Moving to another class this session: the new class must have room.
	c := im.classByID(classID)
	if c.Capacity.Valid {
		n, err := q.StudentsClassActiveCount(ctx, classID)
		if err != nil {
			return err
		}
		if n >= c.Capacity.Int64 {
			return errs.Field("class", fmt.Sprintf("%s is full (%d of %d places taken)", c.Name, n, c.Capacity.Int64))
		}
	}
	moved, err := q.EnrollmentsUpdate(ctx, tenantdb.EnrollmentsUpdateParams{ID: e.ID, ClassID: classID, Status: e.Status,
		EnrolledOn: e.EnrolledOn, EndedOn: e.EndedOn})
	if err != nil {
		return err
	}
	return auth.InsertSchoolAudit(ctx, q, im.meta.Entry("enrollment.update", target, map[string]any{"id": e.ID, "source": "import",
		"before": map[string]any{"class_id": e.ClassID}, "after": map[string]any{"class_id": moved.ClassID}}))
}

func (im *importer) classByID(id int64) tenantdb.StudentsSessionClassesRow {
	for _, c := range im.classes {
		if c.ID == id {
			return c
		}
	}
	return tenantdb.StudentsSessionClassesRow{}
}

func bioOf(s tenantdb.Student) map[string]any {
	return map[string]any{"first_name": s.FirstName, "middle_name": s.MiddleName, "last_name": s.LastName,
		"gender": s.Gender, "date_of_birth": s.DateOfBirth.String}
}
