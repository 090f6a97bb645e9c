package chatbot

import (
	"context"
	"errors"

	"github.com/schoolsms/sms/db"
)

// The bot reads attendance, results and notices through these interfaces, which the
// modules owning that data implement. Each method gets the school's open file and a
// student id the bot has already checked belongs to the asking guardian; it returns
// text fit to send to a parent, or ErrNotAvailable when it has nothing (yet).

// ErrNotAvailable means a source has nothing to tell about this (the module that owns
// the data is not there yet, or has nothing published).
var ErrNotAvailable = errors.New("not available yet")

// AttendanceSource answers about a child's attendance.
type AttendanceSource interface {
	// TermAttendance is the child's attendance in the current term, in a parent's
	// words (e.g. "Present 41 of 43 days. Absent: Mon 2 June, Thu 5 June.").
	TermAttendance(ctx context.Context, t *db.Tenant, studentID int64) (string, error)
	// AbsentOn reports whether the child is marked absent on date (YYYY-MM-DD) now; the
	// bot asks just before an absence alert goes out, so a child marked present again
	// gets none.
	AbsentOn(ctx context.Context, t *db.Tenant, studentID int64, date string) (bool, error)
}

// Results is a child's latest published results.
type Results struct {
	Summary  string // e.g. "Term 2, 2025: mean 68% (B), position 7 of 41. Maths 72, English 65, ..."
	PDF      []byte // the report card, if there is one
	FileName string // e.g. "report-card-term-2-2025.pdf"
}

// ResultsSource answers about a child's published results.
type ResultsSource interface {
	LatestResults(ctx context.Context, t *db.Tenant, studentID int64) (Results, error)
}

// Notice is a school notice.
type Notice struct {
	ID    int64
	Title string
	Body  string
	Date  string // YYYY-MM-DD
}

// NoticesSource answers about the school's current notices.
type NoticesSource interface {
	// CurrentNotices are the notices a child's guardians should see now (school-wide
	// and for the child's class or form), newest first.
	CurrentNotices(ctx context.Context, t *db.Tenant, studentID int64) ([]Notice, error)
	// Notice is one notice by id, for a broadcast of it.
	Notice(ctx context.Context, t *db.Tenant, id int64) (Notice, error)
}

// NotAvailable stands in for the sources until their modules provide them: it reads
// nothing and says so. AbsentOn trusts the absence event (it has no newer word).
type NotAvailable struct{}

func (NotAvailable) TermAttendance(context.Context, *db.Tenant, int64) (string, error) {
	return "", ErrNotAvailable
}

func (NotAvailable) AbsentOn(context.Context, *db.Tenant, int64, string) (bool, error) {
	return true, nil
}

func (NotAvailable) LatestResults(context.Context, *db.Tenant, int64) (Results, error) {
	return Results{}, ErrNotAvailable
}

func (NotAvailable) CurrentNotices(context.Context, *db.Tenant, int64) ([]Notice, error) {
	return nil, ErrNotAvailable
}

func (NotAvailable) Notice(context.Context, *db.Tenant, int64) (Notice, error) {
	return Notice{}, ErrNotAvailable
}
