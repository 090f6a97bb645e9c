package students

import (
	"context"
	"database/sql"
	"encoding/csv"
	"io"

	"github.com/xuri/excelize/v2"

	"github.com/schoolsms/sms/app/errs"
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
	cur, err := currentSessionID(ctx, s.T.Read())
	if err != nil {
		return nil, err
	}
	w := f.conditions(v, cur)
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
	order := f.Ordering
	if order == "" {
		order = DefaultOrdering
	}
	args = append(args, w.args...)
	args = append(args, MaxExportRows)
	rows, err := s.T.ReadDB().QueryContext(ctx, `SELECT s.admission_no, s.first_name, s.middle_name, s.last_name, s.gender,
		s.date_of_birth, xc.name, g.name, g.relationship, g.phone, g.email
		FROM students s`+classJoin+`
		LEFT JOIN guardians g ON g.id = (SELECT sg.guardian_id FROM student_guardians sg WHERE sg.student_id = s.id
			ORDER BY sg.is_primary DESC, sg.guardian_id LIMIT 1)`+w.sql()+" ORDER BY "+order+", s.id LIMIT ?", args...)
	if err != nil {
		return nil, errs.Wrap(err, "export students")
	}
	defer rows.Close()
	out := []ExportRow{}
	for rows.Next() {
		var r ExportRow
		var dob, class, gname, grel, gphone, gemail sql.NullString
		if err := rows.Scan(&r.AdmissionNo, &r.FirstName, &r.MiddleName, &r.LastName, &r.Gender, &dob, &class,
			&gname, &grel, &gphone, &gemail); err != nil {
			return nil, errs.Wrap(err, "export students")
		}
		r.DateOfBirth, r.Class = dob.String, class.String
		r.GuardianName, r.GuardianRelationship, r.GuardianPhone, r.GuardianEmail = gname.String, grel.String, gphone.String, gemail.String
		out = append(out, r)
	}
	return out, errs.Wrap(rows.Err(), "export students")
}

// WriteCSV writes rows as CSV with a header line of ExportColumns.
func WriteCSV(w io.Writer, rows []ExportRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(ExportColumns); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write(safeCells(r.Values())); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// safeCells keeps spreadsheet programs from running cells as formulas when a CSV is
// opened: a cell starting with =, +, -, @ (other than a phone number) is prefixed with '.
func safeCells(cells []string) []string {
	for i, c := range cells {
		if c == "" {
			continue
		}
		switch c[0] {
		case '=', '-', '@', '\t', '\r':
			cells[i] = "'" + c
		case '+':
			if !isPhone(c) {
				cells[i] = "'" + c
			}
		}
	}
	return cells
}

func isPhone(s string) bool {
	if len(s) < 2 || s[0] != '+' {
		return false
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// WriteXLSX writes rows as a one-sheet workbook ("Students") with a bold header row.
// Every cell is text, so admission numbers and phones keep their form.
func WriteXLSX(w io.Writer, rows []ExportRow) error {
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "Students"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	text, err := x.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return err
	}
	if err := sw.SetColWidth(1, len(ExportColumns), 18); err != nil {
		return err
	}
	head := make([]any, len(ExportColumns))
	for i, c := range ExportColumns {
		head[i] = excelize.Cell{StyleID: bold, Value: c}
	}
	if err := sw.SetRow("A1", head, excelize.RowOpts{}); err != nil {
		return err
	}
	for i, r := range rows {
		vals := r.Values()
		cells := make([]any, len(vals))
		for j, v := range vals {
			cells[j] = excelize.Cell{StyleID: text, Value: v}
		}
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = x.WriteTo(w)
	return err
}
