package settings

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Audit reads a school's audit log for people: filtered, paged, with each entry's
// detail laid out as what changed from what to what.
type Audit struct{ T *db.Tenant }

// AuditFilter narrows the log. From and To are school dates (YYYY-MM-DD), both days
// included, read in the school's timezone.
type AuditFilter struct {
	Actor  string // the email of who did it
	Action string // e.g. student.update
	From   string
	To     string
}

// AuditEntry is one line of the log as the page shows it.
type AuditEntry struct {
	ID      int64
	At      string // stored UTC moment
	Actor   string
	Action  string
	Target  string
	IP      string
	Changes []Change // fields whose value changed (detail with before and after)
	Details []Change // the other facts of the detail (Before empty)
}

// Change is one field of an entry's detail.
type Change struct {
	Field, Before, After string
}

var auditView = query.View[AuditEntry]{
	Cols: "id, at, actor_email, action, target, ip, detail", From: "audit_log", ID: "id",
	Scan: func(s query.Scanner) (AuditEntry, error) {
		var e AuditEntry
		var detail string
		err := s.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.Target, &e.IP, &detail)
		e.Changes, e.Details = readDetail(detail)
		return e, err
	},
}

var newestFirst = query.NewOrdering(map[string]string{"id": "id"}, "-id")

// List reads one page of the log, newest first.
func (a Audit) List(ctx context.Context, f AuditFilter, p query.Page) ([]AuditEntry, int64, error) {
	var w query.Where
	if f.Actor != "" {
		w.Add("actor_email = ?", f.Actor)
	}
	if f.Action != "" {
		w.Add("action = ?", f.Action)
	}
	loc, err := school.New(a.T).Location(ctx)
	if err != nil {
		return nil, 0, err
	}
	fields := errs.Fields{}
	// Moments are stored as UTC text of one width, so text order is time order.
	bound := func(field, day string, add int) {
		if day == "" {
			return
		}
		d, err := time.ParseInLocation(school.DateLayout, day, loc)
		if err != nil {
			fields.Add(field, "must be a date like 2025-09-01")
			return
		}
		at := d.AddDate(0, 0, add).UTC().Format("2006-01-02T15:04:05.000Z")
		if add == 0 {
			w.Add("at >= ?", at)
		} else {
			w.Add("at < ?", at)
		}
	}
	bound("from", f.From, 0)
	bound("to", f.To, 1)
	if err := fields.Err(); err != nil {
		return nil, 0, err
	}
	return auditView.List(ctx, a.T, w, newestFirst.Default(), p)
}

// Choices are the actors and actions the log holds, for the page's filters.
func (a Audit) Choices(ctx context.Context) (actors, actions []string, err error) {
	err = a.T.ReadTx(ctx, func(_ *tenantdb.Queries, d tenantdb.DBTX) error {
		read := func(q string) ([]string, error) {
			rows, err := d.QueryContext(ctx, q)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var s sql.NullString
				if err := rows.Scan(&s); err != nil {
					return nil, err
				}
				if s.String != "" {
					out = append(out, s.String)
				}
			}
			return out, rows.Err()
		}
		var err error
		if actors, err = read("SELECT DISTINCT actor_email FROM audit_log ORDER BY actor_email"); err != nil {
			return err
		}
		actions, err = read("SELECT DISTINCT action FROM audit_log ORDER BY action")
		return err
	})
	return actors, actions, errs.Wrap(err, "audit choices")
}

// readDetail lays out an entry's detail: with "before" and "after" objects, the fields
// whose values differ; every other top-level value as a fact.
func readDetail(raw string) (changes, details []Change) {
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &m) != nil {
		if s := strings.TrimSpace(raw); s != "" && s != "{}" && s != "null" {
			details = append(details, Change{Field: "detail", After: s})
		}
		return nil, details
	}
	var before, after map[string]json.RawMessage
	_ = json.Unmarshal(m["before"], &before)
	_ = json.Unmarshal(m["after"], &after)
	if before != nil || after != nil {
		delete(m, "before")
		delete(m, "after")
		keys := map[string]bool{}
		for k := range before {
			keys[k] = true
		}
		for k := range after {
			keys[k] = true
		}
		for _, k := range sortedKeys(keys) {
			b, a := show(before[k]), show(after[k])
			if b != a {
				changes = append(changes, Change{Field: k, Before: b, After: a})
			}
		}
	} else if b, a := m["before"], m["after"]; b != nil || a != nil {
		// before and after are plain values (a setting)
		delete(m, "before")
		delete(m, "after")
		changes = append(changes, Change{Field: "value", Before: show(b), After: show(a)})
	}
	for _, k := range sortedKeys(keysOf(m)) {
		details = append(details, Change{Field: k, After: show(m[k])})
	}
	return changes, details
}

// show writes a JSON value for a reader: text without quotes, nothing for null.
func show(v json.RawMessage) string {
	if len(v) == 0 {
		return ""
	}
	var x any
	if json.Unmarshal(v, &x) != nil {
		return string(v)
	}
	switch t := x.(type) {
	case nil:
		return ""
	case string:
		return t
	case bool:
		if t {
			return "yes"
		}
		return "no"
	case float64:
		return fmt.Sprint(t)
	}
	return string(v)
}

func keysOf(m map[string]json.RawMessage) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
