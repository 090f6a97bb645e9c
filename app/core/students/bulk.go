package students

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Bulk is a set of changes to many students, planned by a caller (the importer) that
// checked them beforehand against the school as it is, and written in one transaction
// with few statements. A school's write lock is held for the whole of a write
// transaction, so a large import must not spend it on one round trip per record: new
// rows get their ids up front (the next free ones, which nobody else can take while the
// lock is held) and go in as multi-row INSERTs. Every change is audited in the shape the
// single-record functions (CreateStudent, FindOrCreateGuardian, LinkGuardian, Enroll)
// record it.
//
// A Bulk's ids come from BulkIDs read beforehand: it may be written only in a
// transaction in which the school still has those ids (and all else the plan relied on)
// as they were read.
type Bulk struct {
	meta                                  auth.Meta
	today                                 string
	nextStudent, nextGuardian, nextEnroll int64
	students                              []tenantdb.Student
	guardians                             []tenantdb.Guardian
	links                                 []tenantdb.StudentGuardian
	enrollments                           []tenantdb.Enrollment
	studentUpdates                        []tenantdb.StudentsUpdateParams
	enrollmentUpdates                     []tenantdb.EnrollmentsUpdateParams
	counters                              map[string]int64
	audit                                 []auth.AuditEntry
}

// BulkIDs are the largest ids of the tables a Bulk adds rows to; its rows take the
// ones after them.
type BulkIDs = tenantdb.ImportMaxIDsRow

// ReadBulkIDs reads the largest ids of the school q reads.
func ReadBulkIDs(ctx context.Context, q *tenantdb.Queries) (BulkIDs, error) {
	ids, err := q.ImportMaxIDs(ctx)
	return ids, errs.Wrap(err, "largest ids")
}

// NewBulk starts a set of changes by meta's actor to a school whose largest ids are
// ids, on the school's date today.
func NewBulk(ids BulkIDs, meta auth.Meta, today string) *Bulk {
	return &Bulk{meta: meta, today: today, nextStudent: ids.Student + 1, nextGuardian: ids.Guardian + 1, nextEnroll: ids.Enrollment + 1,
		counters: map[string]int64{}}
}

// AddStudent plans a new student from checked input (see CheckStudent) with its
// admission number set, and returns the row it will be.
func (b *Bulk) AddStudent(in StudentInput) tenantdb.Student {
	st := tenantdb.Student{ID: b.nextStudent, AdmissionNo: in.AdmissionNo, FirstName: in.FirstName, MiddleName: in.MiddleName,
		LastName: in.LastName, Gender: in.Gender, DateOfBirth: nullStr(in.DateOfBirth), Nationality: in.Nationality,
		HomeLanguage: in.HomeLanguage, Address: in.Address, MedicalNotes: in.MedicalNotes, Status: in.Status, AdmittedOn: in.AdmittedOn}
	b.nextStudent++
	b.students = append(b.students, st)
	b.add("student.create", target(st), map[string]any{"id": st.ID, "after": studentBio(st)})
	return st
}

// AddGuardian plans a new guardian from checked input (see CheckGuardian).
func (b *Bulk) AddGuardian(in GuardianInput) tenantdb.Guardian {
	receives := true
	if in.ReceivesMessages != nil {
		receives = *in.ReceivesMessages
	}
	g := tenantdb.Guardian{ID: b.nextGuardian, Name: in.Name, Relationship: in.Relationship, Phone: in.Phone, Email: in.Email,
		ReceivesMessages: receives}
	b.nextGuardian++
	b.guardians = append(b.guardians, g)
	b.add("guardian.create", guardianTarget(g), map[string]any{"id": g.ID, "after": guardianData(g)})
	return g
}

// Link plans a new link of a guardian to a student. As LinkGuardian decides, a
// student's first guardian is the primary one; a caller linking a primary guardian to
// a student who has others must clear them itself (Bulk does not).
func (b *Bulk) Link(st tenantdb.Student, g tenantdb.Guardian, isPrimary bool) {
	b.links = append(b.links, tenantdb.StudentGuardian{StudentID: st.ID, GuardianID: g.ID, IsPrimary: isPrimary})
	b.add("guardian.link", target(st), map[string]any{"student_id": st.ID, "guardian_id": g.ID, "guardian": g.Name,
		"is_primary": isPrimary, "was_linked": false})
}

// Enroll plans an active enrollment of a student in a class (for the class's session),
// checked beforehand as Enroll checks it.
func (b *Bulk) Enroll(st tenantdb.Student, c tenantdb.StudentsSessionClassesRow) tenantdb.Enrollment {
	e := tenantdb.Enrollment{ID: b.nextEnroll, StudentID: st.ID, ClassID: c.ID, SessionID: c.SessionID, Status: EnrollmentActive,
		EnrolledOn: b.today}
	b.nextEnroll++
	b.enrollments = append(b.enrollments, e)
	b.add("enrollment.create", target(st), map[string]any{"id": e.ID, "class": c.Name, "session": c.SessionName,
		"after": enrollmentData(e)})
	return e
}

// UpdateStudent plans a change of a student's record, audited with detail.
func (b *Bulk) UpdateStudent(p tenantdb.StudentsUpdateParams, action string, detail map[string]any) {
	b.studentUpdates = append(b.studentUpdates, p)
	b.add(action, fmt.Sprintf("student:%d %s", p.ID, p.AdmissionNo), detail)
}

// UpdateEnrollment plans a change of an enrollment of st, audited with detail.
func (b *Bulk) UpdateEnrollment(st tenantdb.Student, p tenantdb.EnrollmentsUpdateParams, action string, detail map[string]any) {
	b.enrollmentUpdates = append(b.enrollmentUpdates, p)
	b.add(action, target(st), detail)
}

// SetCounter plans a counter's new value (the admission number sequence).
func (b *Bulk) SetCounter(name string, value int64) { b.counters[name] = value }

func (b *Bulk) add(action, target string, detail any) {
	b.audit = append(b.audit, b.meta.Entry(action, target, detail))
}

// bulkRows is how many rows one INSERT carries: a few hundred rows per statement do
// most of what batching gains, and keep the statement well under SQLite's limit of
// 32,766 parameters.
const bulkRows = 200

// Write writes the planned changes in tx (see Bulk for which transactions may), q
// being the transaction's queries. The first error is returned as it is: after SQLITE_FULL, say, SQLite may
// have rolled the transaction back already, and only that first error says why.
func (b *Bulk) Write(ctx context.Context, q *tenantdb.Queries, tx *sql.Tx) error {
	studentCols := []string{"id", "admission_no", "first_name", "middle_name", "last_name", "gender", "date_of_birth",
		"nationality", "home_language", "address", "medical_notes", "status", "admitted_on"}
	if err := insertRows(ctx, tx, "students", studentCols, len(b.students), func(i int) []any {
		s := b.students[i]
		return []any{s.ID, s.AdmissionNo, s.FirstName, s.MiddleName, s.LastName, s.Gender, s.DateOfBirth, s.Nationality,
			s.HomeLanguage, s.Address, s.MedicalNotes, s.Status, s.AdmittedOn}
	}); err != nil {
		return err
	}
	if err := insertRows(ctx, tx, "guardians", []string{"id", "name", "relationship", "phone", "email", "receives_messages"},
		len(b.guardians), func(i int) []any {
			g := b.guardians[i]
			return []any{g.ID, g.Name, g.Relationship, g.Phone, g.Email, g.ReceivesMessages}
		}); err != nil {
		return err
	}
	for _, p := range b.studentUpdates {
		if _, err := q.StudentsUpdate(ctx, p); err != nil {
			return errs.Wrap(err, "update student")
		}
	}
	if err := insertRows(ctx, tx, "student_guardians", []string{"student_id", "guardian_id", "is_primary"}, len(b.links),
		func(i int) []any {
			l := b.links[i]
			return []any{l.StudentID, l.GuardianID, l.IsPrimary}
		}); err != nil {
		return err
	}
	if err := insertRows(ctx, tx, "enrollments", []string{"id", "student_id", "class_id", "session_id", "status", "enrolled_on"},
		len(b.enrollments), func(i int) []any {
			e := b.enrollments[i]
			return []any{e.ID, e.StudentID, e.ClassID, e.SessionID, e.Status, e.EnrolledOn}
		}); err != nil {
		return err
	}
	for _, p := range b.enrollmentUpdates {
		if _, err := q.EnrollmentsUpdate(ctx, p); err != nil {
			return errs.Wrap(err, "update enrollment")
		}
	}
	for name, value := range b.counters {
		if err := q.StudentsSetCounter(ctx, tenantdb.StudentsSetCounterParams{Name: name, Value: value}); err != nil {
			return errs.Wrap(err, "set counter")
		}
	}
	return insertRows(ctx, tx, "audit_log", []string{"actor_id", "actor_email", "action", "target", "detail", "ip", "request_id"},
		len(b.audit), func(i int) []any {
			a := b.audit[i]
			var actor sql.NullInt64
			if a.ActorID != nil {
				actor = sql.NullInt64{Int64: *a.ActorID, Valid: true}
			}
			return []any{actor, a.ActorEmail, a.Action, a.Target, string(a.Detail), a.IP, a.RequestID}
		})
}

// insertRows inserts n rows (row(i) gives the values of row i, in cols order) into
// table with multi-row INSERTs of up to bulkRows rows.
func insertRows(ctx context.Context, tx *sql.Tx, table string, cols []string, n int, row func(int) []any) error {
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, bulkRows*len(cols))
	for start := 0; start < n; start += bulkRows {
		end := min(n, start+bulkRows)
		args = args[:0]
		for i := start; i < end; i++ {
			args = append(args, row(i)...)
		}
		var err error
		if end-start == bulkRows {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, insertSQL(table, cols, bulkRows)); err != nil {
					return errs.Wrap(err, "insert "+table)
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, insertSQL(table, cols, end-start), args...)
		}
		if err != nil {
			return errs.Wrap(err, "insert "+table)
		}
	}
	return nil
}

func insertSQL(table string, cols []string, rows int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " +
		strings.TrimSuffix(strings.Repeat(one+",", rows), ",")
}

// CheckGuardian validates and normalises a new guardian's details for a school in
// country, as CreateGuardian does before it writes.
func CheckGuardian(in GuardianInput, country string) (GuardianInput, errs.Fields) {
	return in.check(country)
}

// ClassFull is the problem of a class with no free place, as Enroll reports it.
func ClassFull(field, class string, taken, capacity int64) error {
	return errs.Field(field, fmt.Sprintf("%s is full: %d of %d places are taken", class, taken, capacity))
}

// EnrollableStatus reports whether a student of this status may be enrolled (Enroll
// refuses the others).
func EnrollableStatus(status string) bool { return status == StatusActive || status == StatusSuspended }

// AdmissionSequence is the school's admission number pattern for one year: the counter
// that keeps its sequence and the number each value of it gives. NextAdmissionNo takes
// one number at a time; a bulk creation takes many from the same sequence.
type AdmissionSequence struct {
	pattern string
	year    int
}

// NewAdmissionSequence is the sequence of the school's pattern (see AdmissionPattern)
// in year (the school's year now: see package school).
func NewAdmissionSequence(pattern string, year int) AdmissionSequence {
	return AdmissionSequence{pattern: pattern, year: year}
}

// Counter is the name of the counter holding the sequence's last value.
func (a AdmissionSequence) Counter() string {
	return "admission_no:" + expandPattern(a.pattern, a.year, -1)
}

// Number is the admission number of value n, or a Conflict when the pattern makes it
// too long.
func (a AdmissionSequence) Number(n int64) (string, error) {
	no := expandPattern(a.pattern, a.year, int(n))
	if utf8.RuneCountInString(no) > maxAdmissionNoLen {
		return "", errs.E(errs.Conflict, "the admission number pattern gives numbers longer than %d characters", maxAdmissionNoLen)
	}
	return no, nil
}
