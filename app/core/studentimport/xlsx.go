package studentimport

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// A workbook is a zip of XML parts, and a few kilobytes of zip can stand for gigabytes
// of XML. These bound what one import may make of an upload before anything is read:
// a 20,000-row sheet of student data is about 10 MB of XML, shared strings included.
const (
	maxUnzipped = 48 << 20 // all parts together, uncompressed
	maxParts    = 1000     // a workbook has a dozen or two
	// The spreadsheet library holds every shared string of a workbook at once, at about
	// a kilobyte each while reading them: no more than a full import's cells.
	maxSharedStrings = (MaxRows + 1) * 11
)

// ParseXLSX reads the first sheet of an Excel workbook laid out like the CSV: a header
// row, then one student per row. Date cells may be real dates or text. The sheet is
// read row by row and reading stops at the first row that is over the row limit or has
// a value beyond the named columns, so a workbook's cost is bounded by the rows an
// import can take, not by what its XML claims. A damaged workbook is a problem with
// the file, never an error.
func ParseXLSX(r io.Reader) ([]Row, []Problem, error) {
	body, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, err
	}
	notWorkbook := []Problem{{Row: 1, Message: "the file is not an Excel workbook (.xlsx); save it as an Excel Workbook or as CSV"}}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		return nil, notWorkbook, nil
	}
	if len(zr.File) > maxParts {
		return nil, notWorkbook, nil
	}
	var unzipped uint64
	for _, f := range zr.File {
		unzipped += f.UncompressedSize64
		if f.UncompressedSize64 > maxUnzipped || unzipped > maxUnzipped {
			return nil, []Problem{{Row: 1, Message: fmt.Sprintf("the workbook holds more than %d MB of data once unpacked, more than "+
				"%d students take; save only the student sheet, or split it", maxUnzipped>>20, MaxRows)}}, nil
		}
	}
	// A part that inflates past the size its entry declares, or to other bytes than its
	// checksum says, is cut short without an error by the spreadsheet library, which
	// would read a damaged sheet as a shorter one: inflate each once here, where the zip
	// reader reports both.
	for _, zf := range zr.File {
		n, err := checkPart(zf)
		if err != nil {
			return nil, notWorkbook, nil
		}
		if n > maxSharedStrings {
			return nil, []Problem{{Row: 1, Message: fmt.Sprintf("the workbook holds more than %d different texts, more than "+
				"%d students take; save only the student sheet, or split it", maxSharedStrings, MaxRows)}}, nil
		}
	}
	// Every part stays in memory (no spill to temporary files): the checks above bound
	// them.
	f, err := excelize.OpenReader(bytes.NewReader(body), excelize.Options{RawCellValue: true,
		UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: maxUnzipped})
	if err != nil {
		return nil, notWorkbook, nil
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, []Problem{{Row: 1, Message: "the workbook has no sheets"}}, nil
	}
	damaged := func(line int, what string) []Problem {
		return []Problem{{Row: line, Message: fmt.Sprintf("the workbook is damaged: %s; open it in a spreadsheet program and save it again", what)}}
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, damaged(1, fmt.Sprintf("its first sheet (%s) cannot be read", sheets[0])), nil
	}
	defer rows.Close()
	var header []string
	var records []record
	reach, line := 0, 0
	// Next yields every row number in turn, missing rows included (as blank rows).
	for rows.Next() {
		line++
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, damaged(line, fmt.Sprintf("a cell of row %d cannot be read", line)), nil
		}
		if line == 1 {
			header, reach = cells, width(cells)
			continue
		}
		// Columns pads a row with blanks up to its last value, so a value far to the
		// right costs a row that wide: refuse it at the first row that has one.
		if p := beyondHeader(line, cells, reach); p != nil {
			return nil, []Problem{*p}, nil
		}
		if blank(cells) {
			continue
		}
		if len(records) == MaxRows {
			return nil, []Problem{tooManyRows(line)}, nil
		}
		records = append(records, record{line: line, cells: cells})
	}
	if err := rows.Error(); err != nil {
		return nil, damaged(line+1, fmt.Sprintf("a row number after row %d is beyond the %d rows a sheet can have", line, excelize.TotalRows)), nil
	}
	if line == 0 {
		return nil, []Problem{{Row: 1, Message: fmt.Sprintf("the first sheet (%s) is empty; its first row must name the columns", sheets[0])}}, nil
	}
	out, problems := parseRecords(header, records, true)
	return out, problems, nil
}

// checkPart inflates a part to nowhere, which makes the zip reader check its size and
// checksum, and returns the number of shared strings it holds if it is the table of
// them.
func checkPart(zf *zip.File) (int, error) {
	rc, err := zf.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	if !strings.EqualFold(zf.Name, "xl/sharedStrings.xml") {
		_, err = io.Copy(io.Discard, rc)
		return 0, err
	}
	var c elementCounter
	_, err = io.Copy(&c, rc)
	return c.n, err
}

// elementCounter counts the starts of <si> elements (with or without a namespace
// prefix) in XML written to it, across writes.
type elementCounter struct {
	n    int
	tail [3]byte // the last three bytes written
}

func (c *elementCounter) Write(p []byte) (int, error) {
	for _, b := range p {
		if (c.tail[0] == '<' || c.tail[0] == ':') && c.tail[1] == 's' && c.tail[2] == 'i' &&
			(b == '>' || b == ' ' || b == '/' || b == '\t' || b == '\n' || b == '\r') {
			c.n++
		}
		c.tail = [3]byte{c.tail[1], c.tail[2], b}
	}
	return len(p), nil
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
