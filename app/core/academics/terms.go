package academics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	apptext "github.com/schoolsms/sms/app/text"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Term is a part of a session ("Term 1"). Terms lie inside their session's dates and the
// terms of one session do not share a day. Exactly one term is current once any term of
// the current session exists, and the current term's session is the current session.
type Term struct {
	ID             int64   `json:"id"`
	SessionID      int64   `json:"session"`
	SessionName    string  `json:"session_name"`
	Name           string  `json:"name"`
	StartDate      string  `json:"start_date"`
	EndDate        string  `json:"end_date"`
	NextTermBegins *string `json:"next_term_begins"`
	IsCurrent      bool    `json:"is_current"`
	CreatedAt      string  `json:"created_at"`
	UpdatedAt      string  `json:"updated_at"`
}

// TermInput creates a term. A term created while no term is current becomes current if
// its session is the current one. Making a term current makes its session current too.
type TermInput struct {
	SessionID      int64  `json:"session"`
	Name           string `json:"name"`
	StartDate      string `json:"start_date"`
	EndDate        string `json:"end_date"`
	NextTermBegins string `json:"next_term_begins"` // optional: "" for none
	IsCurrent      bool   `json:"is_current"`
}

// TermPatch changes a term; unset fields stay as they are; next_term_begins: null clears it.
type TermPatch struct {
	SessionID      *int64           `json:"session"`
	Name           *string          `json:"name"`
	StartDate      *string          `json:"start_date"`
	EndDate        *string          `json:"end_date"`
	NextTermBegins Nullable[string] `json:"next_term_begins"`
	IsCurrent      *bool            `json:"is_current"`
}

// TermFilter narrows a list of terms.
type TermFilter struct {
	SessionID int64 // 0: all
	Search    string
	Current   *bool
	Order     query.Order
}

var termView = query.View[Term]{
	Cols: "t.id, t.session_id, s.name, t.name, t.start_date, t.end_date, t.next_term_begins, t.is_current, t.created_at, t.updated_at",
	From: "terms t JOIN academic_sessions s ON s.id = t.session_id",
	ID:   "t.id",
	Scan: func(r query.Scanner) (Term, error) {
		var x Term
		var next sql.NullString
		err := r.Scan(&x.ID, &x.SessionID, &x.SessionName, &x.Name, &x.StartDate, &x.EndDate, &next, &x.IsCurrent, &x.CreatedAt, &x.UpdatedAt)
		x.NextTermBegins = strPtr(next)
		return x, err
	},
}

var termOrdering = query.NewOrdering(map[string]string{"id": "t.id", "name": "t.name", "start_date": "t.start_date", "end_date": "t.end_date",
	"session": "s.start_date"}, "-session,start_date")

var termUnique = query.Conflicts{"terms.session_id, terms.name": {Field: "name", Message: "the session already has a term with this name"}}

// ListTerms returns a page of terms: the latest session first, each session's terms in
// date order.
func (s Service) ListTerms(ctx context.Context, f TermFilter, p query.Page) ([]Term, int64, error) {
	var w query.Where
	if f.SessionID != 0 {
		w.Add("t.session_id = ?", f.SessionID)
	}
	if f.Current != nil {
		w.Add("t.is_current = ?", *f.Current)
	}
	w.Search(f.Search, "t.name")
	return termView.List(ctx, s.T, w, f.Order.Or(termOrdering.Default()), p)
}

// Term returns one term.
func (s Service) Term(ctx context.Context, id int64) (Term, error) {
	x, err := termView.Get(ctx, s.T.ReadDB(), id)
	return x, errs.Wrap(found(err, "term", id), "get term")
}

// CurrentTerm returns the school's current term; not found when there is none.
func (s Service) CurrentTerm(ctx context.Context) (Term, error) {
	row, err := s.T.Read().AcademicsGetCurrentTerm(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return Term{}, errs.E(errs.NotFound, "the school has no current term")
	}
	if err != nil {
		return Term{}, errs.Wrap(err, "current term")
	}
	return s.Term(ctx, row.ID)
}

// checkTerm validates a term (id 0 for a new one) against its session and the session's
// other terms, into f; the error is for failures to check, not for bad input.
func checkTerm(ctx context.Context, q *tenantdb.Queries, f errs.Fields, id int64, in *TermInput) error {
	hasSession := required(f, "session", in.SessionID)
	apptext.Required(f, "name", &in.Name, maxShort)
	datesOK := span(f, in.StartDate, in.EndDate)
	if in.NextTermBegins != "" && date(f, "next_term_begins", in.NextTermBegins) && datesOK && in.NextTermBegins <= in.EndDate {
		f.Add("next_term_begins", "Must be after this term ends")
	}
	if !hasSession {
		return nil
	}
	sess, err := q.AcademicsGetSession(ctx, in.SessionID)
	if errors.Is(err, sql.ErrNoRows) {
		f.Add("session", fmt.Sprintf("no session with id %d", in.SessionID))
		return nil
	}
	if err != nil {
		return err
	}
	if !datesOK {
		return nil
	}
	within := fmt.Sprintf("must be within the session %s (%s to %s)", sess.Name, sess.StartDate, sess.EndDate)
	if in.StartDate < sess.StartDate || in.StartDate > sess.EndDate {
		f.Add("start_date", within)
	}
	if in.EndDate > sess.EndDate || in.EndDate < sess.StartDate {
		f.Add("end_date", within)
	}
	if len(f) > 0 {
		return nil
	}
	clash, err := q.AcademicsOverlappingTerms(ctx, tenantdb.AcademicsOverlappingTermsParams{
		SessionID: in.SessionID, ExceptID: id, FirstDay: in.StartDate, LastDay: in.EndDate})
	if err != nil {
		return err
	}
	if len(clash) > 0 {
		c := clash[0]
		msg := fmt.Sprintf("overlaps the term %s (%s to %s) of the same session", c.Name, c.StartDate, c.EndDate)
		f.Add("start_date", msg)
		f.Add("end_date", msg)
	}
	return nil
}

// makeTermCurrent clears the current term (unless it is termID) and makes the session
// current, before a term of it is written as current; it returns what changed, for the
// audit entry.
func makeTermCurrent(ctx context.Context, q *tenantdb.Queries, termID, sessionID int64) (map[string]any, error) {
	terms, err := q.AcademicsClearCurrentTerm(ctx, termID)
	if err != nil {
		return nil, err
	}
	changed := map[string]any{"terms_no_longer_current": terms}
	sess, err := q.AcademicsGetSession(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	if !sess.IsCurrent {
		sessions, err := q.AcademicsClearCurrentSession(ctx, sessionID)
		if err != nil {
			return nil, err
		}
		if _, err := q.AcademicsUpdateSession(ctx, tenantdb.AcademicsUpdateSessionParams{Name: sess.Name,
			StartDate: sess.StartDate, EndDate: sess.EndDate, IsCurrent: true, ID: sess.ID}); err != nil {
			return nil, err
		}
		changed["session_made_current"] = sess.ID
		changed["sessions_no_longer_current"] = sessions
	}
	return changed, nil
}

// CreateTerm adds a term to a session.
func (s Service) CreateTerm(ctx context.Context, in TermInput, meta auth.Meta) (Term, error) {
	var out Term
	err := write(ctx, s.T, "create term", func(q *tenantdb.Queries, tx *sql.Tx) error {
		f := errs.Fields{}
		if err := checkTerm(ctx, q, f, 0, &in); err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		current := in.IsCurrent
		if !current {
			_, err := q.AcademicsGetCurrentTerm(ctx)
			if errors.Is(err, sql.ErrNoRows) {
				sess, err := q.AcademicsGetSession(ctx, in.SessionID)
				if err != nil {
					return err
				}
				current = sess.IsCurrent
			} else if err != nil {
				return err
			}
		}
		detail := map[string]any{}
		if current {
			changed, err := makeTermCurrent(ctx, q, 0, in.SessionID)
			if err != nil {
				return err
			}
			detail["current"] = changed
		}
		row, err := q.AcademicsCreateTerm(ctx, tenantdb.AcademicsCreateTermParams{SessionID: in.SessionID, Name: in.Name,
			StartDate: in.StartDate, EndDate: in.EndDate, NextTermBegins: nullString(optional(in.NextTermBegins)), IsCurrent: current})
		if err != nil {
			return termUnique.Check(err)
		}
		detail["id"] = row.ID
		if out, err = termView.Get(ctx, tx, row.ID); err != nil {
			return err
		}
		detail["after"] = out
		return audit(ctx, q, meta, "term.create", out.SessionName+" "+out.Name, detail)
	})
	return out, err
}

// UpdateTerm changes a term. The current term stops being current only by making another
// term current.
func (s Service) UpdateTerm(ctx context.Context, id int64, p TermPatch, meta auth.Meta) (Term, error) {
	var out Term
	err := write(ctx, s.T, "update term", func(q *tenantdb.Queries, tx *sql.Tx) error {
		before, err := termView.Get(ctx, tx, id)
		if err != nil {
			return found(err, "term", id)
		}
		in := TermInput{SessionID: before.SessionID, Name: before.Name, StartDate: before.StartDate, EndDate: before.EndDate,
			IsCurrent: before.IsCurrent}
		if before.NextTermBegins != nil {
			in.NextTermBegins = *before.NextTermBegins
		}
		setIf(&in.SessionID, p.SessionID)
		setIf(&in.Name, p.Name)
		setIf(&in.StartDate, p.StartDate)
		setIf(&in.EndDate, p.EndDate)
		setIf(&in.IsCurrent, p.IsCurrent)
		if p.NextTermBegins.Set {
			in.NextTermBegins = p.NextTermBegins.V
		}
		f := errs.Fields{}
		if err := checkTerm(ctx, q, f, id, &in); err != nil {
			return err
		}
		if before.IsCurrent && !in.IsCurrent {
			f.Add("is_current", "the current term stops being current when another term is made current")
		}
		if err := f.Err(); err != nil {
			return err
		}
		detail := map[string]any{"id": id, "before": before}
		if in.IsCurrent && (!before.IsCurrent || in.SessionID != before.SessionID) {
			changed, err := makeTermCurrent(ctx, q, id, in.SessionID)
			if err != nil {
				return err
			}
			detail["current"] = changed
		}
		if _, err := q.AcademicsUpdateTerm(ctx, tenantdb.AcademicsUpdateTermParams{SessionID: in.SessionID, Name: in.Name,
			StartDate: in.StartDate, EndDate: in.EndDate, NextTermBegins: nullString(optional(in.NextTermBegins)),
			IsCurrent: in.IsCurrent, ID: id}); err != nil {
			return termUnique.Check(err)
		}
		if out, err = termView.Get(ctx, tx, id); err != nil {
			return err
		}
		detail["after"] = out
		return audit(ctx, q, meta, "term.update", out.SessionName+" "+out.Name, detail)
	})
	return out, err
}

// DeleteTerm removes a term. The current term can be deleted only when it is the last one.
func (s Service) DeleteTerm(ctx context.Context, id int64, meta auth.Meta) error {
	return write(ctx, s.T, "delete term", func(q *tenantdb.Queries, tx *sql.Tx) error {
		before, err := termView.Get(ctx, tx, id)
		if err != nil {
			return found(err, "term", id)
		}
		if before.IsCurrent {
			n, err := q.AcademicsCountTerms(ctx)
			if err != nil {
				return err
			}
			if n > 1 {
				return errs.E(errs.Conflict, "%s %s is the current term; make another term current first", before.SessionName, before.Name)
			}
		}
		if _, err := q.AcademicsDeleteTerm(ctx, id); err != nil {
			return termUnique.Check(err)
		}
		return audit(ctx, q, meta, "term.delete", before.SessionName+" "+before.Name, map[string]any{"id": id, "before": before})
	})
}

// optional is nil for "", else a pointer to s.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
