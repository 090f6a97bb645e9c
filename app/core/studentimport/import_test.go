package studentimport_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/demo"
	"github.com/schoolsms/sms/app/core/studentimport"
	"github.com/schoolsms/sms/db"
)

// school makes a school with the demo's classes (Form 1A ... Form 4B) and no students.
func school(t *testing.T, s *apptest.Server, schema string) {
	t.Helper()
	s.CreateSchool(schema, "School "+schema)
	s.WithSchool(schema, func(tn *db.Tenant) error {
		_, err := demo.Seed(context.Background(), tn, demo.Options{NoStudents: true, EmailDomain: schema + ".test"}, auth.Meta{})
		return err
	})
}

type result struct {
	Created, Updated int
	Errors           []studentimport.Problem
	DryRun           bool `json:"dry_run"`
}

func post(t *testing.T, c *apptest.Client, query, contentType string, body []byte) (int, result) {
	t.Helper()
	status, _, raw := c.Do("POST", "/api/core/students/import/"+query, contentType, bytes.NewReader(body))
	var r result
	require.NoError(t, json.Unmarshal(raw, &r), string(raw))
	return status, r
}

const goodCSV = "Adm No,First Name,Surname,Sex,DOB,Class,Guardian,Relationship,Phone,Email\n" +
	"IMP/1,Ana,Banda,F,07/03/2012,Form 1A,Grace Banda,Mother,+254712345678,grace@example.org\n" +
	"IMP/2,Ben,Banda,M,2011-11-30,Form 2B,Grace Banda,Mother,+254712345678,\n" +
	",Cleo,Dube,F,,Form 1A,,,,\n"

func TestImportDryRunThenCommit(t *testing.T) {
	s := apptest.Start(t)
	school(t, s, "alpha")
	c := s.As("alpha", "admin@alpha.test")

	status, r := post(t, c, "?dry_run=true", "text/csv", []byte(goodCSV))
	require.Equal(t, 200, status, "%+v", r)
	assert.Equal(t, result{Created: 3, Errors: []studentimport.Problem{}, DryRun: true}, r)
	assert.Zero(t, s.Count("alpha", "students"), "a dry run writes nothing")

	status, r = post(t, c, "?dry_run=false", "text/csv", []byte(goodCSV))
	require.Equal(t, 200, status, "%+v", r)
	assert.Equal(t, 3, r.Created)
	assert.Equal(t, 3, s.Count("alpha", "students"))
	assert.Equal(t, 1, s.Count("alpha", "guardians"), "siblings share their guardian (same phone)")
	assert.Equal(t, 3, s.Count("alpha", "enrollments"))

	// Importing again updates by admission number instead of duplicating.
	again := strings.Replace(goodCSV, "Ana,Banda", "Anna,Banda", 1)
	again = strings.Replace(again, ",Cleo,Dube,F,,Form 1A,,,,\n", "", 1)
	status, r = post(t, c, "", "text/csv", []byte(again))
	require.Equal(t, 200, status, "%+v", r)
	assert.Equal(t, 2, r.Updated)
	assert.Equal(t, 0, r.Created)
	assert.Equal(t, 3, s.Count("alpha", "students"))
	status, list := c.JSON("GET", "/api/core/students/?search=anna", nil)
	require.Equal(t, 200, status)
	assert.EqualValues(t, 1, list["count"])
}

func TestImportBadRowsWriteNothing(t *testing.T) {
	s := apptest.Start(t)
	school(t, s, "alpha")
	c := s.As("alpha", "admin@alpha.test")
	bad := "first_name;last_name;gender;dob;class;guardian_name;guardian_phone\n" +
		"Ana;Banda;F;2012-01-01;Form 1A;Grace;+254712345678\n" + // fine
		"Ben;;M;2012-01-01;Form 1A;;\n" + // row 3: no last name
		"Cleo;Dube;X;2012-01-01;Form 9Z;;\n" + // row 4: gender and class
		"Dan;Ek;M;31/02/2012;Form 1A;Pat;not a phone\n" // row 5: date and phone
	students0, guardians0, audit0 := s.Count("alpha", "students"), s.Count("alpha", "guardians"), s.Count("alpha", "audit_log")
	status, r := post(t, c, "", "text/csv", []byte(bad))
	assert.Equal(t, 400, status)
	got := map[string]bool{}
	for _, p := range r.Errors {
		got[fmt.Sprintf("%d:%s", p.Row, p.Column)] = true
		assert.NotEmpty(t, p.Message)
	}
	for _, want := range []string{"3:last_name", "4:gender", "5:date_of_birth"} {
		assert.True(t, got[want], "want a problem %s in %+v", want, r.Errors)
	}
	assert.Zero(t, r.Created)
	assert.Equal(t, students0, s.Count("alpha", "students"))
	assert.Equal(t, guardians0, s.Count("alpha", "guardians"))
	assert.Equal(t, audit0, s.Count("alpha", "audit_log"))

	// Problems found only against the school's data are reported too.
	status, r = post(t, c, "", "text/csv", []byte("first_name,last_name,gender,class,guardian_name,guardian_phone,admission_no\n"+
		"Ana,Banda,F,Form 9Z,,,A1\nBen,Chola,M,Form 1A,Pat,12,A2\nCleo,Dube,F,,,,A1\n"))
	assert.Equal(t, 400, status)
	got = map[string]bool{}
	for _, p := range r.Errors {
		got[fmt.Sprintf("%d:%s", p.Row, p.Column)] = true
	}
	for _, want := range []string{"2:class", "3:guardian_phone", "4:admission_no"} {
		assert.True(t, got[want], "want a problem %s in %+v", want, r.Errors)
	}
	assert.Equal(t, students0, s.Count("alpha", "students"))

	for _, tc := range []struct{ q, ct, body string }{
		{"?dry_run=maybe", "text/csv", goodCSV},
		{"", "text/csv", ""},
		{"", "text/csv", "name,age\nx,1\n"},
	} {
		status, _, _ := c.Do("POST", "/api/core/students/import/"+tc.q, tc.ct, strings.NewReader(tc.body))
		assert.Equal(t, 400, status, tc)
	}
	assert.Equal(t, students0, s.Count("alpha", "students"))
}

func TestImportRights(t *testing.T) {
	s := apptest.Start(t)
	school(t, s, "alpha")
	s.CreateUser("alpha", "teacher@alpha.test", auth.RoleTeacher)
	s.CreateUser("alpha", "viewer@alpha.test", auth.RoleViewer)
	s.CreateUser("alpha", "clerk@alpha.test", auth.RoleClerk)
	for email, want := range map[string]int{"teacher@alpha.test": 403, "viewer@alpha.test": 403, "clerk@alpha.test": 200} {
		status, _, _ := s.As("alpha", email).Do("POST", "/api/core/students/import/?dry_run=true", "text/csv", strings.NewReader(goodCSV))
		assert.Equal(t, want, status, email)
	}
	status, _, _ := s.Client("alpha.localhost", "").Do("POST", "/api/core/students/import/", "text/csv", strings.NewReader(goodCSV))
	assert.Equal(t, 401, status)
}

func TestImportXLSXUpload(t *testing.T) {
	s := apptest.Start(t)
	school(t, s, "alpha")
	c := s.As("alpha", "admin@alpha.test")

	f := excelize.NewFile()
	sheet := f.GetSheetName(0)
	for i, row := range [][]any{
		{"Admission No", "First Name", "Last Name", "Gender", "Date of Birth", "Class", "Guardian Name", "Guardian Phone"},
		{"X/1", "Ana", "Banda", "Female", time.Date(2012, 3, 7, 0, 0, 0, 0, time.UTC), "Form 3A", "Grace Banda", "+254712345678"},
		{"X/2", "Ben", "Chola", "M", "30/11/2011", "Form 3B", "", ""},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		require.NoError(t, f.SetSheetRow(sheet, cell, &row))
	}
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	require.NoError(t, f.SetCellStyle(sheet, "E2", "E2", style))
	var book bytes.Buffer
	require.NoError(t, f.Write(&book))

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "students.xlsx")
	fw.Write(book.Bytes())
	mw.Close()
	status, r := post(t, c, "", mw.FormDataContentType(), body.Bytes())
	require.Equal(t, 200, status, "%+v", r)
	assert.Equal(t, 2, r.Created)
	status, st := c.JSON("GET", "/api/core/students/?search=X/1", nil)
	require.Equal(t, 200, status)
	require.EqualValues(t, 1, st["count"])
	assert.Equal(t, "2012-03-07", st["results"].([]any)[0].(map[string]any)["date_of_birth"])
}

// TestExportImportRoundTrip: exporting a school's students and importing the file into a
// fresh school with the same classes gives the same students.
func TestExportImportRoundTrip(t *testing.T) {
	s := apptest.Start(t)
	s.CreateSchool("source", "Source School")
	s.WithSchool("source", func(tn *db.Tenant) error {
		_, err := demo.Seed(context.Background(), tn, demo.Options{StudentsPerForm: 12, EmailDomain: "source.test"}, auth.Meta{})
		return err
	})
	school(t, s, "target")
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			src := s.As("source", "admin@source.test")
			status, _, file := src.Do("GET", "/api/core/students/export/?format="+format, "", nil)
			require.Equal(t, 200, status)

			dst := s.As("target", "admin@target.test")
			ct := "text/csv"
			if format == "xlsx" {
				ct = "application/octet-stream"
			}
			status, r := post(t, dst, "", ct, file)
			require.Equal(t, 200, status, "%+v", r)

			_, _, back := dst.Do("GET", "/api/core/students/export/?format=csv", "", nil)
			_, _, orig := src.Do("GET", "/api/core/students/export/?format=csv", "", nil)
			assert.Equal(t, sortedLines(string(orig)), sortedLines(string(back)))
			assert.Equal(t, 48, s.Count("target", "students"))
		})
	}
}

func sortedLines(s string) []string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	sort.Strings(lines)
	return lines
}

// rezip copies a workbook, replacing the parts named in parts (an empty body removes
// the part): a damaged workbook made from a good one.
func rezip(t *testing.T, book []byte, parts map[string]string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(book), int64(len(book)))
	require.NoError(t, err)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		body, replaced := parts[f.Name]
		if replaced && body == "" {
			continue
		}
		w, err := zw.Create(f.Name)
		require.NoError(t, err)
		if replaced {
			w.Write([]byte(body))
			continue
		}
		rc, err := f.Open()
		require.NoError(t, err)
		_, err = io.Copy(w, rc)
		rc.Close()
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return out.Bytes()
}

// TestImportDamagedWorkbookIs400: a workbook the server cannot read is the file's
// problem, answered 400 with a message, never 500; nothing is written.
func TestImportDamagedWorkbookIs400(t *testing.T) {
	s := apptest.Start(t)
	school(t, s, "alpha")
	c := s.As("alpha", "admin@alpha.test")
	f := excelize.NewFile()
	require.NoError(t, f.SetSheetRow("Sheet1", "A1", &[]any{"first_name", "last_name", "gender"}))
	require.NoError(t, f.SetSheetRow("Sheet1", "A2", &[]any{"Ana", "Banda", "F"}))
	var good bytes.Buffer
	require.NoError(t, f.Write(&good))
	const sheet = "xl/worksheets/sheet1.xml"
	sheetXML := func(rows string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
			`<row r="1"><c r="A1" t="inlineStr"><is><t>first_name</t></is></c><c r="B1" t="inlineStr"><is><t>last_name</t></is></c>` +
			`<c r="C1" t="inlineStr"><is><t>gender</t></is></c></row>` + rows + `</sheetData></worksheet>`
	}
	for name, book := range map[string][]byte{
		"no sheet part":       rezip(t, good.Bytes(), map[string]string{sheet: ""}),
		"row 1,048,577":       rezip(t, good.Bytes(), map[string]string{sheet: sheetXML(`<row r="1048577"><c r="A1048577" t="inlineStr"><is><t>Ana</t></is></c></row>`)}),
		"value in column XFD": rezip(t, good.Bytes(), map[string]string{sheet: sheetXML(`<row r="2"><c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row>`)}),
		"bad cell reference":  rezip(t, good.Bytes(), map[string]string{sheet: sheetXML(`<row r="2"><c r="A0" t="inlineStr"><is><t>x</t></is></c></row>`)}),
		"truncated zip":       good.Bytes()[:len(good.Bytes())/2],
	} {
		t.Run(name, func(t *testing.T) {
			status, r := post(t, c, "", "application/octet-stream", book)
			assert.Equal(t, 400, status, "%+v", r)
			require.NotEmpty(t, r.Errors)
			assert.NotEmpty(t, r.Errors[0].Message)
		})
	}
	assert.Zero(t, s.Count("alpha", "students"))
}
