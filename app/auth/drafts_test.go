package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clockDrafts is a store whose clock the test moves.
func clockDrafts() (*Drafts, *time.Time) {
	now := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	d := NewDrafts()
	d.now = func() time.Time { return now }
	return d, &now
}

func TestDraftsAreHandedOutOnlyInTheirPlaceToTheirOwner(t *testing.T) {
	d, _ := clockDrafts()
	draft := Draft{Place: "school:alpha:1", Owner: 7, Action: "/users/new", Return: "/users/new",
		Fields: []DraftField{{"name", "Ann"}}}

	id := d.Hold(draft)
	require.NotEmpty(t, id)
	assert.True(t, d.Pending(id, "school:alpha:1"))
	assert.False(t, d.Pending(id, "school:beta:1"), "another school does not see it")
	assert.False(t, d.Pending(id, "school:alpha:2"), "nor a new school of the same name")

	_, ok := d.Claim(id, "school:beta:1", 7, "s-beta")
	assert.False(t, ok, "another school cannot claim it")
	assert.True(t, d.Pending(id, "school:alpha:1"), "and that leaves it for its own school")

	_, ok = d.Claim(id, "school:alpha:1", 8, "s-other")
	assert.False(t, ok, "another account of the school does not get it")
	assert.False(t, d.Pending(id, "school:alpha:1"), "which drops it")

	id = d.Hold(draft)
	got, ok := d.Claim(id, "school:alpha:1", 7, "s-owner")
	require.True(t, ok)
	assert.Equal(t, "Ann", got.Fields[0].Value)
	_, ok = d.Claim(id, "school:alpha:1", 7, "s-owner")
	assert.False(t, ok, "claimed once")

	_, ok = d.Take("s-owner", "school:alpha:1", "/users")
	assert.False(t, ok, "only on the page it returns to")
	_, ok = d.Take("s-other", "school:alpha:1", "/users/new")
	assert.False(t, ok, "only for the session that claimed it")
	got, ok = d.Take("s-owner", "school:alpha:1", "/users/new")
	require.True(t, ok)
	assert.Equal(t, "/users/new", got.Action)
	_, ok = d.Take("s-owner", "school:alpha:1", "/users/new")
	assert.False(t, ok, "shown once")

	// Unknown owner (the server no longer knew whose session it was): whoever signs in
	// at that school on that browser gets it.
	draft.Owner = 0
	id = d.Hold(draft)
	_, ok = d.Claim(id, "school:alpha:1", 9, "s-nine")
	assert.True(t, ok)
}

func TestDraftsExpireAndStayBounded(t *testing.T) {
	d, now := clockDrafts()
	id := d.Hold(Draft{Place: "p", Return: "/"})
	d.Keep("s1", Draft{Place: "p", Return: "/x"})
	*now = now.Add(DraftTTL + time.Second)
	_, ok := d.Claim(id, "p", 1, "s2")
	assert.False(t, ok, "a pending draft expires")
	_, ok = d.Take("s1", "p", "/x")
	assert.False(t, ok, "a held draft expires")

	assert.Empty(t, d.Hold(Draft{Place: "p", Fields: []DraftField{{"notes", strings.Repeat("x", maxDraftBytes+1)}}}),
		"a draft too large is not kept")

	first := d.Hold(Draft{Place: "p", Return: "/"})
	*now = now.Add(time.Second)
	for range maxDrafts + 10 {
		d.Hold(Draft{Place: "p", Return: "/"})
	}
	d.mu.Lock()
	n := len(d.pending) + len(d.held)
	d.mu.Unlock()
	assert.LessOrEqual(t, n, maxDrafts)
	assert.False(t, d.Pending(first, "p"), "the oldest went first")

	var nilStore *Drafts
	assert.Empty(t, nilStore.Hold(Draft{}), "a service without a store keeps nothing")
	_, ok = nilStore.Take("s", "p", "/")
	assert.False(t, ok)
}
