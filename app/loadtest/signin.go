package loadtest

import (
	"context"
	"encoding/json"
	"runtime"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/demo"
	"github.com/schoolsms/sms/db"
)

// signIn measures a burst of sign-ins (POST /api/auth/login) on every connection at
// once: the admin and the teachers with their right passwords, and one attempt in
// sixteen with a wrong one. Every attempt hashes, so the hashing cap (one hash per
// core) decides the pace and the memory; the limiter answers 429 to an account or
// address that failed too often, and to sign-ins that waited too long for a hash.
func (b *bench) signIn(ctx context.Context) error {
	t, err := b.w.a.Clients.Get(ctx, mainSchema)
	if err != nil {
		return err
	}
	host := t.PrimaryDomain()
	type account struct{ email, password string }
	accounts := []account{{adminEmail, Password}}
	err = b.w.a.Pool.WithTenant(ctx, mainSchema, func(t *db.Tenant) error {
		rows, err := t.ReadDB().QueryContext(ctx, `SELECT email FROM users WHERE role = ? AND is_active ORDER BY id`, string(auth.RoleTeacher))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e string
			if err := rows.Scan(&e); err != nil {
				return err
			}
			accounts = append(accounts, account{e, demo.Password})
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	bodies := make([][]byte, len(accounts))
	wrong := make([][]byte, len(accounts))
	for i, a := range accounts {
		bodies[i], _ = json.Marshal(map[string]string{"email": a.email, "password": a.password})
		wrong[i], _ = json.Marshal(map[string]string{"email": a.email, "password": "not-the-password"})
	}
	runtime.GC()
	before := RSS()
	row, _ := b.measure(ScenarioSignIn, "sign-in burst", b.w.addr, func(c *Conn, i int) (outcome, error) {
		n := c.ID + b.o.Conns*i
		body, want := bodies[n%len(bodies)], 200
		if n%16 == 15 {
			body, want = wrong[(n/16)%len(wrong)], 401
		}
		c.Req.Header.SetMethod("POST")
		c.Req.SetRequestURI("/api/auth/login")
		c.Req.SetHost(host)
		c.Req.Header.SetContentType("application/json")
		c.Req.SetBodyRaw(body)
		status, err := c.Do()
		if want == 401 && status == 401 && err == nil {
			return ok, nil
		}
		return expect(c, err, status, want)
	})
	after := RSS()
	b.note(row.Name, "RSS %.0f MB before, %.0f MB after; %d accounts, 1 in 16 wrong (401 counted as answered); hashing peak %d of %d slots",
		float64(before)/(1<<20), float64(after)/(1<<20), len(accounts), auth.HashingPeak(), auth.MaxHashing())
	return nil
}
