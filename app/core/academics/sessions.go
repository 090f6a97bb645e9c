package academics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	apptext "github.com/schoolsms/sms/app/text"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Session is an academic session (school year), e.g. "2025/2026". Exactly one session is
// current once any exists.
type Session struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
	IsCurrent bool   `json:"is_current"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// SessionInput creates a session. The first session of a school is current whatever
// IsCurrent says; making a session current makes every other one not current.
type SessionInput struct {
	Name      string `json:"name"`
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
	IsCurrent bool   `json:"is_current"`
}

// SessionPatch changes a session; nil fields stay as they are.
type SessionPatch struct {
	Name      *string `json:"name"`
	StartDate *string `json:"start_date"`
	EndDate   *string `json:"end_date"`
	IsCurrent *bool   `json:"is_current"`
}

// SessionFilter narrows a list of sessions.
type SessionFilter struct {
	Search  string // in the name
	Current *bool
	Order   query.Order
}

// check validates the input into f and reports whether the dates are usable.
func (in *SessionInput) check(f errs.Fields) bool {
	apptext.Required(f, "name", &in.Name, maxShort)
	return span(f, in.StartDate, in.EndDate)
}

var sessionView = query.View[Session]{
	Cols: "id, name, start_date, end_date, is_current, created_at, updated_at",
	From: "academic_sessions",
	ID:   "id",
	Scan: func(r query.Scanner) (Session, error) {
		var s Session
		err := r.Scan(&s.ID, &s.Name, &s.StartDate, &s.EndDate, &s.IsCurrent, &s.CreatedAt, &s.UpdatedAt)
		return s, err
	},
}

var sessionOrdering = query.NewOrdering(map[string]string{"id": "id", "name": "name", "start_date": "start_date", "end_date": "end_date"}, "-start_date")

var sessionUnique = query.Conflicts{"academic_sessions.name": {Field: "name", Message: "another session already has this name"}}

// ListSessions returns a page of sessions, newest first unless ordered otherwise.
func (s Service) ListSessions(ctx context.Context, f SessionFilter, p query.Page) ([]Session, int64, error) {
	var w query.Where
	w.Search(f.Search, "name")
	if f.Current != nil {
		w.Add("is_current = ?", *f.Current)
	}
	return sessionView.List(ctx, s.T, w, f.Order.Or(sessionOrdering.Default()), p)
}

// Session returns one session.
func (s Service) Session(ctx context.Context, id int64) (Session, error) {
	row, err := s.T.Read().AcademicsGetSession(ctx, id)
	if err != nil {
		return Session{}, errs.Wrap(found(err, "session", id), "get session")
	}
	return Session(row), nil
}

// SessionByName returns the session with this name (case-insensitive).
func (s Service) SessionByName(ctx context.Context, name string) (Session, error) {
	row, err := s.T.Read().AcademicsGetSessionByName(ctx, strings.TrimSpace(name))
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, errs.E(errs.NotFound, "no session named %q", name)
	}
	if err != nil {
		return Session{}, errs.Wrap(err, "get session")
	}
	return Session(row), nil
}

// CurrentSession returns the school's current session; not found when it has none yet.
func (s Service) CurrentSession(ctx context.Context) (Session, error) {
	row, err := s.T.Read().AcademicsGetCurrentSession(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, errs.E(errs.NotFound, "the school has no current session yet")
	}
	if err != nil {
		return Session{}, errs.Wrap(err, "current session")
	}
	return Session(row), nil
}

// CreateSession adds a session.
func (s Service) CreateSession(ctx context.Context, in SessionInput, meta auth.Meta) (Session, error) {
	f := errs.Fields{}
	in.check(f)
	if err := f.Err(); err != nil {
		return Session{}, err
	}
	var out Session
	err := write(ctx, s.T, "create session", func(q *tenantdb.Queries, _ *sql.Tx) error {
		n, err := q.AcademicsCountSessions(ctx)
		if err != nil {
			return err
		}
		current := in.IsCurrent || n == 0
		var cleared []int64
		if current {
			if cleared, err = q.AcademicsClearCurrentSession(ctx, 0); err != nil {
				return err
			}
		}
		row, err := q.AcademicsCreateSession(ctx, tenantdb.AcademicsCreateSessionParams{
			Name: in.Name, StartDate: in.StartDate, EndDate: in.EndDate, IsCurrent: current})
		if err != nil {
			return sessionUnique.Check(err)
		}
		out = Session(row)
		return audit(ctx, q, meta, "academic_session.create", out.Name, map[string]any{
			"id": out.ID, "after": out, "no_longer_current": cleared})
	})
	return out, err
}

// UpdateSession changes a session. Its terms must stay inside its dates; a current session
// stops being current only by making another one current.
func (s Service) UpdateSession(ctx context.Context, id int64, p SessionPatch, meta auth.Meta) (Session, error) {
	var out Session
	err := write(ctx, s.T, "update session", func(q *tenantdb.Queries, _ *sql.Tx) error {
		row, err := q.AcademicsGetSession(ctx, id)
		if err != nil {
			return found(err, "session", id)
		}
		before := Session(row)
		in := SessionInput{Name: before.Name, StartDate: before.StartDate, EndDate: before.EndDate, IsCurrent: before.IsCurrent}
		setIf(&in.Name, p.Name)
		setIf(&in.StartDate, p.StartDate)
		setIf(&in.EndDate, p.EndDate)
		setIf(&in.IsCurrent, p.IsCurrent)
		f := errs.Fields{}
		datesOK := in.check(f)
		if datesOK && (in.StartDate != before.StartDate || in.EndDate != before.EndDate) {
			outside, err := q.AcademicsTermsOutside(ctx, tenantdb.AcademicsTermsOutsideParams{
				SessionID: id, SessionStart: in.StartDate, SessionEnd: in.EndDate})
			if err != nil {
				return err
			}
			for _, x := range outside {
				msg := fmt.Sprintf("the session's term %s (%s to %s) would fall outside it", x.Name, x.StartDate, x.EndDate)
				if x.StartDate < in.StartDate {
					f.Add("start_date", msg)
				}
				if x.EndDate > in.EndDate {
					f.Add("end_date", msg)
				}
			}
		}
		if before.IsCurrent && !in.IsCurrent {
			f.Add("is_current", "the current session stops being current when another session is made current")
		}
		if err := f.Err(); err != nil {
			return err
		}
		var cleared []int64
		if in.IsCurrent && !before.IsCurrent {
			if cleared, err = q.AcademicsClearCurrentSession(ctx, id); err != nil {
				return err
			}
		}
		row, err = q.AcademicsUpdateSession(ctx, tenantdb.AcademicsUpdateSessionParams{
			Name: in.Name, StartDate: in.StartDate, EndDate: in.EndDate, IsCurrent: in.IsCurrent, ID: id})
		if err != nil {
			return sessionUnique.Check(err)
		}
		out = Session(row)
		return audit(ctx, q, meta, "academic_session.update", out.Name, map[string]any{
			"id": id, "before": before, "after": out, "no_longer_current": cleared})
	})
	return out, err
}

// DeleteSession removes a session that nothing refers to yet. The current session can be
// deleted only when it is the last one.
func (s Service) DeleteSession(ctx context.Context, id int64, meta auth.Meta) error {
	return write(ctx, s.T, "delete session", func(q *tenantdb.Queries, _ *sql.Tx) error {
		row, err := q.AcademicsGetSession(ctx, id)
		if err != nil {
			return found(err, "session", id)
		}
		deps, err := dependents(ctx, id,
			dependentCount{"terms", "term", "terms", q.AcademicsCountSessionTerms},
			dependentCount{"classes", "class", "classes", q.AcademicsCountSessionClasses},
			dependentCount{"enrollments", "enrollment", "enrollments", q.AcademicsCountSessionEnrollments})
		if err != nil {
			return err
		}
		if len(deps) > 0 {
			return errs.InUse(deps, "%s has %s; delete or move them first", row.Name, errs.Labels(deps))
		}
		if row.IsCurrent {
			n, err := q.AcademicsCountSessions(ctx)
			if err != nil {
				return err
			}
			if n > 1 {
				return errs.E(errs.Conflict, "%s is the current session; make another session current first", row.Name)
			}
		}
		if _, err := q.AcademicsDeleteSession(ctx, id); err != nil {
			return sessionUnique.Check(err)
		}
		return audit(ctx, q, meta, "academic_session.delete", row.Name, map[string]any{"id": id, "before": Session(row)})
	})
}

// setIf copies *p into *dst when p is not nil.
func setIf[T any](dst *T, p *T) {
	if p != nil {
		*dst = *p
	}
}
