package studentimport

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

// checkParsed holds for any file: a bounded number of rows, and problems that point at a row.
func checkParsed(t *testing.T, rows []Row, problems []Problem) {
	t.Helper()
	if len(rows) > MaxRows {
		t.Fatalf("%d rows, more than the %d an import takes", len(rows), MaxRows)
	}
	for _, p := range problems {
		if p.Row < 1 || p.Message == "" {
			t.Fatalf("problem %+v names no row or says nothing", p)
		}
	}
}

// FuzzParseCSV: any bytes uploaded as CSV are parsed or refused with problems, never a
// panic or an unbounded result.
func FuzzParseCSV(f *testing.F) {
	for _, s := range []string{
		"admission_no,first_name,last_name,gender,date_of_birth\nA1,Amina,Otieno,F,2010-02-03\n",
		"\xEF\xBB\xBFfirst_name;last_name;gender\nJo;Doe;M\n",
		"first_name,last_name\n\"unterminated,x\n",
		"a,b,c\n1,2,3,4,5,6\n",
		"",
		"first_name,last_name,guardian_phone\n=1+1,;=cmd,0712 345 678\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, problems, err := ParseCSV(bytes.NewReader(data))
		if err != nil {
			return // a read error of the upload itself, reported as such
		}
		checkParsed(t, rows, problems)
	})
}

// FuzzParseXLSX: any bytes uploaded as a workbook are parsed or refused, never a panic.
func FuzzParseXLSX(f *testing.F) {
	x := excelize.NewFile()
	for i, row := range [][]any{
		{"admission_no", "first_name", "last_name", "gender", "date_of_birth"},
		{"A1", "Amina", "Otieno", "F", "2010-02-03"},
		{"A2", "Brian", "Kamau", "M", 40000},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &row); err != nil {
			f.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x03\x04 not really a zip"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, problems, err := ParseXLSX(bytes.NewReader(data))
		if err != nil {
			return // refused as not a workbook
		}
		checkParsed(t, rows, problems)
	})
}
