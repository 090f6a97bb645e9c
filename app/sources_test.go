package app

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/chatbot"
	"github.com/schoolsms/sms/app/core/demo"
	"github.com/schoolsms/sms/db"
)

// TestBotSourcesReadTheSchoolsModules: the bot's answers come from the attendance,
// exams and notices of the child's own school, and a school without them says so.
func TestBotSourcesReadTheSchoolsModules(t *testing.T) {
	ctx := context.Background()
	a := openTestApp(t, testConfig(t, t.TempDir(), 4))
	createSchool(t, a, "alpha", "Alpha School")
	createSchool(t, a, "beta", "Beta School")
	require.NoError(t, a.Pool.WithTenant(ctx, "alpha", func(tn *db.Tenant) error {
		_, err := demo.Seed(ctx, tn, demo.Options{StudentsPerForm: 4, EmailDomain: "alpha.school"}, auth.Meta{})
		return err
	}))
	var src botSources
	var form4, first int64
	require.NoError(t, a.Pool.WithTenant(ctx, "alpha", func(tn *db.Tenant) error {
		// a student of the top form, whose cards the demo publishes
		if err := tn.ReadDB().QueryRowContext(ctx, `SELECT e.student_id FROM enrollments e JOIN classes c ON c.id = e.class_id
			JOIN forms f ON f.id = c.form_id ORDER BY f.level DESC, e.student_id LIMIT 1`).Scan(&form4); err != nil {
			return err
		}
		return tn.ReadDB().QueryRowContext(ctx, `SELECT min(id) FROM students`).Scan(&first)
	}))

	require.NoError(t, a.Pool.WithTenant(ctx, "alpha", func(tn *db.Tenant) error {
		text, err := src.TermAttendance(ctx, tn, form4)
		require.NoError(t, err)
		assert.Regexp(t, `^Term \d: present \d+ of \d+ days marked \(\d+\.\d%\)\. Absent \d+, late \d+, excused \d+\.$`, text)

		r, err := src.LatestResults(ctx, tn, form4)
		require.NoError(t, err)
		assert.Regexp(t, `^Term \d, .+: mean \d+\.\d% \([A-E][+-]?\), position \d+ of \d+ in class\. `, r.Summary)
		assert.Equal(t, "%PDF", string(r.PDF[:4]))
		assert.Regexp(t, `^report-card-term-\d-[a-z0-9-]+\.pdf$`, r.FileName)

		list, err := src.CurrentNotices(ctx, tn, first)
		require.NoError(t, err)
		require.NotEmpty(t, list)
		n, err := src.Notice(ctx, tn, list[0].ID)
		require.NoError(t, err)
		assert.Equal(t, list[0], n)
		return nil
	}))

	// The same ids in a school with nothing recorded: nothing of alpha's comes back.
	require.NoError(t, a.Pool.WithTenant(ctx, "beta", func(tn *db.Tenant) error {
		_, err := src.TermAttendance(ctx, tn, form4)
		assert.ErrorIs(t, err, chatbot.ErrNotAvailable)
		_, err = src.LatestResults(ctx, tn, form4)
		assert.ErrorIs(t, err, chatbot.ErrNotAvailable)
		list, err := src.CurrentNotices(ctx, tn, first)
		if err == nil {
			assert.Empty(t, list)
		} else {
			assert.ErrorIs(t, err, chatbot.ErrNotAvailable)
		}
		_, err = src.Notice(ctx, tn, 1)
		assert.ErrorIs(t, err, chatbot.ErrNotAvailable)
		absent, err := src.AbsentOn(ctx, tn, form4, "2025-01-06")
		assert.False(t, absent)
		return nil
	}))
}
