package attendance_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/attendance"
	schooltime "github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// benchSchool is a school of 24 classes of 45 students with the month of March marked
// up to the 3rd, on a real file.
func benchSchool(b *testing.B) (*apptest.Server, []int64, map[int64][]int64) {
	s := apptest.Start(b, apptest.At(now))
	s.CreateSchool("bench", "Bench School")
	classes := []int64{}
	students := map[int64][]int64{}
	s.WithSchool("bench", func(t *db.Tenant) error {
		return t.Tx(context.Background(), func(_ *tenantdb.Queries, tx *sql.Tx) error {
			ex := func(q string, args ...any) int64 {
				r, err := tx.Exec(q, args...)
				if err != nil {
					b.Fatal(q, err)
				}
				id, _ := r.LastInsertId()
				return id
			}
			sess := ex("INSERT INTO academic_sessions (name, start_date, end_date, is_current) VALUES ('2026', '2026-01-05', '2026-12-04', 1)")
			ex("INSERT INTO terms (session_id, name, start_date, end_date, is_current) VALUES (?, 'Term 1', '2026-01-05', '2026-04-02', 1)", sess)
			for f := 1; f <= 6; f++ {
				form := ex("INSERT INTO forms (name, level) VALUES (?, ?)", fmt.Sprintf("Form %d", f), f)
				for _, stream := range []string{"A", "B", "C", "D"} {
					c := ex("INSERT INTO classes (form_id, session_id, name) VALUES (?, ?, ?)", form, sess, fmt.Sprintf("%d%s", f, stream))
					classes = append(classes, c)
					for i := range 45 {
						st := ex("INSERT INTO students (admission_no, first_name, last_name, gender) VALUES (?, 'First', 'Last', 'female')", fmt.Sprintf("%d-%d", c, i))
						ex("INSERT INTO enrollments (student_id, class_id, session_id, enrolled_on) VALUES (?, ?, ?, '2026-01-05')", st, c, sess)
						students[c] = append(students[c], st)
						for _, d := range []string{"2026-03-02", "2026-03-03"} {
							ex("INSERT INTO attendance (student_id, date, class_id, status, marked_at) VALUES (?, ?, ?, 'present', '2026-03-02T08:00:00.000Z')", st, d, c)
						}
					}
				}
			}
			return nil
		})
	})
	return s, classes, students
}

func p99(b *testing.B, took []time.Duration) {
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkSaveRegister45 saves a 45-student register through the service (one
// transaction: validation, marks, alerts, outbox, audit), alternating two registers so
// every save changes marks.
func BenchmarkSaveRegister45(b *testing.B) {
	s, classes, students := benchSchool(b)
	c := classes[0]
	meta := auth.Meta{}
	ctx := schooltime.WithClock(context.Background(), func() time.Time { return now })
	ins := [2]attendance.RegisterInput{}
	for k := range ins {
		for i, st := range students[c] {
			status := attendance.Present
			if (i+k)%9 == 0 {
				status = attendance.Absent
			}
			ins[k].Entries = append(ins[k].Entries, attendance.EntryInput{Student: st, Status: status})
		}
	}
	var took []time.Duration
	s.WithSchool("bench", func(t *db.Tenant) error {
		svc := attendance.New(t)
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			start := time.Now()
			if _, err := svc.SaveRegister(ctx, attendance.Viewer{}, c, today, ins[i%2], meta); err != nil {
				b.Fatal(err)
			}
			took = append(took, time.Since(start))
		}
		return nil
	})
	p99(b, took)
}

// BenchmarkTrackingSheet45 reads a 45-student class's month.
func BenchmarkTrackingSheet45(b *testing.B) {
	s, classes, _ := benchSchool(b)
	ctx := schooltime.WithClock(context.Background(), func() time.Time { return now })
	var took []time.Duration
	s.WithSchool("bench", func(t *db.Tenant) error {
		svc := attendance.New(t)
		for b.Loop() {
			start := time.Now()
			if _, err := svc.TrackingSheet(ctx, attendance.Viewer{}, classes[0], "2026-03"); err != nil {
				b.Fatal(err)
			}
			took = append(took, time.Since(start))
		}
		return nil
	})
	p99(b, took)
}

// BenchmarkDayOverview24 reads the day overview of a school of 24 classes.
func BenchmarkDayOverview24(b *testing.B) {
	s, _, _ := benchSchool(b)
	ctx := schooltime.WithClock(context.Background(), func() time.Time { return now })
	var took []time.Duration
	s.WithSchool("bench", func(t *db.Tenant) error {
		svc := attendance.New(t)
		for b.Loop() {
			start := time.Now()
			if _, err := svc.DayOverview(ctx, attendance.Viewer{}, "2026-03-03"); err != nil {
				b.Fatal(err)
			}
			took = append(took, time.Since(start))
		}
		return nil
	})
	p99(b, took)
}
