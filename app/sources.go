package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/schoolsms/sms/app/chatbot"
	"github.com/schoolsms/sms/app/core/attendance"
	"github.com/schoolsms/sms/app/core/exams"
	"github.com/schoolsms/sms/app/core/notices"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
)

// Modules read each other only through the small sources they declare; this file is
// where the appliance connects them, so no module imports another's package.

// examSources gives report cards the term's attendance and the school's logo.
var examSources = exams.Sources{Attendance: termAttendanceForCards, Logo: schoolLogo}

func schoolLogo(ctx context.Context, t *db.Tenant) ([]byte, error) {
	_, data, err := school.New(t).Logo(ctx)
	if errors.Is(err, school.ErrNoLogo) {
		return nil, nil
	}
	return data, err
}

func termAttendanceForCards(ctx context.Context, t *db.Tenant, studentID, termID int64) (exams.AttendanceSummary, bool, error) {
	s, err := attendance.New(t).StudentTermSummary(ctx, studentID, termID)
	if err != nil || s.DaysMarked == 0 {
		return exams.AttendanceSummary{}, false, err
	}
	out := exams.AttendanceSummary{Days: int(s.DaysMarked), Present: int(s.Present), Absent: int(s.Absent),
		Late: int(s.Late), Excused: int(s.Excused)}
	if s.Rate != nil {
		out.Rate = *s.Rate
	}
	return out, true, nil
}

// botSources answers the WhatsApp bot's questions from the attendance, exams and
// notices modules of the school the conversation belongs to.
type botSources struct{}

// notAvailable turns "there is nothing" into the bot's word for it; other errors stay.
func notAvailable(err error) error {
	if e := errs.As(err); e != nil && e.Code == errs.NotFound {
		return chatbot.ErrNotAvailable
	}
	return err
}

func (botSources) TermAttendance(ctx context.Context, t *db.Tenant, studentID int64) (string, error) {
	s, err := attendance.New(t).StudentTermSummary(ctx, studentID, 0)
	if err != nil {
		return "", notAvailable(err)
	}
	if s.DaysMarked == 0 {
		return fmt.Sprintf("%s: no attendance has been marked yet.", s.Term.Name), nil
	}
	rate := ""
	if s.Rate != nil {
		rate = fmt.Sprintf(" (%.1f%%)", *s.Rate)
	}
	return fmt.Sprintf("%s: present %d of %d days marked%s. Absent %d, late %d, excused %d.",
		s.Term.Name, s.Present, s.DaysMarked, rate, s.Absent, s.Late, s.Excused), nil
}

func (botSources) AbsentOn(ctx context.Context, t *db.Tenant, studentID int64, date string) (bool, error) {
	status, err := attendance.New(t).StudentStatus(ctx, studentID, date)
	return status == "absent", err
}

func (botSources) LatestResults(ctx context.Context, t *db.Tenant, studentID int64) (chatbot.Results, error) {
	svc := exams.NewWith(examSources)(t)
	r, err := svc.LatestPublishedResults(ctx, studentID)
	if err != nil {
		return chatbot.Results{}, notAvailable(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %s", r.Term.Name, r.Term.Session)
	if r.MeanPercent != nil {
		fmt.Fprintf(&b, ": mean %.1f%% (%s)", *r.MeanPercent, r.MeanGrade)
	}
	if r.ClassPosition != nil {
		fmt.Fprintf(&b, ", position %d of %d in class", *r.ClassPosition, r.ClassOf)
	}
	b.WriteString(".")
	for i, sub := range r.Subjects {
		sep := ", "
		if i == 0 {
			sep = " "
		}
		fmt.Fprintf(&b, "%s%s %.0f%% (%s)", sep, sub.Name, sub.Percent, sub.Grade)
	}
	out := chatbot.Results{Summary: b.String()}
	pdf, err := svc.PublishedReportCardPDF(ctx, studentID, r.Term.ID)
	if err != nil && !errors.Is(notAvailable(err), chatbot.ErrNotAvailable) {
		return chatbot.Results{}, err
	}
	if err == nil {
		out.PDF = pdf
		out.FileName = fileName("report-card", r.Term.Name, r.Term.Session) + ".pdf"
	}
	return out, nil
}

// fileName joins words into a file name of lower-case letters, digits and hyphens.
func fileName(words ...string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.Join(words, " ")) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

func (botSources) CurrentNotices(ctx context.Context, t *db.Tenant, studentID int64) ([]chatbot.Notice, error) {
	list, err := notices.New(t).ForStudent(ctx, studentID)
	if err != nil {
		return nil, notAvailable(err)
	}
	out := make([]chatbot.Notice, 0, len(list))
	for _, n := range list {
		out = append(out, botNotice(n))
	}
	return out, nil
}

func (botSources) Notice(ctx context.Context, t *db.Tenant, id int64) (chatbot.Notice, error) {
	n, err := notices.New(t).Notice(ctx, id)
	if err != nil {
		return chatbot.Notice{}, notAvailable(err)
	}
	return botNotice(n), nil
}

func botNotice(n notices.Notice) chatbot.Notice {
	return chatbot.Notice{ID: n.ID, Title: n.Title, Body: n.Body, Date: n.PublishFrom}
}
