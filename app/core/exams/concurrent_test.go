package exams_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/exams"
	"github.com/schoolsms/sms/db"
)

// TestMarkSheetConcurrentSaves: saves of one sheet racing one another each leave the
// sheet wholly as they sent it, and the audit log tells every mark's story without a
// gap: each change starts from the mark the change before it left. A save checked
// against marks another save changed before it got the writer is checked again.
func TestMarkSheetConcurrentSaves(t *testing.T) {
	w := newSchool(t)
	st := w.students(w.east, "Amina Otieno", "Brian Kamau", "Cynthia Wanjiru")
	a := w.assessment(w.east, w.eng, "CAT 1", 50, 30)
	sheets := [2][]exams.SheetEntry{}
	sent := [2]map[int64]exams.Mark{{}, {}}
	for i, s := range st {
		sheets[0] = append(sheets[0], exams.SheetEntry{StudentID: s, Score: exams.Score(float64(10 + i))})
		sheets[1] = append(sheets[1], exams.SheetEntry{StudentID: s, Score: exams.Absent})
		sent[0][s], sent[1][s] = exams.Score(float64(10+i)), exams.Absent
	}
	const savers, saves = 4, 15
	var failed []string
	var mu sync.Mutex
	w.do(func(ctx context.Context, tn *db.Tenant) error {
		svc := exams.New(tn)
		var wg sync.WaitGroup
		for g := range savers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range saves {
					k := (g + i) % 2
					out, err := svc.SaveMarkSheet(ctx, exams.Viewer{}, a.ID, sheets[k], auth.Meta{})
					mu.Lock()
					if err != nil {
						failed = append(failed, err.Error())
					}
					for _, r := range out.Rows {
						if r.Score != sent[k][r.StudentID] {
							failed = append(failed, "an answer mixes two sheets")
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
	last := map[int64]string{}
	w.do(func(ctx context.Context, tn *db.Tenant) error {
		rows, err := tn.ReadDB().QueryContext(ctx, "SELECT detail FROM audit_log WHERE action = 'marks.save' ORDER BY id")
		require.NoError(t, err)
		defer rows.Close()
		for rows.Next() {
			var detail string
			require.NoError(t, rows.Scan(&detail))
			var d struct {
				Changes []struct {
					Student int64           `json:"student"`
					Before  json.RawMessage `json:"before"`
					After   json.RawMessage `json:"after"`
				} `json:"changes"`
			}
			require.NoError(t, json.Unmarshal([]byte(detail), &d))
			for _, c := range d.Changes {
				want := last[c.Student]
				if want == "" {
					want = "null"
				}
				assert.Equal(t, want, string(c.Before), "student %d: a change starts from the mark before it", c.Student)
				last[c.Student] = string(c.After)
			}
		}
		return rows.Err()
	})
	// and the sheet is the last of them, wholly one of the two sent
	var sheet exams.MarkSheet
	w.svc(func(ctx context.Context, s exams.Service) (err error) {
		sheet, err = s.MarkSheet(ctx, exams.Viewer{}, a.ID)
		return err
	})
	absent := 0
	for _, r := range sheet.Rows {
		b, _ := json.Marshal(r.Score)
		assert.Equal(t, last[r.StudentID], string(b))
		if r.Score == exams.Absent {
			absent++
		}
	}
	assert.Contains(t, []int{0, len(st)}, absent, "the sheet is one save's, not a mix")
}
