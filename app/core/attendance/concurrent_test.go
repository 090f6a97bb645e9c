package attendance_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/attendance"
	schooltime "github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/db"
)

// TestRegisterConcurrentSaves: saves of one register racing one another each leave the
// register wholly as they sent it, and the audit log tells every mark's story without a
// gap: each change starts from the mark the change before it left. A save checked
// against marks another save changed before it got the writer is checked again.
func TestRegisterConcurrentSaves(t *testing.T) {
	w := newWorld(t, "alpha")
	sc := w.school("alpha")
	st := sc.students[sc.c1A]
	ctx := schooltime.WithClock(context.Background(), func() time.Time { return now })
	var ins [2]attendance.RegisterInput
	for _, s := range st {
		ins[0].Entries = append(ins[0].Entries, attendance.EntryInput{Student: s, Status: attendance.Present})
		ins[1].Entries = append(ins[1].Entries, attendance.EntryInput{Student: s, Status: attendance.Absent, Note: "away"})
	}
	const savers, saves = 4, 15
	var failed []string
	var mu sync.Mutex
	w.s.WithSchool("alpha", func(tn *db.Tenant) error {
		svc := attendance.New(tn)
		var wg sync.WaitGroup
		for g := range savers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range saves {
					k := (g + i) % 2
					// a copy each: a save tidies its input's statuses and notes in place
					in := attendance.RegisterInput{Entries: append([]attendance.EntryInput(nil), ins[k].Entries...)}
					reg, err := svc.SaveRegister(ctx, attendance.Viewer{}, sc.c1A, today, in, auth.Meta{})
					mu.Lock()
					switch {
					case err != nil:
						failed = append(failed, err.Error())
					default:
						for _, e := range reg.Entries {
							if e.Status == nil || *e.Status != ins[k].Entries[0].Status {
								failed = append(failed, "an answer mixes two registers")
							}
						}
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return nil
	})
	require.Empty(t, failed)

	// every mark's changes, oldest first, start where the one before ended
	last := map[int64]*string{}
	w.s.WithSchool("alpha", func(tn *db.Tenant) error {
		rows, err := tn.ReadDB().QueryContext(context.Background(), "SELECT detail FROM audit_log WHERE action = 'attendance.save' ORDER BY id")
		require.NoError(t, err)
		defer rows.Close()
		for rows.Next() {
			var detail string
			require.NoError(t, rows.Scan(&detail))
			var d struct {
				Changes []struct {
					Student int64   `json:"student"`
					Before  *string `json:"before"`
					After   string  `json:"after"`
				} `json:"changes"`
			}
			require.NoError(t, json.Unmarshal([]byte(detail), &d))
			for _, c := range d.Changes {
				assert.Equal(t, last[c.Student], c.Before, "student %d: a change starts from the mark before it", c.Student)
				after := c.After
				last[c.Student] = &after
			}
		}
		return rows.Err()
	})
	// and the register is the last of them, wholly one of the two sent
	status, reg := w.as("alpha", "admin").JSON("GET", path("/api/core/classes/%d/attendance/%s/", sc.c1A, today), nil)
	require.Equal(t, 200, status)
	seen := map[string]bool{}
	for _, e := range list(reg["entries"]) {
		seen[e["status"].(string)] = true
		assert.Equal(t, *last[num(e["student"])], e["status"])
	}
	assert.Len(t, seen, 1, "the register is one save's, not a mix")
}
