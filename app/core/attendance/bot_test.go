package attendance_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/core/attendance"
	schooltime "github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
)

// TestChatbotQuestions: the plain service methods the chatbot calls answer a student's
// mark on a date (so an alert is skipped for a student marked present again) and their
// term summary, and refuse unknown students and bad dates; another school's file has
// its own students.
func TestChatbotQuestions(t *testing.T) {
	w := newWorld(t, "alpha", "beta")
	sc := w.school("alpha")
	w.school("beta")
	st := sc.students[sc.c1A]
	teacher := w.as("alpha", "teacher")
	url := path("/api/core/classes/%d/attendance/%s/", sc.c1A, today)
	status, out := teacher.JSON("PUT", url, marks(st, map[int64]string{st[0]: "absent", st[1]: "late"}))
	require.Equal(t, 200, status, "%v", out)
	status, out = teacher.JSON("PUT", path("/api/core/classes/%d/attendance/2026-03-03/", sc.c1A), marks(st, map[int64]string{st[0]: "absent"}))
	require.Equal(t, 200, status, "%v", out)

	ctx := schooltime.WithClock(context.Background(), func() time.Time { return now })
	ask := func(schema string, fn func(s attendance.Service)) {
		w.s.WithSchool(schema, func(t *db.Tenant) error { fn(attendance.New(t)); return nil })
	}
	ask("alpha", func(s attendance.Service) {
		got, err := s.StudentStatus(ctx, st[0], today)
		require.NoError(t, err)
		assert.Equal(t, attendance.Absent, got)
		got, err = s.StudentStatus(ctx, st[2], today)
		require.NoError(t, err)
		assert.Equal(t, attendance.Present, got)
		got, err = s.StudentStatus(ctx, st[0], "2026-03-02")
		require.NoError(t, err)
		assert.Equal(t, "", got, "unmarked")
		_, err = s.StudentStatus(ctx, 99999, today)
		assert.Equal(t, errs.NotFound, errs.CodeOf(err))
		_, err = s.StudentStatus(ctx, st[0], "2026-02-30")
		assert.Contains(t, errs.As(err).Fields, "date")

		sum, err := s.StudentTermSummary(ctx, st[0], 0)
		require.NoError(t, err)
		assert.Equal(t, "Term 1", sum.Term.Name, "0 is the current term")
		assert.EqualValues(t, 2, sum.DaysMarked)
		assert.EqualValues(t, 2, sum.Absent)
		require.NotNil(t, sum.Rate)
		assert.Equal(t, 0.0, *sum.Rate)
		sum, err = s.StudentTermSummary(ctx, st[1], sc.term1)
		require.NoError(t, err)
		assert.EqualValues(t, 1, sum.Late)
		assert.EqualValues(t, 1, sum.Present)
		assert.Equal(t, 100.0, *sum.Rate, "late counts as there")
	})
	// the student marked present again: the bot finds them present and skips the alert
	status, _ = teacher.JSON("PUT", url, marks(st, nil))
	require.Equal(t, 200, status)
	ask("alpha", func(s attendance.Service) {
		got, err := s.StudentStatus(ctx, st[0], today)
		require.NoError(t, err)
		assert.Equal(t, attendance.Present, got)
	})
	ask("beta", func(s attendance.Service) {
		got, err := s.StudentStatus(ctx, st[0], today)
		if err == nil {
			assert.Equal(t, "", got, "beta's student of that id has no mark of alpha's")
		} else {
			assert.Equal(t, errs.NotFound, errs.CodeOf(err))
		}
	})
}
