package clients

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/db"
)

// notCloned are the tables of a school file a clone starts without: its people and what
// they did, and the file's own bookkeeping.
var notCloned = []string{
	"users", "sessions", "api_tokens", "audit_log",
	"students", "guardians", "student_guardians", "admissions", "enrollments",
	"subject_assignments", "counters",
	// registers, alerts and notices are the year's history; the outbox the file's own
	"attendance", "attendance_alerts", "notices", "outbox",
	// derived from students: the per-status counts, the list's stored rows and the
	// stamp of what a search reads
	"student_counts", "student_list_rows", "student_search_stamp",
	"schema_migrations", "school_incarnation",
	// assessments, marks and report cards are history; grading scales and the comment
	// bank start as the defaults the migration seeds (copying would collide with them)
	"assessments", "scores", "report_workflow", "report_comments", "subject_remarks",
	"grading_scales", "grading_bands", "grading_scale_forms", "comment_bank",
	// the WhatsApp bot: a clone never takes the template's number or its secrets, nor
	// anyone's messages
	"chatbot_settings", "chatbot_conversations", "chatbot_inbound", "chatbot_media", "chatbot_outbound",
	"chatbot_statuses", "chatbot_dead_letters", "chatbot_alerts", "chatbot_broadcasts", "chatbot_broadcast_recipients",
}

// TestEveryTenantTableIsClassifiedForClone fails when a migration adds a table that is
// neither in cloneTables (school setup, copied) nor in notCloned (people and history),
// so whoever adds a table decides whether a clone takes it. Either way a new table is
// never copied by accident: only cloneTables are.
func TestEveryTenantTableIsClassifiedForClone(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cat, err := db.OpenCatalog(ctx, dir)
	require.NoError(t, err)
	defer cat.Close()
	pool, err := db.NewPool(cat, filepath.Join(dir, "tenants"), 1)
	require.NoError(t, err)
	defer pool.Close()
	svc := &Service{Catalog: cat, Pool: pool, BaseDomain: "localhost", ArchiveDir: filepath.Join(dir, "archive")}
	_, err = svc.Create(ctx, CreateInput{Schema: "fresh", Name: "Fresh"})
	require.NoError(t, err)

	var tables []string
	require.NoError(t, pool.WithTenant(ctx, "fresh", func(tn *db.Tenant) error {
		rows, err := tn.ReadDB().QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				return err
			}
			tables = append(tables, name)
		}
		return rows.Err()
	}))
	require.NotEmpty(t, tables)

	for _, tbl := range tables {
		cloned := slices.ContainsFunc(cloneTables, func(c db.CopyTable) bool { return c.Name == tbl })
		if cloned == slices.Contains(notCloned, tbl) {
			t.Errorf("table %s: add it to cloneTables in clients.go if it is school setup a clone should take, "+
				"or to notCloned in this test if it holds people or history (it must be in exactly one)", tbl)
		}
	}
	for _, c := range cloneTables {
		require.Truef(t, slices.Contains(tables, c.Name), "cloneTables names %s, which a school file does not have", c.Name)
	}
	for _, n := range notCloned {
		require.Truef(t, slices.Contains(tables, n), "notCloned names %s, which a school file does not have (%s)", n, strings.Join(tables, ", "))
	}
}
