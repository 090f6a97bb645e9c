// Package notices owns a school's notices: a title and a plain-text body for an audience
// (everyone, one form or one class), shown from a first day to an optional last day, and
// pinned ones first. The first time a notice is visible (on saving, or on its first day
// by the publishing worker) it writes a notice.published event to the outbox in the
// same transaction, once per notice, so the bot can offer a broadcast.
package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/outbox"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/app/text"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// The module's actions.
const (
	Read  auth.Action = "notices.read"  // every notice, current or not
	Write auth.Action = "notices.write" // create, change, pin and remove notices
)

var policy = auth.Policy{
	Read:  {auth.RoleAdmin, auth.RoleTeacher, auth.RoleClerk, auth.RoleViewer},
	Write: {auth.RoleAdmin},
}

// Audiences a notice can have.
const (
	All   = "all"
	Form  = "form"
	Class = "class"
)

// EventPublished is the type of the event a notice causes when it first becomes
// visible; its data is PublishedData.
const EventPublished = "notice.published"

// PublishedData is the data of a notice.published event.
type PublishedData struct {
	NoticeID int64 `json:"notice_id"`
}

// Limits, in characters.
const (
	maxTitle = 200
	maxBody  = 10000
)

// Service is the notices of one school's file.
type Service struct {
	T *db.Tenant
}

// New returns the service over a school's open file.
func New(t *db.Tenant) Service { return Service{T: t} }

// Notice is a notice as the API shows it. Current says whether it is shown today.
type Notice struct {
	ID           int64   `json:"id"`
	Title        string  `json:"title"`
	Body         string  `json:"body"`
	Audience     string  `json:"audience"`
	FormID       *int64  `json:"form"`
	FormName     *string `json:"form_name"`
	ClassID      *int64  `json:"class"`
	ClassName    *string `json:"class_name"`
	PublishFrom  string  `json:"publish_from"`
	PublishUntil *string `json:"publish_until"`
	Pinned       bool    `json:"pinned"`
	PublishedAt  *string `json:"published_at"`
	Current      bool    `json:"current"`
	CreatedBy    *int64  `json:"created_by"`
	CreatedAt    string  `json:"created_at"`
	UpdatedAt    string  `json:"updated_at"`
}

// NoticeInput creates a notice. PublishFrom defaults to the school's today; the
// audience's form or class is required for those audiences and refused for others.
type NoticeInput struct {
	Title        string  `json:"title"`
	Body         string  `json:"body"`
	Audience     string  `json:"audience"`
	FormID       *int64  `json:"form"`
	ClassID      *int64  `json:"class"`
	PublishFrom  string  `json:"publish_from"`
	PublishUntil *string `json:"publish_until"`
	Pinned       bool    `json:"pinned"`
}

// NoticePatch changes a notice; fields not sent stay as they are (null clears
// publish_until, form and class).
type NoticePatch struct {
	Title        *string              `json:"title"`
	Body         *string              `json:"body"`
	Audience     *string              `json:"audience"`
	FormID       api.Nullable[int64]  `json:"form"`
	ClassID      api.Nullable[int64]  `json:"class"`
	PublishFrom  *string              `json:"publish_from"`
	PublishUntil api.Nullable[string] `json:"publish_until"`
	Pinned       *bool                `json:"pinned"`
}

// Filter narrows a list of notices; zero values do not filter.
type Filter struct {
	Search   string // in the title and body
	Audience string
	// Current keeps the notices shown today (true) or the others (false).
	Current *bool
	Pinned  *bool
	// ForStudent keeps the current notices a student's guardians would see: those for
	// everyone, the student's form and the student's class.
	ForStudent int64
	Order      query.Order
}

// Ordering is what a notice list can be ordered by; pinned first, newest first unless
// asked otherwise.
var Ordering = query.NewOrdering(map[string]string{
	"pinned": "n.pinned", "publish_from": "n.publish_from", "title": "n.title COLLATE NOCASE", "id": "n.id",
	"created_at": "n.created_at"}, "-pinned,-publish_from,-id")

// today is read once per call: view needs it to say whether a notice is current.
func view(today string) query.View[Notice] {
	return query.View[Notice]{
		Cols: `n.id, n.title, n.body, n.audience, n.form_id, f.name, n.class_id, c.name, n.publish_from, n.publish_until,
			n.pinned, n.published_at, n.created_by, n.created_at, n.updated_at`,
		From: "notices n LEFT JOIN forms f ON f.id = n.form_id LEFT JOIN classes c ON c.id = n.class_id",
		ID:   "n.id",
		Scan: func(r query.Scanner) (Notice, error) {
			var n Notice
			var form, class, by sql.NullInt64
			var formName, className, until, published sql.NullString
			err := r.Scan(&n.ID, &n.Title, &n.Body, &n.Audience, &form, &formName, &class, &className, &n.PublishFrom, &until,
				&n.Pinned, &published, &by, &n.CreatedAt, &n.UpdatedAt)
			n.FormID, n.ClassID, n.CreatedBy = nullInt(form), nullInt(class), nullInt(by)
			n.FormName, n.ClassName, n.PublishUntil, n.PublishedAt = nullString(formName), nullString(className), nullString(until), nullString(published)
			n.Current = n.PublishFrom <= today && (n.PublishUntil == nil || *n.PublishUntil >= today)
			return n, err
		},
	}
}

func nullInt(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}

func nullString(v sql.NullString) *string {
	if !v.Valid {
		return nil
	}
	return &v.String
}

func (s Service) today(ctx context.Context) (string, error) {
	d, err := school.TodayIn(ctx, s.T.Read())
	return d, errs.Wrap(err, "today")
}

// List returns a page of notices.
func (s Service) List(ctx context.Context, f Filter, p query.Page) ([]Notice, int64, error) {
	today, err := s.today(ctx)
	if err != nil {
		return nil, 0, err
	}
	var w query.Where
	w.Search(f.Search, "n.title", "n.body")
	if f.Audience != "" {
		if !validAudience(f.Audience) {
			return nil, 0, errs.Field("audience", "must be all, form or class")
		}
		w.Add("n.audience = ?", f.Audience)
	}
	if f.Pinned != nil {
		w.Add("n.pinned = ?", *f.Pinned)
	}
	current := "n.publish_from <= ? AND (n.publish_until IS NULL OR n.publish_until >= ?)"
	if f.Current != nil {
		if *f.Current {
			w.Add(current, today, today)
		} else {
			w.Add("NOT ("+current+")", today, today)
		}
	}
	if f.ForStudent != 0 {
		forms, classes, err := s.place(ctx, f.ForStudent)
		if err != nil {
			return nil, 0, err
		}
		w.Add(current, today, today)
		w.Add("(n.audience = 'all' OR n.audience = 'form' AND n.form_id IN (SELECT value FROM json_each(?)) "+
			"OR n.audience = 'class' AND n.class_id IN (SELECT value FROM json_each(?)))", ids(forms), ids(classes))
	}
	return view(today).List(ctx, s.T, w, f.Order.Or(Ordering.Default()), p)
}

// ids writes ids as a JSON array for json_each.
func ids(v []int64) string {
	b := []byte{'['}
	for i, id := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Append(b, id)
	}
	return string(append(b, ']'))
}

// place is the forms and classes a student is actively enrolled in; not found for an
// unknown student.
func (s Service) place(ctx context.Context, student int64) (forms, classes []int64, err error) {
	q := s.T.Read()
	var exists bool
	if err := s.T.ReadDB().QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM students WHERE id = ?)", student).Scan(&exists); err != nil {
		return nil, nil, errs.Wrap(err, "student")
	}
	if !exists {
		return nil, nil, errs.E(errs.NotFound, "no student with id %d", student)
	}
	rows, err := q.NoticesStudentPlace(ctx, student)
	if err != nil {
		return nil, nil, errs.Wrap(err, "student's classes")
	}
	for _, r := range rows {
		forms = append(forms, r.FormID)
		classes = append(classes, r.ClassID)
	}
	return forms, classes, nil
}

// ForStudent returns the notices a student's guardians would see today: current ones
// for everyone, the student's form or the student's class, pinned first, newest first.
func (s Service) ForStudent(ctx context.Context, studentID int64) ([]Notice, error) {
	out, _, err := s.List(ctx, Filter{ForStudent: studentID}, query.Page{Size: maxListed})
	return out, err
}

// CurrentNotices returns up to n notices shown today, pinned first (the dashboard).
func (s Service) CurrentNotices(ctx context.Context, n int) ([]Notice, int64, error) {
	yes := true
	return s.List(ctx, Filter{Current: &yes}, query.Page{Size: n})
}

// maxListed bounds the notices ForStudent returns.
const maxListed = 50

// Notice returns one notice.
func (s Service) Notice(ctx context.Context, id int64) (Notice, error) {
	today, err := s.today(ctx)
	if err != nil {
		return Notice{}, err
	}
	return get(ctx, s.T.ReadDB(), today, id)
}

func get(ctx context.Context, d query.Queryer, today string, id int64) (Notice, error) {
	n, err := view(today).Get(ctx, d, id)
	if errors.Is(err, sql.ErrNoRows) {
		return n, errs.E(errs.NotFound, "no notice with id %d", id)
	}
	return n, errs.Wrap(err, "get notice")
}

func validAudience(a string) bool { return a == All || a == Form || a == Class }

// check validates a notice's fields, cleaning its text, and checks its form or class.
func check(ctx context.Context, q *tenantdb.Queries, in *NoticeInput) error {
	f := errs.Fields{}
	var msg string
	if in.Title, msg = text.Line(in.Title, maxTitle); msg != "" {
		f.Add("title", msg)
	} else if in.Title == "" {
		f.Add("title", "is required")
	}
	if in.Body, msg = text.Multiline(in.Body, maxBody); msg != "" {
		f.Add("body", msg)
	} else if in.Body == "" {
		f.Add("body", "is required")
	}
	from, fromErr := parseDate("publish_from", in.PublishFrom)
	if fromErr != nil {
		f.Add("publish_from", errs.As(fromErr).Fields["publish_from"])
	}
	if in.PublishUntil != nil {
		until, err := parseDate("publish_until", *in.PublishUntil)
		switch {
		case err != nil:
			f.Add("publish_until", errs.As(err).Fields["publish_until"])
		case fromErr == nil && until.Before(from):
			f.Add("publish_until", fmt.Sprintf("must not be before publish_from (%s)", in.PublishFrom))
		}
	}
	switch in.Audience {
	case All:
		if in.FormID != nil {
			f.Add("form", "must be empty for a notice to everyone")
		}
		if in.ClassID != nil {
			f.Add("class", "must be empty for a notice to everyone")
		}
	case Form:
		if in.FormID == nil {
			f.Add("form", "is required for a notice to a form")
		} else if ok, err := q.NoticesFormExists(ctx, *in.FormID); err != nil {
			return errs.Wrap(err, "form")
		} else if !ok {
			f.Add("form", fmt.Sprintf("no form with id %d", *in.FormID))
		}
		if in.ClassID != nil {
			f.Add("class", "must be empty for a notice to a form")
		}
	case Class:
		if in.ClassID == nil {
			f.Add("class", "is required for a notice to a class")
		} else if ok, err := q.NoticesClassExists(ctx, *in.ClassID); err != nil {
			return errs.Wrap(err, "class")
		} else if !ok {
			f.Add("class", fmt.Sprintf("no class with id %d", *in.ClassID))
		}
		if in.FormID != nil {
			f.Add("form", "must be empty for a notice to a class")
		}
	case "":
		f.Add("audience", "is required: all, form or class")
	default:
		f.Add("audience", "must be all, form or class")
	}
	return f.Err()
}

// parseDate reads a calendar date written YYYY-MM-DD, naming field in the error.
func parseDate(field, v string) (time.Time, error) {
	d, err := time.Parse(school.DateLayout, v)
	if err != nil || d.Format(school.DateLayout) != v {
		if v == "" {
			return time.Time{}, errs.Field(field, "is required: a date written YYYY-MM-DD")
		}
		if r := []rune(v); len(r) > 40 {
			v = string(r[:40]) + "…"
		}
		return time.Time{}, errs.Field(field, fmt.Sprintf("%q is not a date written YYYY-MM-DD", v))
	}
	return d, nil
}

func target(n Notice) string { return fmt.Sprintf("notice:%d %s", n.ID, n.Title) }

func audit(ctx context.Context, q *tenantdb.Queries, meta auth.Meta, action string, n Notice, detail map[string]any) error {
	return errs.Wrap(auth.InsertSchoolAudit(ctx, q, meta.Entry(action, target(n), detail)), "audit")
}

func nullID(v *int64) sql.NullInt64 {
	if v == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: *v, Valid: true}
}

func nullText(v *string) sql.NullString {
	if v == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: *v, Valid: true}
}

// publishIfDue marks a notice published and writes its event when it is visible today
// and was not published before.
func publishIfDue(ctx context.Context, q *tenantdb.Queries, out *outbox.Writer, n tenantdb.Notice, today string) (bool, error) {
	if n.PublishedAt.Valid || n.PublishFrom > today || n.PublishUntil.Valid && n.PublishUntil.String < today {
		return false, nil
	}
	at := school.ClockOf(ctx)().UTC().Format("2006-01-02T15:04:05.000Z")
	done, err := q.NoticesMarkPublished(ctx, tenantdb.NoticesMarkPublishedParams{PublishedAt: nullText(&at), ID: n.ID})
	if err != nil || done == 0 {
		return false, err
	}
	_, err = out.Add(ctx, EventPublished, PublishedData{NoticeID: n.ID})
	return err == nil, err
}

// Create adds a notice; one visible today is published at once.
func (s Service) Create(ctx context.Context, in NoticeInput, meta auth.Meta) (Notice, error) {
	var out Notice
	err := outbox.Tx(ctx, s.T, func(q *tenantdb.Queries, tx *sql.Tx, ob *outbox.Writer) error {
		today, err := school.TodayIn(ctx, q)
		if err != nil {
			return err
		}
		if in.PublishFrom == "" {
			in.PublishFrom = today
		}
		if err := check(ctx, q, &in); err != nil {
			return err
		}
		row, err := q.NoticesCreate(ctx, tenantdb.NoticesCreateParams{Title: in.Title, Body: in.Body, Audience: in.Audience,
			FormID: nullID(in.FormID), ClassID: nullID(in.ClassID), PublishFrom: in.PublishFrom,
			PublishUntil: nullText(in.PublishUntil), Pinned: in.Pinned, CreatedBy: nullID(meta.ActorID)})
		if err != nil {
			return err
		}
		if _, err := publishIfDue(ctx, q, ob, row, today); err != nil {
			return err
		}
		if out, err = get(ctx, tx, today, row.ID); err != nil {
			return err
		}
		return audit(ctx, q, meta, "notice.create", out, map[string]any{"id": out.ID, "after": out})
	})
	return out, errs.Wrap(err, "create notice")
}

// Update changes a notice. A notice not yet published is published once it is visible
// today; one published before is not announced again.
func (s Service) Update(ctx context.Context, id int64, p NoticePatch, meta auth.Meta) (Notice, error) {
	var out Notice
	err := outbox.Tx(ctx, s.T, func(q *tenantdb.Queries, tx *sql.Tx, ob *outbox.Writer) error {
		today, err := school.TodayIn(ctx, q)
		if err != nil {
			return err
		}
		before, err := get(ctx, tx, today, id)
		if err != nil {
			return err
		}
		in := NoticeInput{Title: before.Title, Body: before.Body, Audience: before.Audience, FormID: before.FormID,
			ClassID: before.ClassID, PublishFrom: before.PublishFrom, PublishUntil: before.PublishUntil, Pinned: before.Pinned}
		if p.Title != nil {
			in.Title = *p.Title
		}
		if p.Body != nil {
			in.Body = *p.Body
		}
		if p.Audience != nil {
			in.Audience = *p.Audience
			// a new audience drops the other audience's form or class unless sent
			if in.Audience != Form && !p.FormID.Set {
				in.FormID = nil
			}
			if in.Audience != Class && !p.ClassID.Set {
				in.ClassID = nil
			}
		}
		if p.FormID.Set {
			in.FormID = p.FormID.Ptr()
		}
		if p.ClassID.Set {
			in.ClassID = p.ClassID.Ptr()
		}
		if p.PublishFrom != nil {
			in.PublishFrom = *p.PublishFrom
		}
		if p.PublishUntil.Set {
			in.PublishUntil = p.PublishUntil.Ptr()
		}
		if p.Pinned != nil {
			in.Pinned = *p.Pinned
		}
		if err := check(ctx, q, &in); err != nil {
			return err
		}
		row, err := q.NoticesUpdate(ctx, tenantdb.NoticesUpdateParams{Title: in.Title, Body: in.Body, Audience: in.Audience,
			FormID: nullID(in.FormID), ClassID: nullID(in.ClassID), PublishFrom: in.PublishFrom,
			PublishUntil: nullText(in.PublishUntil), Pinned: in.Pinned, PublishedAt: nullText(before.PublishedAt), ID: id})
		if err != nil {
			return err
		}
		if _, err := publishIfDue(ctx, q, ob, row, today); err != nil {
			return err
		}
		if out, err = get(ctx, tx, today, id); err != nil {
			return err
		}
		return audit(ctx, q, meta, "notice.update", out, map[string]any{"id": id, "before": before, "after": out})
	})
	return out, errs.Wrap(err, "update notice")
}

// Delete removes a notice.
func (s Service) Delete(ctx context.Context, id int64, meta auth.Meta) error {
	err := s.T.Tx(ctx, func(q *tenantdb.Queries, tx *sql.Tx) error {
		today, err := school.TodayIn(ctx, q)
		if err != nil {
			return err
		}
		before, err := get(ctx, tx, today, id)
		if err != nil {
			return err
		}
		if _, err := q.NoticesDelete(ctx, id); err != nil {
			return err
		}
		return audit(ctx, q, meta, "notice.delete", before, map[string]any{"id": id, "before": before})
	})
	return errs.Wrap(err, "delete notice")
}

// NextDue is the first day (YYYY-MM-DD) of the earliest notice PublishDue will publish
// on a later day, "" if none is waiting.
func (s Service) NextDue(ctx context.Context) (string, error) {
	today, err := s.today(ctx)
	if err != nil {
		return "", err
	}
	next, err := s.T.Read().NoticesNextDue(ctx, today)
	return next, errs.Wrap(err, "next due notice")
}

// PublishDue publishes the notices whose first day has come since they were saved, and
// returns how many.
func (s Service) PublishDue(ctx context.Context) (int, error) {
	today, err := s.today(ctx)
	if err != nil {
		return 0, err
	}
	due, err := s.T.Read().NoticesDue(ctx, today)
	if err != nil || len(due) == 0 {
		return 0, errs.Wrap(err, "due notices")
	}
	n := 0
	err = outbox.Tx(ctx, s.T, func(q *tenantdb.Queries, _ *sql.Tx, ob *outbox.Writer) error {
		n = 0
		for _, row := range due {
			done, err := publishIfDue(ctx, q, ob, row, today)
			if err != nil {
				return err
			}
			if done {
				n++
			}
		}
		return nil
	})
	return n, errs.Wrap(err, "publish notices")
}
