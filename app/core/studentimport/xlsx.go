package studentimport

import (
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// ParseXLSX reads the first sheet of an Excel workbook laid out like the CSV: a header
// row, then one student per row. Date cells may be real dates or text.
func ParseXLSX(r io.Reader) ([]Row, []Problem, error) {
	f, err := excelize.OpenReader(r, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, []Problem{{Row: 1, Message: "the file is not an Excel workbook (.xlsx): " + err.Error()}}, nil
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, []Problem{{Row: 1, Message: "the workbook has no sheets"}}, nil
	}
	rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, nil, fmt.Errorf("read sheet %q: %w", sheets[0], err)
	}
	if len(rows) > MaxRows+1 {
		return nil, []Problem{{Row: MaxRows + 2, Message: fmt.Sprintf("at most %d rows can be imported at once", MaxRows)}}, nil
	}
	out, problems := parseRecords(rows, true)
	return out, problems, nil
}

// serialDate turns a spreadsheet day number into YYYY-MM-DD; other text is returned as is.
func serialDate(v string) string {
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || n < 1 || n > 100000 {
		return v
	}
	t, err := excelize.ExcelDateToTime(n, false)
	if err != nil {
		return v
	}
	return t.Format("2006-01-02")
}
