package students

import (
	"context"
	"database/sql"
	"io"
	"iter"

	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/app/sheet"
	"github.com/schoolsms/sms/db/tenantdb"
)

// ExportColumns are the columns of a student export, the same as the import format.
var ExportColumns = []string{"admission_no", "first_name", "middle_name", "last_name", "gender", "date_of_birth",
	"class", "guardian_name", "guardian_relationship", "guardian_phone", "guardian_email"}

// ExportRow is one student line of an export: the class of the student's enrollment in
// the filter's session (the current session by default) and the primary guardian.
type ExportRow struct {
	AdmissionNo, FirstName, MiddleName, LastName, Gender, DateOfBirth, Class string
	GuardianName, GuardianRelationship, GuardianPhone, GuardianEmail         string
}

// Values are the row's cells in ExportColumns order.
func (r ExportRow) Values() []string {
	return []string{r.AdmissionNo, r.FirstName, r.MiddleName, r.LastName, r.Gender, r.DateOfBirth, r.Class,
		r.GuardianName, r.GuardianRelationship, r.GuardianPhone, r.GuardianEmail}
}

// MaxExportRows bounds one export.
const MaxExportRows = 100000

// ExportStudents returns every student of the filter the viewer may see (no paging).
func (s Service) ExportStudents(ctx context.Context, v Viewer, f StudentFilter) ([]ExportRow, error) {
	if err := f.Check(); err != nil {
		return nil, err
	}
	var out []ExportRow
	err := s.T.ReadTx(ctx, func(q *tenantdb.Queries, d tenantdb.DBTX) error {
		cur, err := currentSessionID(ctx, q)
		if err != nil {
			return err
		}
		l := f.list(v, cur)
		if err := l.search(ctx, s.T, d, f.Order, nil); err != nil {
			return err
		}
		out, err = exportRows(ctx, d, f, l.where(false), cur)
		return err
	})
	return out, errs.Wrap(err, "export students")
}

// exportRows reads the rows of an export narrowed by w.
func exportRows(ctx context.Context, d query.Queryer, f StudentFilter, w query.Where, cur int64) ([]ExportRow, error) {
	sess := f.Session
	if sess == 0 {
		sess = cur
	}
	classJoin := ` LEFT JOIN enrollments xe ON xe.student_id = s.id AND xe.session_id = ?
		LEFT JOIN classes xc ON xc.id = xe.class_id`
	args := []any{sess}
	if f.Class > 0 && f.Session == 0 {
		// the class names its session
		classJoin = ` LEFT JOIN classes xc ON xc.id = ?`
		args = []any{f.Class}
	}
	order, _ := orderBy(f.Order)
	args = append(args, w.Args()...)
	args = append(args, MaxExportRows)
	rows, err := d.QueryContext(ctx, `SELECT s.admission_no, s.first_name, s.middle_name, s.last_name, s.gender,
		s.date_of_birth, xc.name, g.name, g.relationship, g.phone, g.email
		FROM students s`+classJoin+`
		LEFT JOIN guardians g ON g.id = (SELECT sg.guardian_id FROM student_guardians sg WHERE sg.student_id = s.id
			ORDER BY sg.is_primary DESC, sg.guardian_id LIMIT 1)`+w.SQL()+" ORDER BY "+order+" LIMIT ?", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ExportRow{}
	for rows.Next() {
		var r ExportRow
		var dob, class, gname, grel, gphone, gemail sql.NullString
		if err := rows.Scan(&r.AdmissionNo, &r.FirstName, &r.MiddleName, &r.LastName, &r.Gender, &dob, &class,
			&gname, &grel, &gphone, &gemail); err != nil {
			return nil, err
		}
		r.DateOfBirth, r.Class = dob.String, class.String
		r.GuardianName, r.GuardianRelationship, r.GuardianPhone, r.GuardianEmail = gname.String, grel.String, gphone.String, gemail.String
		out = append(out, r)
	}
	return out, rows.Err()
}

// WriteCSV writes rows as CSV with a header line of ExportColumns, formula-safe (see
// package sheet).
func WriteCSV(w io.Writer, rows []ExportRow) error {
	return sheet.WriteCSV(w, ExportColumns, values(rows))
}

// WriteXLSX writes rows as a one-sheet workbook ("Students") with a bold header row.
// Every cell is text, so admission numbers and phones keep their form.
func WriteXLSX(w io.Writer, rows []ExportRow) error {
	return sheet.WriteXLSX(w, "Students", ExportColumns, 18, values(rows))
}

func values(rows []ExportRow) iter.Seq[[]string] {
	return func(yield func([]string) bool) {
		for _, r := range rows {
			if !yield(r.Values()) {
				return
			}
		}
	}
}
