package attendance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Summary is a student's attendance over a term: the days marked, each status, and the
// attendance rate (present or late, of the days marked).
type Summary struct {
	Student StudentRef `json:"student"`
	Term    TermRef    `json:"term"`
	// SchoolDays are the term's school days so far (up to today or the term's end) for
	// the classes of its session.
	SchoolDays int      `json:"school_days"`
	DaysMarked int64    `json:"days_marked"`
	Present    int64    `json:"present"`
	Absent     int64    `json:"absent"`
	Late       int64    `json:"late"`
	Excused    int64    `json:"excused"`
	Rate       *float64 `json:"attendance_rate"` // percent, one decimal; null when no day is marked
}

// StudentTermSummary is a student's attendance in a term (termID 0: the current term).
// It reads the whole school: callers that act for a teacher check the student is theirs
// first (StudentSummaryFor).
func (s Service) StudentTermSummary(ctx context.Context, studentID, termID int64) (Summary, error) {
	var out Summary
	err := s.T.ReadTx(ctx, func(q *tenantdb.Queries, d tenantdb.DBTX) error {
		var err error
		out, err = studentSummary(ctx, q, d, studentID, termID)
		return err
	})
	return out, err
}

// StudentSummaryFor is StudentTermSummary for a viewer: a teacher reaches only the
// students enrolled this session in a class they teach or lead (not found otherwise,
// as the student records answer).
func (s Service) StudentSummaryFor(ctx context.Context, v Viewer, studentID, termID int64) (Summary, error) {
	var out Summary
	err := s.T.ReadTx(ctx, func(q *tenantdb.Queries, d tenantdb.DBTX) error {
		if v.Scoped() {
			cur, err := currentSessionID(ctx, q)
			if err != nil {
				return err
			}
			ok, err := q.AttendanceTeacherSeesStudent(ctx, tenantdb.AttendanceTeacherSeesStudentParams{StudentID: studentID,
				SessionID: cur, TeacherID: sql.NullInt64{Int64: v.TeacherID, Valid: true}})
			if err != nil {
				return errs.Wrap(err, "teacher's students")
			}
			if !ok {
				return errs.E(errs.NotFound, "no student with id %d", studentID)
			}
		}
		var err error
		out, err = studentSummary(ctx, q, d, studentID, termID)
		return err
	})
	return out, err
}

func studentSummary(ctx context.Context, q *tenantdb.Queries, d tenantdb.DBTX, studentID, termID int64) (Summary, error) {
	var out Summary
	var first, middle, last string
	err := d.QueryRowContext(ctx, "SELECT id, admission_no, first_name, middle_name, last_name FROM students WHERE id = ?",
		studentID).Scan(&out.Student.ID, &out.Student.AdmissionNo, &first, &middle, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return out, errs.E(errs.NotFound, "no student with id %d", studentID)
	}
	if err != nil {
		return out, errs.Wrap(err, "student")
	}
	out.Student.Name = fullName(first, middle, last)
	var term tenantdb.Term
	if termID == 0 {
		term, err = q.AttendanceCurrentTerm(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return out, errs.Field("term", "is required: the school has no current term")
		}
	} else {
		term, err = q.AttendanceGetTerm(ctx, termID)
		if errors.Is(err, sql.ErrNoRows) {
			return out, errs.Field("term", fmt.Sprintf("no term with id %d", termID))
		}
	}
	if err != nil {
		return out, errs.Wrap(err, "term")
	}
	out.Term = termRef(term)
	counts, err := q.AttendanceStudentCounts(ctx, tenantdb.AttendanceStudentCountsParams{StudentID: studentID,
		FirstDay: term.StartDate, LastDay: term.EndDate})
	if err != nil {
		return out, errs.Wrap(err, "marks")
	}
	for _, c := range counts {
		switch c.Status {
		case Present:
			out.Present = c.N
		case Absent:
			out.Absent = c.N
		case Late:
			out.Late = c.N
		case Excused:
			out.Excused = c.N
		}
	}
	out.DaysMarked = out.Present + out.Absent + out.Late + out.Excused
	out.Rate = rate(out.Present, out.Late, out.DaysMarked)
	todayDate, err := today(ctx, q)
	if err != nil {
		return out, err
	}
	if last := min(todayDate, term.EndDate); last >= term.StartDate {
		sess, err := sessionName(ctx, d, term.SessionID)
		if err != nil {
			return out, err
		}
		cal, err := loadCalendar(ctx, q, term.SessionID, sess, term.StartDate, last)
		if err != nil {
			return out, err
		}
		out.SchoolDays = len(cal.schoolDays(term.StartDate, last))
	}
	return out, nil
}

func sessionName(ctx context.Context, d tenantdb.DBTX, id int64) (string, error) {
	var name string
	err := d.QueryRowContext(ctx, "SELECT name FROM academic_sessions WHERE id = ?", id).Scan(&name)
	return name, errs.Wrap(err, "session")
}

// Sheet is a class's tracking sheet for a month: its students by the month's school
// days, each cell the student's mark in the class's register that day (null when
// unmarked), with totals per student and per day.
type Sheet struct {
	Class    ClassRef   `json:"class"`
	Month    string     `json:"month"` // YYYY-MM
	Days     []string   `json:"days"`
	Students []SheetRow `json:"students"`
	DayTotal []DayTotal `json:"day_totals"`
	Totals   Counts     `json:"totals"`
}

// SheetRow is one student's line of a sheet. Marks line up with Sheet.Days; a day the
// student was not in the class, or still to come, is null as well, and not counted as
// unmarked.
type SheetRow struct {
	Student StudentRef `json:"student"`
	Marks   []*string  `json:"marks"`
	Counts
	Rate *float64 `json:"attendance_rate"`
	// inClass says, per day, whether the student was in the class that day.
	inClass []bool
}

// DayTotal is the marks of one day of a sheet.
type DayTotal struct {
	Date string `json:"date"`
	Counts
}

// TrackingSheet returns a class's sheet for a month (YYYY-MM; "" for this month in the
// school). A teacher reaches only the classes they teach or lead.
func (s Service) TrackingSheet(ctx context.Context, v Viewer, classID int64, month string) (Sheet, error) {
	var out Sheet
	err := s.T.ReadTx(ctx, func(q *tenantdb.Queries, d tenantdb.DBTX) error {
		c, err := class(ctx, q, classID)
		if err != nil {
			return err
		}
		if err := reach(ctx, q, v, c); err != nil {
			return err
		}
		todayDate, err := today(ctx, q)
		if err != nil {
			return err
		}
		if month == "" {
			month = todayDate[:7]
		}
		m, err := time.Parse("2006-01", month)
		if err != nil || m.Format("2006-01") != month {
			return errs.Field("month", fmt.Sprintf("%q is not a month written YYYY-MM", clip(month)))
		}
		first := m.Format(school.DateLayout)
		last := m.AddDate(0, 1, -1).Format(school.DateLayout)
		cal, err := loadCalendar(ctx, q, c.SessionID, c.SessionName, first, last)
		if err != nil {
			return err
		}
		out = Sheet{Class: classRef(c), Month: month, Days: cal.schoolDays(first, last), Students: []SheetRow{}}
		if out.Days == nil {
			out.Days = []string{}
		}
		return fillSheet(ctx, d, &out, first, last, todayDate)
	})
	return out, err
}

// fillSheet reads the students of the class in the month (enrolled some day of it, or
// marked in its register) and their marks in the class's register. Days after today are
// not counted as unmarked: their registers are still to be kept.
func fillSheet(ctx context.Context, d tenantdb.DBTX, sh *Sheet, first, last, todayDate string) error {
	rows, err := d.QueryContext(ctx, `SELECT s.id, s.admission_no, s.first_name, s.middle_name, s.last_name,
			min(x.enrolled_on), max(coalesce(x.ended_on, '9999-12-31'))
		FROM (SELECT e.student_id, e.enrolled_on, e.ended_on FROM enrollments e
			WHERE e.class_id = ?1 AND e.enrolled_on <= ?3 AND (e.ended_on IS NULL OR e.ended_on > ?2)
			UNION ALL SELECT a.student_id, '9999-12-31', '0000-01-01' FROM attendance a
			WHERE a.class_id = ?1 AND a.date >= ?2 AND a.date <= ?3) x
		JOIN students s ON s.id = x.student_id
		GROUP BY s.id
		ORDER BY s.last_name COLLATE NOCASE, s.first_name COLLATE NOCASE, s.id`, sh.Class.ID, first, last)
	if err != nil {
		return errs.Wrap(err, "sheet students")
	}
	index := map[int64]int{}
	for rows.Next() {
		var r SheetRow
		var firstName, middle, lastName, from, until string
		if err := rows.Scan(&r.Student.ID, &r.Student.AdmissionNo, &firstName, &middle, &lastName, &from, &until); err != nil {
			rows.Close()
			return errs.Wrap(err, "sheet students")
		}
		r.Student.Name = fullName(firstName, middle, lastName)
		r.Marks = make([]*string, len(sh.Days))
		r.inClass = make([]bool, len(sh.Days))
		for i, day := range sh.Days {
			r.inClass[i] = from <= day && day < until
		}
		index[r.Student.ID] = len(sh.Students)
		sh.Students = append(sh.Students, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errs.Wrap(err, "sheet students")
	}
	day := make(map[string]int, len(sh.Days))
	for i, d := range sh.Days {
		day[d] = i
	}
	marks, err := d.QueryContext(ctx, `SELECT student_id, date, status FROM attendance
		WHERE class_id = ? AND date >= ? AND date <= ?`, sh.Class.ID, first, last)
	if err != nil {
		return errs.Wrap(err, "sheet marks")
	}
	defer marks.Close()
	for marks.Next() {
		var student int64
		var date, status string
		if err := marks.Scan(&student, &date, &status); err != nil {
			return errs.Wrap(err, "sheet marks")
		}
		i, ok := index[student]
		j, isDay := day[date]
		if !ok || !isDay { // a mark on a day that is no longer a school day is not shown
			continue
		}
		st := status
		sh.Students[i].Marks[j] = &st
		sh.Students[i].inClass[j] = true
	}
	if err := marks.Err(); err != nil {
		return errs.Wrap(err, "sheet marks")
	}
	sh.DayTotal = make([]DayTotal, len(sh.Days))
	for j, d := range sh.Days {
		sh.DayTotal[j].Date = d
	}
	for i := range sh.Students {
		r := &sh.Students[i]
		for j, m := range r.Marks {
			if !r.inClass[j] || m == nil && sh.Days[j] > todayDate {
				continue
			}
			st := ""
			if m != nil {
				st = *m
			}
			r.Counts.add(st)
			sh.DayTotal[j].Counts.add(st)
			sh.Totals.add(st)
		}
		r.Rate = rate(r.Present, r.Late, r.Marked())
	}
	return nil
}

// Cell is how a mark is written in an exported sheet: P, A, L, E; blank when unmarked
// or not in the class.
func Cell(status *string) string {
	if status == nil || *status == "" {
		return ""
	}
	return strings.ToUpper((*status)[:1])
}

// Overview is the school's day: for each class of the session, how many students it has
// that day and how many are marked, present, absent, late and excused.
type Overview struct {
	Date         string     `json:"date"`
	SchoolDay    bool       `json:"school_day"`
	ClosedReason string     `json:"closed_reason,omitempty"`
	Session      *string    `json:"session"`
	Classes      []ClassDay `json:"classes"`
	Totals       Counts     `json:"totals"`
	Unmarked     int        `json:"classes_unmarked"` // classes with students and no mark
}

// ClassDay is one class's line of the day overview.
type ClassDay struct {
	Class    ClassRef `json:"class"`
	Students int64    `json:"students"`
	Marked   int64    `json:"marked"`
	Counts
	// State is "marked" (every student), "partial" or "unmarked" ("empty" for a class
	// without students that day).
	State string `json:"state"`
}

// DayOverview returns the overview of a date ("" for today in the school) for the
// classes of the session the date falls in (the current session otherwise). A teacher
// sees the classes they teach or lead.
func (s Service) DayOverview(ctx context.Context, v Viewer, date string) (Overview, error) {
	var out Overview
	err := s.T.ReadTx(ctx, func(q *tenantdb.Queries, d tenantdb.DBTX) error {
		todayDate, err := today(ctx, q)
		if err != nil {
			return err
		}
		if date == "" {
			date = todayDate
		}
		if _, err := parseDate("date", date); err != nil {
			return err
		}
		out = Overview{Date: date, Classes: []ClassDay{}}
		sess, err := sessionFor(ctx, q, date)
		if err != nil || sess == nil {
			out.ClosedReason = "is outside every academic session"
			return err
		}
		out.Session = &sess.Name
		cal, err := loadCalendar(ctx, q, sess.ID, sess.Name, date, date)
		if err != nil {
			return err
		}
		out.ClosedReason = cal.closed(date)
		out.SchoolDay = out.ClosedReason == ""
		out.Classes, err = classDays(ctx, d, v, sess.ID, date)
		if err != nil {
			return err
		}
		for _, c := range out.Classes {
			out.Totals.Present += c.Present
			out.Totals.Absent += c.Absent
			out.Totals.Late += c.Late
			out.Totals.Excused += c.Excused
			out.Totals.Unmarked += c.Unmarked
			if c.State == "unmarked" {
				out.Unmarked++
			}
		}
		return nil
	})
	return out, err
}

// sessionFor is the session a date falls in (the current one when several do, or
// when none does); nil when the school has none.
func sessionFor(ctx context.Context, q *tenantdb.Queries, date string) (*tenantdb.AcademicSession, error) {
	on, err := q.AttendanceSessionOn(ctx, date)
	if err != nil {
		return nil, errs.Wrap(err, "session")
	}
	if len(on) > 0 {
		return &on[0], nil
	}
	cur, err := q.AttendanceCurrentSession(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &cur, errs.Wrap(err, "session")
}

// classDays counts each class's students and marks on a date: one read of the
// session's enrollments with their marks on that day.
func classDays(ctx context.Context, d tenantdb.DBTX, v Viewer, sessionID int64, date string) ([]ClassDay, error) {
	scope, args := "", []any{date, date, date, sessionID}
	if v.Scoped() {
		scope = ` AND c.id IN (SELECT id FROM classes WHERE class_teacher_id = ?
			UNION SELECT class_id FROM subject_assignments WHERE teacher_id = ?)`
		args = append(args, v.TeacherID, v.TeacherID)
	}
	rows, err := d.QueryContext(ctx, `SELECT c.id, c.name, f.id, f.name, count(e.id),
			count(a.status), count(a.status = 'present' OR NULL), count(a.status = 'absent' OR NULL),
			count(a.status = 'late' OR NULL), count(a.status = 'excused' OR NULL)
		FROM classes c
		JOIN forms f ON f.id = c.form_id
		LEFT JOIN enrollments e ON e.class_id = c.id AND e.enrolled_on <= ?1 AND (e.ended_on IS NULL OR e.ended_on > ?2)
		LEFT JOIN attendance a ON a.student_id = e.student_id AND a.date = ?3
		WHERE c.session_id = ?4`+scope+`
		GROUP BY c.id
		ORDER BY f.level, c.name COLLATE NOCASE, c.id`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "day overview")
	}
	defer rows.Close()
	out := []ClassDay{}
	for rows.Next() {
		var c ClassDay
		if err := rows.Scan(&c.Class.ID, &c.Class.Name, &c.Class.FormID, &c.Class.FormName, &c.Students, &c.Marked,
			&c.Present, &c.Absent, &c.Late, &c.Excused); err != nil {
			return nil, errs.Wrap(err, "day overview")
		}
		c.Class.SessionID = sessionID
		c.Unmarked = c.Students - c.Marked
		switch {
		case c.Students == 0:
			c.State = "empty"
		case c.Marked == 0:
			c.State = "unmarked"
		case c.Marked < c.Students:
			c.State = "partial"
		default:
			c.State = "marked"
		}
		out = append(out, c)
	}
	return out, errs.Wrap(rows.Err(), "day overview")
}

// Absentee is a student absent (or excused) on a day, with the guardians to call.
type Absentee struct {
	Student   StudentRef `json:"student"`
	Class     ClassRef   `json:"class"`
	Status    string     `json:"status"`
	Note      string     `json:"note"`
	Guardians []Contact  `json:"guardians"`
}

// Contact is a guardian as the absentee list shows them.
type Contact struct {
	Name             string `json:"name"`
	Relationship     string `json:"relationship"`
	Phone            string `json:"phone"`
	ReceivesMessages bool   `json:"receives_messages"`
	IsPrimary        bool   `json:"is_primary"`
}

// AbsenteeList is the absentees of a date.
type AbsenteeList struct {
	Date    string     `json:"date"`
	Count   int        `json:"count"`
	Results []Absentee `json:"absentees"`
}

// Absentees lists the students marked absent or excused on a date ("" for today in the
// school), by class and name, with their guardians' phones.
func (s Service) Absentees(ctx context.Context, date string) (AbsenteeList, error) {
	out := []Absentee{}
	err := s.T.ReadTx(ctx, func(q *tenantdb.Queries, d tenantdb.DBTX) error {
		if date == "" {
			var err error
			if date, err = today(ctx, q); err != nil {
				return err
			}
		}
		if _, err := parseDate("date", date); err != nil {
			return err
		}
		// Every class a mark of the day can be in: the day's marks are read class by
		// class through the (class, date) index.
		rows, err := d.QueryContext(ctx, `SELECT s.id, s.admission_no, s.first_name, s.middle_name, s.last_name,
				c.id, c.name, f.id, f.name, c.session_id, a.status, a.note
			FROM classes c
			JOIN forms f ON f.id = c.form_id
			JOIN attendance a ON a.class_id = c.id AND a.date = ? AND a.status IN ('absent', 'excused')
			JOIN students s ON s.id = a.student_id
			ORDER BY f.level, c.name COLLATE NOCASE, c.id, s.last_name COLLATE NOCASE, s.first_name COLLATE NOCASE, s.id`, date)
		if err != nil {
			return errs.Wrap(err, "absentees")
		}
		index := map[int64]int{}
		for rows.Next() {
			var a Absentee
			var first, middle, last string
			if err := rows.Scan(&a.Student.ID, &a.Student.AdmissionNo, &first, &middle, &last, &a.Class.ID, &a.Class.Name,
				&a.Class.FormID, &a.Class.FormName, &a.Class.SessionID, &a.Status, &a.Note); err != nil {
				rows.Close()
				return errs.Wrap(err, "absentees")
			}
			a.Student.Name = fullName(first, middle, last)
			a.Guardians = []Contact{}
			index[a.Student.ID] = len(out)
			out = append(out, a)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(out) == 0 {
			return errs.Wrap(err, "absentees")
		}
		ids := make([]any, 0, len(index))
		for id := range index {
			ids = append(ids, id)
		}
		g, err := d.QueryContext(ctx, `SELECT sg.student_id, g.name, g.relationship, g.phone, g.receives_messages, sg.is_primary
			FROM student_guardians sg
			JOIN guardians g ON g.id = sg.guardian_id
			WHERE sg.student_id IN (`+placeholders(len(ids))+`)
			ORDER BY sg.student_id, sg.is_primary DESC, g.id`, ids...)
		if err != nil {
			return errs.Wrap(err, "guardians")
		}
		defer g.Close()
		for g.Next() {
			var student int64
			var c Contact
			if err := g.Scan(&student, &c.Name, &c.Relationship, &c.Phone, &c.ReceivesMessages, &c.IsPrimary); err != nil {
				return errs.Wrap(err, "guardians")
			}
			if i, ok := index[student]; ok {
				out[i].Guardians = append(out[i].Guardians, c)
			}
		}
		return errs.Wrap(g.Err(), "guardians")
	})
	return AbsenteeList{Date: date, Count: len(out), Results: out}, err
}

// placeholders is "?, ?, ?" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
