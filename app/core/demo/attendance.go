package demo

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/attendance"
	"github.com/schoolsms/sms/app/core/notices"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// holidays are the breaks of the demo year (month-day), one or two per term.
var holidays = []struct{ name, from, to string }{
	{"Half term", "02-16", "02-20"},
	{"Labour Day", "05-01", "05-01"},
	{"Half term", "06-15", "06-19"},
	{"Mashujaa Day", "10-20", "10-20"},
	{"Half term", "10-05", "10-09"},
}

// seedCalendar adds the year's holidays.
func seedCalendar(ctx context.Context, t *db.Tenant, year int, meta auth.Meta) error {
	att := attendance.New(t)
	for _, h := range holidays {
		if _, err := att.CreateHoliday(ctx, attendance.HolidayInput{Name: h.name, StartDate: fmt.Sprintf("%d-%s", year, h.from),
			EndDate: fmt.Sprintf("%d-%s", year, h.to)}, meta); err != nil {
			return fmt.Errorf("holiday %s: %w", h.name, err)
		}
	}
	return nil
}

// seedAttendance fills the registers of the current term from its first day to today:
// about 94 % present, a few chronic absentees, the class teacher as the marker, and the
// last class not yet marked today. It writes in one transaction with one prepared
// insert, so sms serve --demo starts fast. Past absences raise no alerts: the bot is
// told of absences as registers are saved from now on. It returns the marks written.
func seedAttendance(ctx context.Context, t *db.Tenant, r *rand.Rand, classes []academics.Class, term academics.TermInput,
	sessionStart string, today time.Time) (int, error) {
	last := today.Format(school.DateLayout)
	if last > term.EndDate {
		last = term.EndDate
	}
	att := attendance.New(t)
	var days []string
	from, _ := time.Parse(school.DateLayout, term.StartDate)
	for d := from; d.Format(school.DateLayout) <= last; d = d.AddDate(0, 0, 1) {
		ds := d.Format(school.DateLayout)
		why, err := att.SchoolDay(ctx, ds)
		if err != nil {
			return 0, err
		}
		if why == "" {
			days = append(days, ds)
		}
	}
	n := 0
	err := t.Tx(ctx, func(_ *tenantdb.Queries, tx *sql.Tx) error {
		// the students were admitted in earlier years: they are in their classes from the
		// first day of the session, not from the day the demo was made
		if _, err := tx.ExecContext(ctx, "UPDATE enrollments SET enrolled_on = ? WHERE enrolled_on > ?", sessionStart, sessionStart); err != nil {
			return err
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO attendance (student_id, date, class_id, status, note, marked_by, marked_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for ci, cl := range classes {
			rows, err := tx.QueryContext(ctx, "SELECT student_id FROM enrollments WHERE class_id = ? AND status = 'active' ORDER BY student_id", cl.ID)
			if err != nil {
				return err
			}
			var students []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				students = append(students, id)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			// two students a class are away far more often than the others
			chronic := map[int64]bool{}
			for len(chronic) < 2 && len(chronic) < len(students) {
				chronic[students[r.IntN(len(students))]] = true
			}
			var by sql.NullInt64
			if cl.ClassTeacherID != nil {
				by = sql.NullInt64{Int64: *cl.ClassTeacherID, Valid: true}
			}
			for _, day := range days {
				if day == days[len(days)-1] && day == today.Format(school.DateLayout) && ci == len(classes)-1 {
					continue // one class has not marked today yet
				}
				at := day + "T05:15:00.000Z"
				for _, st := range students {
					status, note := mark(r, chronic[st])
					if _, err := ins.ExecContext(ctx, st, day, cl.ID, status, note, by, at); err != nil {
						return fmt.Errorf("mark %s: %w", day, err)
					}
					n++
				}
			}
		}
		return nil
	})
	return n, err
}

// mark draws a day's mark: 94 % present, 3 % absent, 2 % late, 1 % excused; a chronic
// absentee is away one day in four.
func mark(r *rand.Rand, chronic bool) (status, note string) {
	x := r.IntN(100)
	if chronic {
		switch {
		case x < 25:
			return attendance.Absent, ""
		case x < 30:
			return attendance.Late, ""
		}
		return attendance.Present, ""
	}
	switch {
	case x < 94:
		return attendance.Present, ""
	case x < 97:
		return attendance.Absent, ""
	case x < 99:
		return attendance.Late, "Arrived after assembly"
	}
	return attendance.Excused, "Medical appointment"
}

// seedNotices writes three notices: a pinned welcome to everyone, exams for the top
// form, and a sports day later in the term.
func seedNotices(ctx context.Context, t *db.Tenant, term academics.TermInput, topForm int64, today time.Time, meta auth.Meta) (int, error) {
	d := func(days int) string { return today.AddDate(0, 0, days).Format(school.DateLayout) }
	// The bodies are what a clerk would write, and parents read them on WhatsApp: the
	// day in words, not as stored.
	say := func(date string) string {
		t, err := time.Parse(school.DateLayout, date)
		if err != nil {
			return date
		}
		return t.Format("Monday 2 January")
	}
	until := term.EndDate
	list := []notices.NoticeInput{
		{Title: "Welcome to " + term.Name, Body: "Welcome back, everyone.\nThe term ends on " + say(term.EndDate) +
			". Fees are due by the end of the second week.\n\nThe school office is open 8:00 to 16:00.",
			Audience: notices.All, PublishFrom: term.StartDate, PublishUntil: &until, Pinned: true},
		{Title: "Form 4 mock examinations", Body: "Mock examinations start on " + say(d(14)) +
			".\nThe timetable is on the notice board. Candidates bring two pens, a pencil and a calculator.",
			Audience: notices.Form, FormID: &topForm, PublishFrom: d(-3)},
		{Title: "Sports day", Body: "Sports day is on " + say(d(10)) + ". Parents are welcome from 9:00.\nWear house colours.",
			Audience: notices.All, PublishFrom: d(-1), PublishUntil: ptrTo(d(10))},
	}
	svc := notices.New(t)
	for _, in := range list {
		if _, err := svc.Create(ctx, in, meta); err != nil {
			return 0, fmt.Errorf("notice %s: %w", in.Title, err)
		}
	}
	return len(list), nil
}

func ptrTo[T any](v T) *T { return &v }
