package chatbot_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/app/chatbot"
	"github.com/schoolsms/sms/db"
)

// results and notices stand in for the modules that will own them.
type results struct{}

func (results) LatestResults(_ context.Context, _ *db.Tenant, student int64) (chatbot.Results, error) {
	return chatbot.Results{Summary: "Term 1, 2025: mean 68% (B).", PDF: []byte("%PDF-1.4 report of " + itoa(student)), FileName: "report-term-1.pdf"}, nil
}

type notices struct{}

func (notices) CurrentNotices(context.Context, *db.Tenant, int64) ([]chatbot.Notice, error) {
	return []chatbot.Notice{{ID: 1, Title: "Sports day", Body: "Friday, bring water 🏃🏽", Date: "2025-06-06"}}, nil
}

func (notices) Notice(_ context.Context, _ *db.Tenant, id int64) (chatbot.Notice, error) {
	if id != 1 {
		return chatbot.Notice{}, chatbot.ErrNotAvailable
	}
	return chatbot.Notice{ID: 1, Title: "Sports day", Body: "Friday, bring water"}, nil
}

// TestSourcesWhenAvailable: with the modules' data there, results come as a summary and
// the report card as a PDF document (uploaded, then sent by its media id), notices as
// text, and a broadcast can name a notice.
func TestSourcesWhenAvailable(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(a *app.App) {
		a.Chatbot.Results = results{}
		a.Chatbot.Notices = notices{}
	})
	a := w.addSchool("alpha", "1001")
	_, kids := w.guardian(a, "Amina", "+254711000001", "Ana")
	w.send(a, "254711000001", "wamid.r", "results")
	sent := w.replies("254711000001", 2)
	var mine []string
	for _, m := range sent {
		if m.To == "254711000001" {
			mine = append(mine, body(m))
		}
	}
	require.Len(t, mine, 2, "the summary, then the report card")
	assert.Contains(t, mine[0], "Term 1, 2025: mean 68% (B).")
	assert.Equal(t, "document:report-term-1.pdf", mine[1])
	ups := w.graph.Uploads()
	require.Len(t, ups, 1)
	assert.Equal(t, "application/pdf", ups[0].Mime)
	assert.Equal(t, "%PDF-1.4 report of "+itoa(kids[0]), string(ups[0].Data))
	assert.Equal(t, ups[0].ID, w.graph.SentTo("254711000001")[1].Message.Document.ID, "sent by the uploaded media id")

	w.send(a, "254711000001", "wamid.n", "matangazo")
	assert.Contains(t, body(w.nth("254711000001", 3)), "*Sports day* (Fri 6 Jun 2025)\nFriday, bring water 🏃🏽")

	status, b := a.admin.JSON("POST", "/api/chatbot/broadcasts/", map[string]any{"audience": "school", "notice_id": 1})
	require.Equal(t, 202, status, "%v", b)
	assert.Equal(t, "Sports day\nFriday, bring water", b["text"])
	status, b = a.admin.JSON("POST", "/api/chatbot/broadcasts/", map[string]any{"audience": "school", "notice_id": 2})
	require.Equal(t, 400, status)
	assert.Contains(t, b["error"].(map[string]any)["fields"], "notice_id")
}
