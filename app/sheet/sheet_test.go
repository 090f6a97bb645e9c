package sheet

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCSVQuotesEveryCellAndRunsNoFormula: an export is plain UTF-8 CSV any reader
// parses, every cell quoted, and no cell, nor any piece of one a program splitting at
// ; would make, starts a formula; a phone number stays as it is.
func TestCSVQuotesEveryCellAndRunsNoFormula(t *testing.T) {
	var buf bytes.Buffer
	rows := [][]string{{"Zoë Wanjikũ", "+254712345678", "=HYPERLINK(\"x\")"}, {"a;=1", "", "-5"}}
	require.NoError(t, WriteCSV(&buf, []string{"name", "phone", "note"}, slices.Values(rows)))
	assert.Equal(t, `"name","phone","note"`+"\n", buf.String()[:len(`"name","phone","note"`)+1])

	got, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, [][]string{
		{"name", "phone", "note"},
		{"Zoë Wanjikũ", "+254712345678", "'=HYPERLINK(\"x\")"},
		{"a;'=1", "", "'-5"},
	}, got)
}
