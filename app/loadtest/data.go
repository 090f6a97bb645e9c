package loadtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/clients"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/demo"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// The schools the bench makes. The main school is the demo school (a year of
// registers, assessments and guardians with phones) topped up with students; the many
// schools are clones of its setup, each with an admin and a few students of its own.
const (
	mainSchema = "bench"
	adminEmail = "admin@bench.test"
	// Password is the password of every account the bench makes.
	Password = "bench-password"
)

var meta = auth.Meta{IP: "127.0.0.1", RequestID: "bench"}

func manySchema(i int) string { return fmt.Sprintf("s%04d", i+1) }

// exists reports whether the catalog has the school.
func exists(ctx context.Context, a *app.App, schema string) (bool, error) {
	_, err := a.Clients.Get(ctx, schema)
	if errs.CodeOf(err) == errs.NotFound {
		return false, nil
	}
	return err == nil, err
}

// buildMain makes the main school with n students unless it exists: the demo seed
// (about 300 students in eight classes, with the current term's registers and
// assessments), then the rest in extra classes, written as an import writes them.
func buildMain(ctx context.Context, a *app.App, n int) error {
	if ok, err := exists(ctx, a, mainSchema); ok || err != nil {
		return err
	}
	if _, err := a.Clients.CreateWithAdmin(ctx, clients.CreateRequest{Schema: mainSchema, Name: "Bench Secondary School",
		Country: "KE", Timezone: "Africa/Nairobi",
		Admin: &auth.NewUser{Email: adminEmail, Name: "Bench Admin", Password: Password}}, meta); err != nil {
		return fmt.Errorf("create %s: %w", mainSchema, err)
	}
	return a.Pool.WithTenant(ctx, mainSchema, func(t *db.Tenant) error {
		perForm := min(max(n/4, 2), 76)
		seeded, err := demo.Seed(ctx, t, demo.Options{StudentsPerForm: perForm, EmailDomain: "bench.test"}, meta)
		if err != nil {
			return fmt.Errorf("seed %s: %w", mainSchema, err)
		}
		rest := n - seeded.Students
		if rest <= 0 {
			return nil
		}
		ac := academics.New(t)
		sess, err := ac.CurrentSession(ctx)
		if err != nil {
			return err
		}
		var form int64
		if err := t.ReadDB().QueryRowContext(ctx, `SELECT id FROM forms ORDER BY level LIMIT 1`).Scan(&form); err != nil {
			return err
		}
		var classes []int64
		for i := range (rest + 99) / 100 {
			c, err := ac.CreateClass(ctx, academics.ClassInput{FormID: form, SessionID: sess.ID, Name: fmt.Sprintf("Extra %d", i+1)}, meta)
			if err != nil {
				return err
			}
			classes = append(classes, c.ID)
		}
		return t.Tx(ctx, func(q *tenantdb.Queries, tx *sql.Tx) error {
			for i := range rest {
				if _, err := students.CreateStudent(ctx, q, student(i, classes[i%len(classes)]), meta); err != nil {
					return fmt.Errorf("student %d: %w", i, err)
				}
			}
			return nil
		})
	})
}

var (
	firstNames = []string{"Ann", "Achieng", "Wanjiku", "Amina", "Faith", "Mercy", "Grace", "Njeri", "Zawadi", "Aisha",
		"Otieno", "Kamau", "Brian", "Kevin", "Juma", "Baraka", "Mwangi", "Omondi", "Hassan", "Daniel", "Joy", "Imani"}
	lastNames = []string{"Odhiambo", "Kariuki", "Mohamed", "Wambua", "Njoroge", "Cheruiyot", "Onyango", "Mutiso",
		"Achola", "Kimani", "Barasa", "Ndungu", "Owino", "Koech", "Wafula", "Macharia", "Abdi", "Okoth", "Nyaga"}
)

func student(i int, class int64) students.StudentInput {
	in := students.StudentInput{FirstName: firstNames[i%len(firstNames)], LastName: lastNames[(i/len(firstNames)+i)%len(lastNames)],
		Gender: []string{"female", "male"}[i%2], DateOfBirth: fmt.Sprintf("%d-%02d-%02d", 2008+i%6, 1+i%12, 1+i%28), Class: class}
	if i%3 == 0 {
		in.MiddleName = lastNames[(i*7)%len(lastNames)]
	}
	return in
}

// buildMany makes the schools s0001..s<n> that are missing: each a clone of the main
// school's setup (sessions, terms, forms, classes, subjects) made by the clone code,
// with, in the same new file, an admin account and k students. The admin's password
// is hashed once for all of them: a thousand argon2 hashes would be most of the work.
func buildMany(ctx context.Context, a *app.App, n, k int, progress func(done int)) error {
	var classes []int64
	err := a.Pool.WithTenant(ctx, mainSchema, func(t *db.Tenant) error {
		rows, err := t.ReadDB().QueryContext(ctx, `SELECT c.id FROM classes c JOIN academic_sessions s ON s.id = c.session_id
			WHERE s.is_current AND c.capacity IS NOT NULL ORDER BY c.id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			classes = append(classes, id)
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	if len(classes) == 0 {
		return errors.New("the main school has no classes to clone")
	}
	hash, err := auth.HashPassword(ctx, Password)
	if err != nil {
		return err
	}
	var next, done atomic.Int64
	var first error
	var mu sync.Mutex
	var wg sync.WaitGroup
	last := time.Now()
	for range 2 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				err := buildOne(ctx, a, manySchema(i), hash, classes, k)
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				d := int(done.Add(1))
				if progress != nil && (time.Since(last) > 5*time.Second || d == n) {
					last = time.Now()
					progress(d)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

func buildOne(ctx context.Context, a *app.App, schema, hash string, classes []int64, k int) error {
	if ok, err := exists(ctx, a, schema); ok || err != nil {
		return err
	}
	_, err := a.Clients.Clone(ctx, mainSchema, clients.CreateInput{Schema: schema, Name: "School " + schema[1:],
		Init: func(ctx context.Context, q *tenantdb.Queries) error {
			u, err := q.CreateUser(ctx, tenantdb.CreateUserParams{Email: "admin@" + schema + ".test", Name: "Admin",
				Role: string(auth.RoleAdmin), PasswordHash: hash})
			if err != nil {
				return err
			}
			if err := auth.InsertSchoolAudit(ctx, q, meta.Entry("user.create", u.Email, map[string]any{"id": u.ID, "role": u.Role})); err != nil {
				return err
			}
			for i := range k {
				if _, err := students.CreateStudent(ctx, q, student(i, classes[i%len(classes)]), meta); err != nil {
					return fmt.Errorf("student %d: %w", i, err)
				}
			}
			return nil
		}})
	if err != nil {
		return fmt.Errorf("clone %s: %w", schema, err)
	}
	return nil
}
