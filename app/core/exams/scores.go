package exams

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Statuses of a mark.
const (
	MarkScored = "scored"
	MarkAbsent = "absent"
	MarkExempt = "exempt"
)

// Mark is what a mark sheet holds for a student on an assessment: a score (0 to the
// assessment's maximum, at most one decimal), absent, exempt, or nothing yet (null).
// In JSON it is a number, "absent", "exempt" or null; a number may also come as text,
// as a column pasted from a spreadsheet does. A value that is none of these is kept
// with the reason, so the sheet can name its row.
type Mark struct {
	Status string // MarkScored, MarkAbsent, MarkExempt, or "" for no mark
	Tenths int64  // the score in tenths of a point, for MarkScored
	bad    string
}

// Score is a mark of x points (at most one decimal is kept).
func Score(x float64) Mark {
	t, _ := tenths(x)
	return Mark{Status: MarkScored, Tenths: t}
}

// Absent and Exempt are the marks of a student who missed the assessment and of one
// who does not take it.
var (
	Absent = Mark{Status: MarkAbsent}
	Exempt = Mark{Status: MarkExempt}
)

// Empty reports whether there is no mark.
func (m Mark) Empty() bool { return m.Status == "" && m.bad == "" }

// Points is the score as a number.
func (m Mark) Points() float64 { return fromTenths(m.Tenths) }

// String is the mark as a sheet shows it: 12.5, absent, exempt, or "".
func (m Mark) String() string {
	switch m.Status {
	case MarkScored:
		return formatTenths(m.Tenths)
	case MarkAbsent, MarkExempt:
		return m.Status
	}
	return ""
}

// MarshalJSON writes a number, "absent", "exempt" or null.
func (m Mark) MarshalJSON() ([]byte, error) {
	switch m.Status {
	case MarkScored:
		return []byte(formatTenths(m.Tenths)), nil
	case MarkAbsent, MarkExempt:
		return []byte(`"` + m.Status + `"`), nil
	}
	return []byte("null"), nil
}

// UnmarshalJSON reads any JSON value: one that is not a mark is kept as bad, for the
// sheet to report with its row.
func (m *Mark) UnmarshalJSON(b []byte) error {
	*m = Mark{}
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			m.bad = "is not valid text"
			return nil
		}
		*m = ParseMark(s)
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		*m = ParseMark(string(b))
	default:
		m.bad = "must be a number, absent, exempt or null"
	}
	return nil
}

// ParseMark reads a mark as a person types it: "12.5", "absent" or "a", "exempt" or
// "e" (any case), or "" for no mark. Anything else is a bad mark, with the reason.
func ParseMark(s string) Mark {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "":
		return Mark{}
	case MarkAbsent, "a":
		return Absent
	case MarkExempt, "e":
		return Exempt
	}
	t, msg := parseScore(s)
	if msg != "" {
		return Mark{bad: msg}
	}
	return Mark{Status: MarkScored, Tenths: t}
}

// parseScore reads plain decimal digits with at most one decimal, exactly (no float).
func parseScore(s string) (int64, string) {
	quoted := strconv.Quote(s)
	if len(s) > 40 {
		quoted = strconv.Quote(s[:40] + "…")
	}
	if strings.HasPrefix(s, "-") {
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return 0, fmt.Sprintf("%s is below 0", s)
		}
	}
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		if _, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64); err == nil {
			return 0, fmt.Sprintf("%s: write decimals with a point (%s)", quoted, strings.Replace(s, ",", ".", 1))
		}
	}
	whole, frac, hasPoint := strings.Cut(s, ".")
	if whole == "" || !digits(whole) || hasPoint && (frac == "" || !digits(frac)) {
		return 0, fmt.Sprintf("%s is not a mark: write a number, absent or exempt", quoted)
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > 1 {
		return 0, fmt.Sprintf("%s has more than one decimal", s)
	}
	if len(whole) > 6 {
		return 0, fmt.Sprintf("%s is too large", s)
	}
	n, _ := strconv.ParseInt(whole, 10, 64)
	n *= 10
	if frac != "" {
		n += int64(frac[0] - '0')
	}
	return n, ""
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// SheetRow is one student of a mark sheet.
type SheetRow struct {
	StudentID   int64  `json:"student"`
	AdmissionNo string `json:"admission_no"`
	Name        string `json:"name"`
	Score       Mark   `json:"score"`
}

// MarkSheet is an assessment with a row for every student enrolled in its class (those
// whose enrollment has not ended), in name order.
type MarkSheet struct {
	Assessment Assessment `json:"assessment"`
	Locked     bool       `json:"locked"` // the class's results are published
	Rows       []SheetRow `json:"rows"`
}

// SheetEntry is one student's mark as a sheet is saved.
type SheetEntry struct {
	StudentID int64 `json:"student"`
	Score     Mark  `json:"score"`
}

// SheetInput is a whole mark sheet; a student it leaves out has no mark after saving.
type SheetInput struct {
	Scores *[]SheetEntry `json:"scores"`
}

// MarkSheet returns the assessment's sheet, if the viewer may see its class.
func (s Service) MarkSheet(ctx context.Context, v Viewer, id int64) (MarkSheet, error) {
	var out MarkSheet
	err := read(ctx, s.T, "read mark sheet", func(q *tenantdb.Queries, d tenantdb.DBTX) error {
		a, err := assessmentView.Get(ctx, d, id)
		if err != nil {
			return found(err, "assessment", id)
		}
		c, err := q.ExamsGetClass(ctx, a.ClassID)
		if err != nil {
			return err
		}
		if err := canSeeClass(ctx, q, v, c); err != nil {
			return err
		}
		out, err = sheetOf(ctx, q, a)
		return err
	})
	return out, err
}

func sheetOf(ctx context.Context, q *tenantdb.Queries, a Assessment) (MarkSheet, error) {
	roster, err := q.ExamsClassRoster(ctx, a.ClassID)
	if err != nil {
		return MarkSheet{}, err
	}
	marks, err := sheetMarks(ctx, q, a.ID)
	if err != nil {
		return MarkSheet{}, err
	}
	out := MarkSheet{Assessment: a, Locked: a.Locked(), Rows: make([]SheetRow, len(roster))}
	for i, r := range roster {
		out.Rows[i] = SheetRow{StudentID: r.ID, AdmissionNo: r.AdmissionNo, Name: fullName(r.FirstName, r.MiddleName, r.LastName),
			Score: marks[r.ID]}
	}
	return out, nil
}

func sheetMarks(ctx context.Context, q *tenantdb.Queries, id int64) (map[int64]Mark, error) {
	rows, err := q.ExamsSheetScores(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]Mark, len(rows))
	for _, r := range rows {
		out[r.StudentID] = Mark{Status: r.Status, Tenths: r.ScoreTenths.Int64}
	}
	return out, nil
}

// SaveMarkSheet replaces the assessment's marks with the sheet, in one transaction:
// every bad row is named (400) and nothing is written. A teacher saves only the sheets
// of subjects they teach (403); nobody saves while the class's results are published.
func (s Service) SaveMarkSheet(ctx context.Context, v Viewer, id int64, entries []SheetEntry, meta auth.Meta) (MarkSheet, error) {
	// The sheet is read and checked on a reader before the write transaction: a school
	// has one writer, and every save queues behind the one holding it. Inside, one
	// statement reads what the check rests on (sheetState); unchanged, the plan stands,
	// and a sheet whose assessment, lock, class or marks changed in between is read and
	// checked again there.
	var p sheetPlan
	err := read(ctx, s.T, "save mark sheet", func(q *tenantdb.Queries, d tenantdb.DBTX) error {
		var err error
		p, err = s.planSheet(ctx, q, d, v, id, entries)
		return err
	})
	if err != nil {
		return MarkSheet{}, err
	}
	var out MarkSheet
	err = write(ctx, s.T, "save mark sheet", func(q *tenantdb.Queries, tx *sql.Tx) error {
		state, err := q.ExamsSheetState(ctx, id)
		if err != nil || state != p.state {
			if p, err = s.planSheet(ctx, q, tx, v, id, entries); err != nil {
				return err
			}
		}
		return p.save(ctx, q, meta, &out)
	})
	return out, err
}

// sheetPlan is a mark sheet's save as checked: the sheet's assessment, class and
// students, the marks it has and the marks it is to have.
type sheetPlan struct {
	a          Assessment
	roster     []tenantdb.ExamsClassRosterRow
	names      map[int64]string
	have, want map[int64]Mark
	state      string // ExamsSheetState read with the rest
}

// planSheet reads the sheet and checks the entries against it: rights, the lock, each
// row (all bad rows named).
func (s Service) planSheet(ctx context.Context, q *tenantdb.Queries, d query.Queryer, v Viewer, id int64, entries []SheetEntry) (sheetPlan, error) {
	var p sheetPlan
	a, t, c, err := s.assessmentFor(ctx, q, d, v, id)
	if err != nil {
		return p, err
	}
	if err := unlocked(ctx, q, t, c); err != nil {
		return p, err
	}
	roster, err := q.ExamsClassRoster(ctx, a.ClassID)
	if err != nil {
		return p, err
	}
	names := make(map[int64]string, len(roster))
	for _, r := range roster {
		names[r.ID] = fullName(r.FirstName, r.MiddleName, r.LastName) + " (" + r.AdmissionNo + ")"
	}
	max, _ := tenths(a.MaxScore)
	f := errs.Fields{}
	want := make(map[int64]Mark, len(entries))
	rowOf := make(map[int64]int, len(entries))
	for i, e := range entries {
		field := "scores[" + strconv.Itoa(i) + "]"
		name, ok := names[e.StudentID]
		switch {
		case e.StudentID <= 0:
			f.Add(field, "student is required (an id)")
		case !ok:
			f.Add(field, fmt.Sprintf("student %d is not in %s", e.StudentID, c.Name))
		case rowOf[e.StudentID] > 0:
			f.Add(field, fmt.Sprintf("%s is on the sheet twice (also row %d)", name, rowOf[e.StudentID]-1))
		case e.Score.bad != "":
			f.Add(field, name+": "+e.Score.bad)
		case e.Score.Status == MarkScored && e.Score.Tenths > max:
			f.Add(field, fmt.Sprintf("%s: %s is above the maximum %s", name, formatTenths(e.Score.Tenths), formatTenths(max)))
		}
		if e.StudentID > 0 && rowOf[e.StudentID] == 0 {
			rowOf[e.StudentID] = i + 1
		}
		if !e.Score.Empty() {
			want[e.StudentID] = e.Score
		}
	}
	if err := f.Err(); err != nil {
		return p, err
	}
	have, err := sheetMarks(ctx, q, id)
	if err != nil {
		return p, err
	}
	state, err := q.ExamsSheetState(ctx, id)
	if err != nil {
		return p, err
	}
	return sheetPlan{a: a, roster: roster, names: names, have: have, want: want, state: state}, nil
}

// save writes the marks that change, with one audit entry, and puts the sheet as saved
// in out.
func (p sheetPlan) save(ctx context.Context, q *tenantdb.Queries, meta auth.Meta, out *MarkSheet) error {
	type score struct {
		S  int64  `json:"s"`
		St string `json:"st"`
		T  *int64 `json:"t"`
	}
	var (
		upserts []score
		deletes []int64
		changes []map[string]any
	)
	for _, r := range p.roster {
		before, after := p.have[r.ID], p.want[r.ID]
		if before == after {
			continue
		}
		if after.Empty() {
			deletes = append(deletes, r.ID)
		} else {
			sc := score{S: r.ID, St: after.Status}
			if after.Status == MarkScored {
				sc.T = &after.Tenths
			}
			upserts = append(upserts, sc)
		}
		changes = append(changes, map[string]any{"student": r.ID, "before": before, "after": after})
	}
	if len(upserts) > 0 {
		js, err := json.Marshal(upserts)
		if err != nil {
			return err
		}
		if err := q.ExamsUpsertScores(ctx, tenantdb.ExamsUpsertScoresParams{AssessmentID: p.a.ID, UpdatedBy: actorID(meta),
			UpdatedAt: school.ClockOf(ctx)().UTC().Format(stampLayout), Scores: string(js)}); err != nil {
			return err
		}
	}
	if len(deletes) > 0 {
		js, err := json.Marshal(deletes)
		if err != nil {
			return err
		}
		if err := q.ExamsDeleteScores(ctx, tenantdb.ExamsDeleteScoresParams{AssessmentID: p.a.ID, Students: string(js)}); err != nil {
			return err
		}
	}
	if len(changes) > 0 {
		if err := audit(ctx, q, meta, "marks.save", assessmentTarget(p.a), map[string]any{"assessment": p.a.ID, "changes": changes}); err != nil {
			return err
		}
	}
	// The sheet as saved, from what is in hand rather than read again: a sheet is
	// saved often, and a teacher waits for it.
	a := p.a
	a.Marked = int64(len(p.want))
	for sid := range p.have {
		if _, ok := p.names[sid]; !ok {
			a.Marked++ // marks of students who have left the class stay
		}
	}
	*out = MarkSheet{Assessment: a, Rows: make([]SheetRow, len(p.roster))}
	for i, r := range p.roster {
		out.Rows[i] = SheetRow{StudentID: r.ID, AdmissionNo: r.AdmissionNo, Name: fullName(r.FirstName, r.MiddleName, r.LastName),
			Score: p.want[r.ID]}
	}
	return nil
}

// stampLayout is how SQLite's strftime('%Y-%m-%dT%H:%M:%fZ', 'now') writes a time, the
// form of every updated_at.
const stampLayout = "2006-01-02T15:04:05.000Z"
