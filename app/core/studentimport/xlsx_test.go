package studentimport

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The workbooks here are written by hand, part by part, so that they can be wrong in
// the ways a spreadsheet library would never write them.

const (
	contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>`
	rootRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>`
	workbookXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Students" sheetId="1" r:id="rId1"/></sheets>
</workbook>`
	workbookRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>`
	sheetHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	sheetTail = `</sheetData></worksheet>`
)

// headerRow is row 1 naming the three required columns in A, B and C.
const headerRow = `<row r="1"><c r="A1" t="inlineStr"><is><t>first_name</t></is></c>` +
	`<c r="B1" t="inlineStr"><is><t>last_name</t></is></c><c r="C1" t="inlineStr"><is><t>gender</t></is></c></row>`

func studentRow(n int) string {
	return fmt.Sprintf(`<row r="%d"><c r="A%d" t="inlineStr"><is><t>Ana%d</t></is></c>`+
		`<c r="B%d" t="inlineStr"><is><t>Banda</t></is></c><c r="C%d" t="inlineStr"><is><t>F</t></is></c></row>`, n, n, n, n, n)
}

type part struct{ name, body string }

// book zips the parts of a workbook (the usual four plus the sheet, unless left out).
func book(t testing.TB, sheet string, omitSheet bool, extra ...part) []byte {
	t.Helper()
	parts := []part{{"[Content_Types].xml", contentTypes}, {"_rels/.rels", rootRels}, {"xl/workbook.xml", workbookXML},
		{"xl/_rels/workbook.xml.rels", workbookRels}}
	if !omitSheet {
		parts = append(parts, part{"xl/worksheets/sheet1.xml", sheetHead + sheet + sheetTail})
	}
	parts = append(parts, extra...)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.Create(p.name)
		require.NoError(t, err)
		_, err = w.Write([]byte(p.body))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// lyingBook is a workbook whose parts (after the sheet) say in the zip directory that
// they hold declared bytes when they really inflate to the bytes given (a zip bomb
// that hides, or one that does not).
func lyingBook(t testing.TB, parts ...lyingPart) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range []part{{"[Content_Types].xml", contentTypes}, {"_rels/.rels", rootRels}, {"xl/workbook.xml", workbookXML},
		{"xl/_rels/workbook.xml.rels", workbookRels}} {
		w, _ := zw.Create(p.name)
		w.Write([]byte(p.body))
	}
	for _, p := range parts {
		var deflated bytes.Buffer
		fw, err := flate.NewWriter(&deflated, flate.BestCompression)
		require.NoError(t, err)
		fw.Write(p.body)
		fw.Close()
		w, err := zw.CreateRaw(&zip.FileHeader{Name: p.name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(p.body),
			CompressedSize64: uint64(deflated.Len()), UncompressedSize64: p.declared})
		require.NoError(t, err)
		w.Write(deflated.Bytes())
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

type lyingPart struct {
	name     string
	body     []byte
	declared uint64
}

// sheetOf is a sheet part of size bytes (header row, then spaces).
func sheetOf(size int) []byte {
	return []byte(sheetHead + headerRow + strings.Repeat(" ", max(0, size-len(sheetHead+headerRow+sheetTail))) + sheetTail)
}

// parseMeasured parses a workbook and returns what ParseFile returns and the bytes
// allocated meanwhile.
func parseMeasured(t *testing.T, file []byte) ([]Row, []Problem, error, uint64) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rows, problems, err := ParseFile("students.xlsx", file)
	runtime.ReadMemStats(&after)
	return rows, problems, err, after.TotalAlloc - before.TotalAlloc
}

// TestParseXLSXWideRowsCostLittle: a small workbook whose rows each have one cell in the
// last column (XFD) must not be read as rows padded to 16,384 cells each: a cell beyond
// the named columns is refused at the first row that has one.
func TestParseXLSXWideRowsCostLittle(t *testing.T) {
	var sheet strings.Builder
	sheet.WriteString(headerRow)
	for n := 2; n <= 1701; n++ {
		fmt.Fprintf(&sheet, `<row r="%d"><c r="XFD%d" t="inlineStr"><is><t>x</t></is></c></row>`, n, n)
	}
	file := book(t, sheet.String(), false)
	t.Logf("workbook: %d bytes", len(file))
	rows, problems, err, alloc := parseMeasured(t, file)
	t.Logf("allocated while parsing: %.1f MiB", float64(alloc)/(1<<20))
	require.NoError(t, err)
	assert.Empty(t, rows)
	require.NotEmpty(t, problems)
	assert.Equal(t, 2, problems[0].Row)
	assert.Equal(t, "XFD", problems[0].Column)
	assert.Contains(t, problems[0].Message, "beyond")
	assert.Less(t, alloc, uint64(32<<20), "parsing a %d-byte workbook allocated %d bytes", len(file), alloc)
}

// TestParseXLSXStopsAtTheRowLimit: a sheet with far more rows than an import takes is
// refused at the first row over the limit, without reading (or holding) the rest.
func TestParseXLSXStopsAtTheRowLimit(t *testing.T) {
	var sheet strings.Builder
	sheet.WriteString(headerRow)
	for n := 2; n <= MaxRows+1; n++ {
		sheet.WriteString(studentRow(n))
	}
	const last = 100000
	for n := MaxRows + 2; n <= last; n++ {
		fmt.Fprintf(&sheet, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>`, n, n)
	}
	rows, problems, err, alloc := parseMeasured(t, book(t, sheet.String(), false))
	t.Logf("allocated while parsing a sheet of %d rows: %.1f MiB", last, float64(alloc)/(1<<20))
	require.NoError(t, err)
	assert.Empty(t, rows)
	require.Len(t, problems, 1)
	assert.Equal(t, MaxRows+2, problems[0].Row)
	assert.Contains(t, problems[0].Message, fmt.Sprintf("at most %d rows", MaxRows))
	assert.Less(t, alloc, uint64(140<<20), "reading stopped at the limit")

	// A blank row far down (formatting, say) is not a student and not over the limit.
	var ok strings.Builder
	ok.WriteString(headerRow + studentRow(2))
	fmt.Fprintf(&ok, `<row r="%d" s="1" customFormat="1"/>`, MaxRows+100)
	rows, problems, err = ParseFile("students.xlsx", book(t, ok.String(), false))
	require.NoError(t, err)
	assert.Empty(t, problems)
	assert.Len(t, rows, 1)
}

// TestParseXLSXMalformedWorkbooks: every way a workbook can be broken is a problem with
// the file (400 at the API), never an error of the server.
func TestParseXLSXMalformedWorkbooks(t *testing.T) {
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"the sheet part is missing", book(t, "", true), "sheet"},
		{"a row number over 1,048,576", book(t, headerRow+studentRow(1048577), false), "row"},
		{"a cell reference that is no cell", book(t, headerRow+`<row r="2"><c r="ZZZZ2" t="inlineStr"><is><t>x</t></is></c></row>`, false), "cell"},
		{"a zip bomb that says it is small", lyingBook(t, lyingPart{"xl/worksheets/sheet1.xml", sheetOf(1 << 20), 4096}), "Excel"},
		{"a part that says it is too big", lyingBook(t, lyingPart{"xl/worksheets/sheet1.xml", sheetOf(1024), 256 << 20}), "MB"},
		{"parts that together are too big", lyingBook(t, lyingPart{"xl/worksheets/sheet1.xml", sheetOf(1024), maxUnzipped / 2},
			lyingPart{"xl/media/image1.png", []byte("png"), maxUnzipped/2 + 1}), "MB"},
		{"not a zip at all", []byte("PK\x03\x04 this is not a workbook"), "Excel"},
		{"a shared string that does not exist", book(t, headerRow+`<row r="2"><c r="A2" t="s"><v>7</v></c></row>`, false), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rows, problems, err, alloc := parseMeasured(t, tc.file)
			t.Logf("allocated: %.1f MiB", float64(alloc)/(1<<20))
			require.NoError(t, err, "a broken workbook is the file's problem, not the server's")
			assert.Empty(t, rows)
			require.NotEmpty(t, problems)
			assert.Contains(t, problems[0].Message, tc.want)
			assert.Less(t, alloc, uint64(64<<20))
		})
	}
}

// TestParseXLSXTooManySharedStrings: a table of shared strings is read whole by the
// spreadsheet library, so a small zip of millions of empty strings is refused before.
func TestParseXLSXTooManySharedStrings(t *testing.T) {
	sst := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		strings.Repeat("<si><t/></si>", maxSharedStrings+1) + `</sst>`
	sheet := headerRow + `<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>0</v></c><c r="C2" t="inlineStr"><is><t>F</t></is></c></row>`
	file := book(t, sheet, false, part{"xl/sharedStrings.xml", sst})
	t.Logf("workbook: %d bytes, %d MB of shared strings", len(file), len(sst)>>20)
	rows, problems, err, alloc := parseMeasured(t, file)
	t.Logf("allocated while parsing: %.1f MiB", float64(alloc)/(1<<20))
	require.NoError(t, err)
	assert.Empty(t, rows)
	require.Len(t, problems, 1)
	assert.Contains(t, problems[0].Message, "different texts")
	assert.Less(t, alloc, uint64(16<<20))

	// A workbook whose strings are shared (as Excel writes them) reads as usual.
	sst = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="3">` +
		`<si><t>Ana</t></si><si><r><t>Ban</t></r><r><t>da</t></r></si><si><t xml:space="preserve">F</t></si></sst>`
	sheet = headerRow + `<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c><c r="C2" t="s"><v>2</v></c></row>`
	rows, problems, err = ParseFile("students.xlsx", book(t, sheet, false, part{"xl/sharedStrings.xml", sst}))
	require.NoError(t, err)
	require.Empty(t, problems)
	require.Len(t, rows, 1)
	assert.Equal(t, Row{Line: 2, FirstName: "Ana", LastName: "Banda", Gender: "female"}, rows[0])
}
