// Package sheet writes tables people open in spreadsheet programs (CSV and .xlsx) so
// that no cell is ever run as a formula, whatever the data holds: every export of the
// appliance goes through it.
package sheet

import (
	"bufio"
	"io"
	"iter"
	"strings"

	"github.com/xuri/excelize/v2"
)

// WriteCSV writes a header line and rows as CSV. Every field is quoted and neutralised
// (see Neutralise), so that no spreadsheet program, whatever separator its locale splits
// at, runs a cell as a formula.
func WriteCSV(w io.Writer, header []string, rows iter.Seq[[]string]) error {
	bw := bufio.NewWriter(w)
	writeRecord(bw, header)
	for r := range rows {
		writeRecord(bw, r)
	}
	return bw.Flush()
}

// writeRecord writes one CSV line with every field quoted: encoding/csv quotes only
// fields holding its own separator, and a program set to split at ; or tab would then
// see a field like a;=1 as two cells.
func writeRecord(w *bufio.Writer, cells []string) {
	for i, c := range cells {
		if i > 0 {
			w.WriteByte(',')
		}
		w.WriteByte('"')
		w.WriteString(strings.ReplaceAll(Neutralise(c), `"`, `""`))
		w.WriteByte('"')
	}
	w.WriteByte('\n')
}

// Neutralise puts a ' before every formula start (=, +, -, @, tab, CR) that begins the
// cell or follows a character some program may split cells at (, ; tab and line
// breaks), so that each piece a program may make of the cell is text. A cell that is a
// phone number (+ and digits) is left alone: a spreadsheet reads it as a number.
func Neutralise(c string) string {
	if isPhone(c) {
		return c
	}
	var b strings.Builder
	start := true
	for i := 0; i < len(c); i++ {
		ch := c[i]
		if start && strings.IndexByte("=+-@\t\r", ch) >= 0 {
			b.WriteByte('\'')
		}
		b.WriteByte(ch)
		start = strings.IndexByte(",;\t\r\n", ch) >= 0
	}
	return b.String()
}

func isPhone(s string) bool {
	if len(s) < 2 || s[0] != '+' {
		return false
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// WriteXLSX writes a one-sheet workbook named name with a bold header row. Every cell
// is a string styled as text (never a formula, and admission numbers and phones keep
// their form). width is the columns' width in characters (0: 18).
func WriteXLSX(w io.Writer, name string, header []string, width float64, rows iter.Seq[[]string]) error {
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", name); err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(name)
	if err != nil {
		return err
	}
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	text, err := x.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return err
	}
	if width == 0 {
		width = 18
	}
	if err := sw.SetColWidth(1, max(len(header), 1), width); err != nil {
		return err
	}
	head := make([]any, len(header))
	for i, c := range header {
		head[i] = excelize.Cell{StyleID: bold, Value: c}
	}
	if err := sw.SetRow("A1", head, excelize.RowOpts{}); err != nil {
		return err
	}
	n := 2
	for vals := range rows {
		cells := make([]any, len(vals))
		for j, v := range vals {
			cells[j] = excelize.Cell{StyleID: text, Value: v}
		}
		cell, err := excelize.CoordinatesToCellName(1, n)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
		n++
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = x.WriteTo(w)
	return err
}
