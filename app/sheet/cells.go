package sheet

import (
	"io"

	"github.com/xuri/excelize/v2"
)

// XLSX is a one-sheet workbook written row by row whose cells may be numbers as well as
// text: tables of marks are summed and sorted in the spreadsheet. Text cells are stored
// as text (never formulas, whatever they start with).
type XLSX struct {
	f    *excelize.File
	sw   *excelize.StreamWriter
	text int
	bold int
	row  int
}

// NewXLSX starts a workbook whose one sheet is named name, with cols columns of width.
func NewXLSX(name string, cols int, width float64) (*XLSX, error) {
	f := excelize.NewFile()
	x := &XLSX{f: f}
	err := f.SetSheetName("Sheet1", name)
	if err == nil {
		x.sw, err = f.NewStreamWriter(name)
	}
	if err == nil {
		x.bold, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	}
	if err == nil {
		x.text, err = f.NewStyle(&excelize.Style{NumFmt: 49})
	}
	if err == nil && cols > 0 {
		err = x.sw.SetColWidth(1, cols, width)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return x, nil
}

// Header writes a bold row of text.
func (x *XLSX) Header(cells []string) error {
	row := make([]any, len(cells))
	for i, c := range cells {
		row[i] = excelize.Cell{StyleID: x.bold, Value: c}
	}
	return x.write(row)
}

// Row writes a row of cells: strings are text, ints and float64s numbers, nil empty.
// Any other value is written as the text of its String method, or empty.
func (x *XLSX) Row(cells []any) error {
	row := make([]any, len(cells))
	for i, c := range cells {
		switch v := c.(type) {
		case nil:
			row[i] = nil
		case int, int64, float64:
			row[i] = excelize.Cell{Value: v}
		case string:
			row[i] = excelize.Cell{StyleID: x.text, Value: v}
		case interface{ String() string }:
			row[i] = excelize.Cell{StyleID: x.text, Value: v.String()}
		default:
			row[i] = excelize.Cell{StyleID: x.text, Value: ""}
		}
	}
	return x.write(row)
}

func (x *XLSX) write(row []any) error {
	x.row++
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	return x.sw.SetRow(cell, row)
}

// WriteTo finishes the workbook and writes it.
func (x *XLSX) WriteTo(w io.Writer) (int64, error) {
	defer x.f.Close()
	if err := x.sw.Flush(); err != nil {
		return 0, err
	}
	return x.f.WriteTo(w)
}
