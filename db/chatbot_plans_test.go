package db

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The bot's tables of messages, deliveries and alerts hold every one a school ever had,
// so a query that reads one of them whole gets slower with every message the school's
// bot handles. Every query of queries/tenant/chatbot.sql reads them through an index.
// Not counted as reading a table whole: all of a partial index (the unsettled messages,
// say: it holds only what is still to do); a page (LIMIT) read in the order it is shown,
// which stops after the page; and an INSERT's scans, which keep count of deferred
// foreign key violations and run only while one is pending.
func TestChatbotQueriesReadGrowingTablesByIndex(t *testing.T) {
	growing := map[string]bool{"chatbot_inbound": true, "chatbot_outbound": true, "chatbot_statuses": true,
		"chatbot_alerts": true, "chatbot_broadcast_recipients": true, "chatbot_dead_letters": true}
	_, tn, _ := acquireAlpha(t)
	ctx := context.Background()
	r := tn.ReadDB()

	partial := map[string]bool{}
	rows, err := r.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'index' AND sql LIKE '% WHERE %'`)
	require.NoError(t, err)
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		partial[name] = true
	}
	require.NoError(t, rows.Err())
	rows.Close()
	require.True(t, partial["chatbot_outbound_unsettled"], "the partial indexes are found")

	src, err := os.ReadFile("../queries/tenant/chatbot.sql")
	require.NoError(t, err)
	named := regexp.MustCompile(`(?m)^-- name: (\w+) :\w+\s*$`)
	sqlcArg := regexp.MustCompile(`sqlc\.(n?arg|slice)\([^)]*\)`)
	// Queries run for every message, or by every sweep, and the index each must use:
	// one holding only the unsettled messages, not all of a conversation's.
	uses := map[string]string{"ChatbotOutboundOpenOfConversation": "chatbot_outbound_conversation_pending",
		"ChatbotOutboundOpen": "chatbot_outbound_unsettled", "ChatbotOutboundInterrupted": "chatbot_outbound_unsettled",
		"ChatbotOutboundCountOpen": "chatbot_outbound_unsettled"}
	// Counted in full on the staff page; dead letters are failures, and few.
	allowed := map[string]bool{"ChatbotDeadLettersCount": true}
	scan := regexp.MustCompile(`^SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?`)
	locs := named.FindAllStringSubmatchIndex(string(src), -1)
	require.NotEmpty(t, locs)
	for i, loc := range locs {
		name := string(src[loc[2]:loc[3]])
		end := len(src)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		query := strings.TrimSpace(sqlcArg.ReplaceAllString(string(src[loc[1]:end]), "?"))
		if allowed[name] || strings.HasPrefix(strings.ToUpper(query), "INSERT") {
			continue
		}
		paged := regexp.MustCompile(`(?i)\bLIMIT\b`).MatchString(query)
		args := make([]any, strings.Count(query, "?")) // all NULL: a plan does not depend on them
		plan, err := r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
		require.NoError(t, err, name)
		var scans, details []string
		sorted := false
		for plan.Next() {
			var id, parent, unused int
			var detail string
			require.NoError(t, plan.Scan(&id, &parent, &unused, &detail))
			if m := scan.FindStringSubmatch(detail); m != nil && growing[m[1]] && !partial[m[2]] {
				scans = append(scans, detail)
			}
			sorted = sorted || strings.HasPrefix(detail, "USE TEMP B-TREE")
			details = append(details, detail)
		}
		require.NoError(t, plan.Err())
		plan.Close()
		if index := uses[name]; index != "" {
			assert.Contains(t, strings.Join(details, "; "), "INDEX "+index+" ", name)
			delete(uses, name)
		}
		if len(scans) > 0 && (!paged || sorted) {
			assert.Failf(t, "reads a whole table", "%s: %s", name, strings.Join(scans, "; "))
		}
	}
	assert.Empty(t, uses, "queries not found in chatbot.sql")
}
