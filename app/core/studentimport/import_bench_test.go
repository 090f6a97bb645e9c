package studentimport_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/demo"
	"github.com/schoolsms/sms/app/core/studentimport"
	"github.com/schoolsms/sms/db"
)

// BenchmarkImport5000 parses and applies a 5,000-row CSV (every student with a
// guardian and a class) in one transaction. The dry run does every write and rolls
// back, so each iteration does the same work; the commit variant writes for real.
func BenchmarkImport5000(b *testing.B) {
	var csv bytes.Buffer
	csv.WriteString("admission_no,first_name,last_name,gender,date_of_birth,class,guardian_name,guardian_relationship,guardian_phone\n")
	for i := range 5000 {
		fmt.Fprintf(&csv, "B/%05d,First%d,Last%d,%s,12/%02d/2011,Big %d,Parent %d,Mother,+2547%08d\n",
			i, i, i, []string{"F", "M"}[i%2], 1+i%12, i%2, i, 10000000+i)
	}
	for _, dry := range []bool{true, false} {
		b.Run(fmt.Sprintf("dry_run=%v", dry), func(b *testing.B) {
			ctx := context.Background()
			s := apptest.Start(b)
			n := 0
			for b.Loop() {
				b.StopTimer()
				n++
				schema := fmt.Sprintf("bench_%d", n)
				s.CreateSchool(schema, "Bench")
				var tn *db.Tenant
				var release func()
				var err error
				tn, release, err = s.App.Pool.Acquire(ctx, schema)
				if err != nil {
					b.Fatal(err)
				}
				ac := academics.New(tn)
				sess, err := ac.CreateSession(ctx, academics.SessionInput{Name: "2026", StartDate: "2026-01-05", EndDate: "2026-12-04", IsCurrent: true}, auth.Meta{})
				if err != nil {
					b.Fatal(err)
				}
				form, _ := ac.CreateForm(ctx, academics.FormInput{Name: "Form 1", Level: 1}, auth.Meta{})
				capacity := int64(5000)
				for i := range 2 {
					if _, err := ac.CreateClass(ctx, academics.ClassInput{FormID: form.ID, SessionID: sess.ID, Name: fmt.Sprintf("Big %d", i), Capacity: &capacity}, auth.Meta{}); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()

				rows, problems, err := studentimport.ParseCSV(bytes.NewReader(csv.Bytes()))
				if err != nil || len(problems) > 0 {
					b.Fatal(err, problems)
				}
				res, err := studentimport.New(tn).Import(ctx, rows, dry, auth.Meta{})
				if err != nil || len(res.Errors) > 0 || res.Created != 5000 {
					b.Fatal(err, res.Errors)
				}
				b.StopTimer()
				release()
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/5000rows")
		})
	}
}

// BenchmarkImportLockHold20000 imports 20,000 new students (each with a guardian and a
// class) into an empty school and reports how long the school's write lock was held:
// from the end of the check on the reader pool to the end of the import (the write
// transaction, BEGIN to COMMIT), against the import's whole time.
func BenchmarkImportLockHold20000(b *testing.B) {
	ctx := context.Background()
	s := apptest.Start(b)
	file := bigCSV(20000, "L")
	var held, total time.Duration
	n := 0
	for b.Loop() {
		b.StopTimer()
		n++
		schema := fmt.Sprintf("lock_%d", n)
		s.CreateSchool(schema, "Lock")
		s.WithSchool(schema, func(tn *db.Tenant) error {
			_, err := demo.Seed(ctx, tn, demo.Options{NoStudents: true, EmailDomain: schema + ".test"}, auth.Meta{})
			return err
		})
		roomyClasses(b, s, schema)
		rows, problems, err := studentimport.ParseCSV(bytes.NewReader(file))
		if err != nil || len(problems) > 0 {
			b.Fatal(err, problems)
		}
		var locked time.Time
		restore := studentimport.SetAfterCheck(func() { locked = time.Now() })
		b.StartTimer()
		start := time.Now()
		s.WithSchool(schema, func(tn *db.Tenant) error {
			res, err := studentimport.New(tn).Import(ctx, rows, false, auth.Meta{})
			if err == nil && (len(res.Errors) > 0 || res.Created != 20000) {
				err = fmt.Errorf("%+v", res.Errors)
			}
			return err
		})
		held += time.Since(locked)
		total += time.Since(start)
		b.StopTimer()
		restore()
		b.StartTimer()
	}
	b.ReportMetric(float64(held.Milliseconds())/float64(n), "ms-lock-held")
	b.ReportMetric(float64(total.Milliseconds())/float64(n), "ms-import")
}
