// Package studentimport reads student lists that schools keep in spreadsheets (CSV or
// .xlsx) and applies them in one transaction: all rows or none.
package studentimport

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/schoolsms/sms/app/text"
)

// Row is one student line of an import, normalised but not yet checked against the
// school's data. Line is the row number a spreadsheet shows (the header is row 1).
type Row struct {
	Line                 int
	AdmissionNo          string
	FirstName            string
	MiddleName           string
	LastName             string
	Gender               string // male, female or other
	DateOfBirth          string // YYYY-MM-DD, or ""
	Class                string
	GuardianName         string
	GuardianRelationship string
	GuardianPhone        string // as written; normalised to E.164 when applied
	GuardianEmail        string
}

// Problem is a reason a row (or the header, row 1) cannot be imported.
type Problem struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Message string `json:"message"`
}

// Columns are the canonical column names, in export order.
var Columns = []string{"admission_no", "first_name", "middle_name", "last_name", "gender", "date_of_birth",
	"class", "guardian_name", "guardian_relationship", "guardian_phone", "guardian_email"}

// aliases maps a folded header (lower case, without spaces, _ and -) to its column.
var aliases = map[string]string{
	"admissionno": "admission_no", "admno": "admission_no", "admissionnumber": "admission_no",
	"adm": "admission_no", "admnumber": "admission_no", "admission": "admission_no",
	"firstname": "first_name", "first": "first_name", "givenname": "first_name", "forename": "first_name",
	"middlename": "middle_name", "middle": "middle_name", "othername": "middle_name", "othernames": "middle_name",
	"lastname": "last_name", "last": "last_name", "surname": "last_name", "familyname": "last_name",
	"gender": "gender", "sex": "gender",
	"dateofbirth": "date_of_birth", "dob": "date_of_birth", "birthdate": "date_of_birth", "birthday": "date_of_birth",
	"class": "class", "classname": "class", "stream": "class",
	"guardianname": "guardian_name", "guardian": "guardian_name", "parentname": "guardian_name", "parent": "guardian_name",
	"guardianrelationship": "guardian_relationship", "relationship": "guardian_relationship", "relation": "guardian_relationship",
	"guardianphone": "guardian_phone", "phone": "guardian_phone", "parentphone": "guardian_phone",
	"guardianmobile": "guardian_phone", "mobile": "guardian_phone", "guardiantel": "guardian_phone",
	"guardianemail": "guardian_email", "email": "guardian_email", "parentemail": "guardian_email",
}

var required = []string{"first_name", "last_name", "gender"}

func fold(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(h)) {
		if r == ' ' || r == '_' || r == '-' || r == '.' || unicode.IsSpace(r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// MaxRows bounds one import; larger lists are split by the user.
const MaxRows = 20000

// ParseCSV reads a CSV file: UTF-8 with or without BOM, separated by , or ; (whichever
// the header uses), one student per row.
func ParseCSV(r io.Reader) ([]Row, []Problem, error) {
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	head, _ := br.Peek(4096)
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	cr := csv.NewReader(br)
	if bytes.Count(head, []byte{';'}) > bytes.Count(head, []byte{','}) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var records []record
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, []Problem{{Row: pe.Line, Message: "the file is not valid CSV here: " + pe.Err.Error()}}, nil
			}
			return nil, nil, err
		}
		records = append(records, record{line: len(records) + 1, cells: rec})
		if len(records) > MaxRows+1 {
			return nil, []Problem{tooManyRows(len(records))}, nil
		}
	}
	if len(records) == 0 {
		return nil, []Problem{{Row: 1, Message: "the file is empty; the first row must name the columns"}}, nil
	}
	rows, problems := parseRecords(records[0].cells, records[1:], false)
	return rows, problems, nil
}

// record is one line of a file: its row number as a spreadsheet shows it, and its cells.
type record struct {
	line  int
	cells []string
}

func tooManyRows(line int) Problem {
	return Problem{Row: line, Message: fmt.Sprintf("at most %d rows can be imported at once; split the file", MaxRows)}
}

// width is how many columns a header names: up to its last non-blank cell.
func width(header []string) int {
	n := len(header)
	for n > 0 && strings.TrimSpace(header[n-1]) == "" {
		n--
	}
	return n
}

// beyondHeader is the problem of a row with a value in a column the header does not
// reach (i counts from 0), or nil.
func beyondHeader(line int, cells []string, reach int) *Problem {
	for i := len(cells) - 1; i >= reach; i-- {
		if strings.TrimSpace(cells[i]) != "" {
			col := columnName(i + 1)
			last := "none"
			if reach > 0 {
				last = columnName(reach)
			}
			return &Problem{Row: line, Column: col, Message: fmt.Sprintf("has a value in column %s, beyond the last named column (%s); "+
				"name the column in row 1 or clear the cell", col, last)}
		}
	}
	return nil
}

// columnName is a spreadsheet's name for column n (from 1): A, B, ... Z, AA, ...
func columnName(n int) string {
	var b []byte
	for ; n > 0; n = (n - 1) / 26 {
		b = append([]byte{byte('A' + (n-1)%26)}, b...)
	}
	return string(b)
}

// parseRecords turns a header and data records into rows, reporting every problem.
// serialDates is set for spreadsheets, whose date cells hold day numbers (45123).
func parseRecords(header []string, records []record, serialDates bool) ([]Row, []Problem) {
	var problems []Problem
	index := map[string]int{}
	for i, h := range header {
		if strings.TrimSpace(h) == "" {
			continue
		}
		col, ok := aliases[fold(h)]
		if !ok {
			problems = append(problems, Problem{Row: 1, Column: h,
				Message: "unknown column; known columns are " + strings.Join(Columns, ", ")})
			continue
		}
		if _, dup := index[col]; dup {
			problems = append(problems, Problem{Row: 1, Column: h, Message: "the column " + col + " appears twice"})
			continue
		}
		index[col] = i
	}
	for _, col := range required {
		if _, ok := index[col]; !ok {
			problems = append(problems, Problem{Row: 1, Column: col, Message: "this column is required"})
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	reach := width(header)
	var rows []Row
	for _, r := range records {
		line, rec := r.line, r.cells
		get := func(col string) string {
			i, ok := index[col]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		if blank(rec) {
			continue
		}
		if p := beyondHeader(line, rec, reach); p != nil {
			problems = append(problems, *p)
			continue
		}
		row := Row{Line: line, AdmissionNo: get("admission_no"), FirstName: get("first_name"),
			MiddleName: get("middle_name"), LastName: get("last_name"), Class: get("class"),
			GuardianName: get("guardian_name"), GuardianRelationship: get("guardian_relationship"),
			GuardianPhone: get("guardian_phone"), GuardianEmail: strings.ToLower(get("guardian_email"))}
		add := func(col, msg string) { problems = append(problems, Problem{Row: line, Column: col, Message: msg}) }
		for _, f := range []struct{ col, v string }{{"first_name", row.FirstName}, {"last_name", row.LastName}} {
			if f.v == "" {
				add(f.col, "must not be empty")
			}
		}
		for _, f := range []struct {
			col string
			v   *string
			max int // 0: the student service checks the length
		}{{"admission_no", &row.AdmissionNo, 100}, {"first_name", &row.FirstName, 100}, {"middle_name", &row.MiddleName, 100},
			{"last_name", &row.LastName, 100}, {"guardian_name", &row.GuardianName, 100}, {"class", &row.Class, 0},
			{"guardian_relationship", &row.GuardianRelationship, 0}, {"guardian_phone", &row.GuardianPhone, 0},
			{"guardian_email", &row.GuardianEmail, 0}} {
			if !utf8.ValidString(*f.v) {
				add(f.col, "is not valid UTF-8 text; save the file as UTF-8")
			} else if v, msg := text.Line(*f.v, f.max); msg != "" {
				add(f.col, msg)
			} else {
				*f.v = v
			}
		}
		g, ok := Gender(get("gender"))
		if !ok {
			add("gender", fmt.Sprintf("%q is not a gender; use male, female, M or F", get("gender")))
		}
		row.Gender = g
		if d := get("date_of_birth"); d != "" {
			if serialDates {
				d = serialDate(d)
			}
			iso, err := Date(d)
			if err != nil {
				add("date_of_birth", err.Error())
			}
			row.DateOfBirth = iso
		}
		if row.GuardianPhone != "" && row.GuardianName == "" {
			add("guardian_name", "is required when a guardian phone is given")
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 && len(problems) == 0 {
		problems = append(problems, Problem{Row: 2, Message: "the file has a header but no students"})
	}
	return rows, problems
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// Gender reads the ways schools write gender.
func Gender(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "m", "male", "boy", "b":
		return "male", true
	case "f", "female", "girl", "g":
		return "female", true
	case "o", "other":
		return "other", true
	}
	return "", false
}

// Date reads YYYY-MM-DD or DD/MM/YYYY (also D/M/YYYY and DD-MM-YYYY) into YYYY-MM-DD.
// A date after the school's today is refused when the rows are checked against the
// school, which knows its date.
func Date(s string) (string, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "02/01/2006", "2/1/2006", "02-01-2006", "2-1-2006", "02.01.2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() < 1900 {
				return "", fmt.Errorf("%q is not a plausible date of birth", s)
			}
			return t.Format("2006-01-02"), nil
		}
	}
	return "", fmt.Errorf("%q is not a date; use YYYY-MM-DD or DD/MM/YYYY", s)
}
