package webtest

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/db"
)

// TestImportKeepsTheFileAndSaysWhatToFix: a 60-row file for a class of 45 gets one
// line for the class, with a link to edit it, and the problems as a CSV file; after
// the class is made bigger the kept file is checked again and imported without being
// chosen again. The kept file is its uploader's: another user of the school and
// another school's admin cannot check, list or import it.
func TestImportKeepsTheFileAndSaysWhatToFix(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	s.school(t, "other", "Other School")
	y := s.seedYear(t, "demo")
	s.withSchool(t, "demo", func(ctx context.Context, tn *db.Tenant) {
		_, err := academics.New(tn).UpdateClass(ctx, y.Class2A.ID, academics.ClassPatch{Capacity: academics.Value(int64(45))}, auth.Meta{})
		require.NoError(t, err)
	})
	s.user(t, "demo", "clerk@demo.localhost", "Cleo Clerk", auth.RoleClerk, teacherPass)
	base := s.url("demo.localhost", "")
	b, token := s.signedIn(t, base, "admin@demo.localhost", adminPass)

	var file strings.Builder
	file.WriteString("first_name,last_name,gender,date_of_birth,class,guardian_name,guardian_phone\n")
	file.WriteString("Amara,Okafor,female,2014-02-30,2A,,\n") // row 2: no such date
	for i := range 59 {
		fmt.Fprintf(&file, "Kid,Number%d,female,,2A,,\n", i)
	}
	upload, p := b.checkFile(base, token, "form2.csv", file.String())
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, "2 problems in form2.csv")
	assert.Contains(t, p.Body, "2A: 15 more places needed; it holds 45")
	assert.Equal(t, 1, strings.Count(p.Body, "more places needed"), "one line for the class")
	assert.Contains(t, p.Body, `<a href="/academics/classes/`+id(y.Class2A.ID)+`">Edit the class</a>`)

	p = b.get(base + "/students/import/problems.csv?upload=" + upload)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	assert.Contains(t, p.Header.Get("Content-Disposition"), `filename="form2-problems.csv"`)
	recs, err := csv.NewReader(strings.NewReader(p.Body)).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 3)
	assert.Equal(t, []string{"row", "column", "problem"}, recs[0])
	assert.Equal(t, []string{"2", "date_of_birth"}, recs[1][:2])
	assert.Equal(t, []string{"", "class", "2A: 15 more places needed; it holds 45"}, recs[2])

	// Neither a colleague nor another school gets at the kept file.
	cb, ctoken := s.signedIn(t, base, "clerk@demo.localhost", teacherPass)
	p = cb.get(base + "/students/import?upload=" + upload)
	assert.Contains(t, p.Body, "no longer kept")
	assert.NotContains(t, p.Body, "form2.csv")
	assert.Equal(t, http.StatusBadRequest, cb.get(base+"/students/import/problems.csv?upload="+upload).Status)
	p = cb.postFile(base+"/students/import", url.Values{"_csrf": {ctoken}, "action": {"import"}, "upload": {upload}}, "", nil)
	assert.Equal(t, http.StatusBadRequest, p.Status)
	otherBase := s.url("other.localhost", "")
	ob, otoken := s.signedIn(t, otherBase, "admin@other.localhost", adminPass)
	p = ob.get(otherBase + "/students/import?upload=" + upload)
	assert.Contains(t, p.Body, "no longer kept")
	p = ob.postFile(otherBase+"/students/import", url.Values{"_csrf": {otoken}, "action": {"import"}, "upload": {upload}}, "", nil)
	assert.Equal(t, http.StatusBadRequest, p.Status)
	assert.Equal(t, int64(0), s.countStudents(t, "other"))

	// The office makes the class bigger: checking the kept file again (no new upload)
	// leaves only the date to correct in the spreadsheet.
	p = b.post(base+"/academics/classes/"+id(y.Class2A.ID), url.Values{"_csrf": {token}, "form": {id(y.Form2.ID)}, "name": {"2A"},
		"capacity": {"60"}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	p = b.get(base + "/students/import?upload=" + upload)
	assert.Contains(t, p.Body, "1 problem in form2.csv")
	assert.NotContains(t, p.Body, "more places needed")
	assert.Equal(t, int64(0), s.countStudents(t, "demo"))
}

// TestImportTemplates: the blank templates have the import's columns and nothing else,
// as CSV and as a workbook; a teacher (who cannot import) gets neither.
func TestImportTemplates(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	y := s.seedYear(t, "demo")
	base := s.url("demo.localhost", "")
	b, _ := s.signedIn(t, base, "admin@demo.localhost", adminPass)

	p := b.get(base + "/students/import")
	assert.Contains(t, p.Body, `href="/students/import/template.csv"`)
	assert.Contains(t, p.Body, `href="/students/import/template.xlsx"`)

	p = b.get(base + "/students/import/template.csv")
	require.Equal(t, http.StatusOK, p.Status)
	recs, err := csv.NewReader(strings.NewReader(p.Body)).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, [][]string{students.ExportColumns}, recs)

	p = b.get(base + "/students/import/template.xlsx")
	require.Equal(t, http.StatusOK, p.Status)
	x, err := excelize.OpenReader(bytes.NewReader([]byte(p.Body)))
	require.NoError(t, err)
	rows, err := x.GetRows(x.GetSheetName(0))
	require.NoError(t, err)
	assert.Equal(t, [][]string{students.ExportColumns}, rows)

	assert.Equal(t, http.StatusNotFound, b.get(base+"/students/import/template.pdf").Status)
	tb, _ := s.signedIn(t, base, y.TeacherEmail, teacherPass)
	assert.Equal(t, http.StatusForbidden, tb.get(base+"/students/import/template.csv").Status)
}
