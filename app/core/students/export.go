package students

import (
	"bufio"
	"context"
	"database/sql"
	"io"
	"strings"

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
	order, _ := orderBy(f.Order)
	args = append(args, w.Args()...)
	args = append(args, MaxExportRows)
	rows, err := s.T.ReadDB().QueryContext(ctx, `SELECT s.admission_no, s.first_name, s.middle_name, s.last_name, s.gender,
		s.date_of_birth, xc.name, g.name, g.relationship, g.phone, g.email
		FROM students s`+classJoin+`
		LEFT JOIN guardians g ON g.id = (SELECT sg.guardian_id FROM student_guardians sg WHERE sg.student_id = s.id
			ORDER BY sg.is_primary DESC, sg.guardian_id LIMIT 1)`+w.SQL()+" ORDER BY "+order+" LIMIT ?", args...)
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

// WriteCSV writes rows as CSV with a header line of ExportColumns. Every field is
// quoted and neutralised (see neutralise), so that no spreadsheet program, whatever
// separator its locale splits at, runs a cell as a formula.
func WriteCSV(w io.Writer, rows []ExportRow) error {
	bw := bufio.NewWriter(w)
	writeRecord(bw, ExportColumns)
	for _, r := range rows {
		writeRecord(bw, r.Values())
	}
	return bw.Flush()
}

// writeRecord writes one CSV line with every field quoted: encoding/csv quotes only
// fields holding its own separator, and a program set to split at ; or tab would then
// see a field like a;=1 as two cells.
func writeRecord(w *bufio.Writer, cells []string) {
	for i, c := range cells {
		if i > 0 {
			w.WriteByte(',')
		}
		w.WriteByte('"')
		w.WriteString(strings.ReplaceAll(neutralise(c), `"`, `""`))
		w.WriteByte('"')
	}
	w.WriteByte('\n')
}

// neutralise puts a ' before every formula start (=, +, -, @, tab, CR) that begins the
// cell or follows a character some program may split cells at (, ; tab and line
// breaks), so that each piece a program may make of the cell is text. A cell that is a
// phone number (+ and digits) is left alone: a spreadsheet reads it as a number.
func neutralise(c string) string {
	if isPhone(c) {
		return c
	}
	var b strings.Builder
	start := true
	for i := 0; i < len(c); i++ {
		ch := c[i]
		if start && strings.IndexByte("=+-@\t\r", ch) >= 0 {
			b.WriteByte('\'')
		}
		b.WriteByte(ch)
		start = strings.IndexByte(",;\t\r\n", ch) >= 0
	}
	return b.String()
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
