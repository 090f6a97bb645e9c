package studentimport_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/core/studentimport"
)

// TestImportReportsEveryProblemInOnePass: one check of a file lists the problems of
// the file itself (a bad date, an empty name) together with those the school finds
// (an admission number twice in the file, an unknown class, a bad phone) and a class
// without room, which is one line for the class however many rows do not fit (not one
// per row), naming the class so a page can link to it. Nothing is written.
func TestImportReportsEveryProblemInOnePass(t *testing.T) {
	s := apptest.Start(t)
	school(t, s, "alpha")
	c := s.As("alpha", "admin@alpha.test")
	sqlExec(t, s, "alpha", "UPDATE classes SET capacity = 45 WHERE name = 'Form 2A'")
	var b strings.Builder
	b.WriteString("admission_no,first_name,last_name,gender,date_of_birth,class,guardian_name,guardian_phone\n")
	b.WriteString("P/1,Ana,Banda,F,31/02/2012,Form 1A,,\n")            // row 2: no such date
	b.WriteString("P/2,,Chola,M,,Form 1A,,\n")                         // row 3: empty first name
	b.WriteString("P/4,Cleo,Dube,F,,Form 1A,,\n")                      // row 4
	b.WriteString("P/4,Dan,Dube,M,,Form 1A,,\n")                       // row 5: P/4 again
	b.WriteString("P/6,Eve,Fula,F,,Form 9Z,,\n")                       // row 6: no such class
	b.WriteString("P/7,Fay,Gama,F,,Form 1A,Gina Gama,call me maybe\n") // row 7: not a phone
	for i := range 135 {                                               // rows 8-142: 135 into Form 2A, which holds 45
		fmt.Fprintf(&b, "Q/%d,Kid,Number%d,F,,Form 2A,,\n", i, i)
	}
	status, r := post(t, c, "?dry_run=true", "text/csv", []byte(b.String()))
	require.Equal(t, 400, status, "%+v", r)
	type where struct {
		Row    int
		Column string
	}
	var got []where
	for _, p := range r.Errors {
		got = append(got, where{p.Row, p.Column})
	}
	assert.Equal(t, []where{{2, "date_of_birth"}, {3, "first_name"}, {5, "admission_no"}, {6, "class"}, {7, "guardian_phone"}, {0, "class"}},
		got, "%+v", r.Errors)
	last := r.Errors[len(r.Errors)-1]
	assert.Equal(t, studentimport.Problem{Column: "class", Message: "Form 2A: 90 more places needed; it holds 45",
		ClassID: classID(t, c, "Form 2A")}, last)
	assert.Contains(t, r.Errors[2].Message, "row 4")
	assert.Zero(t, s.Count("alpha", "students"))

	// Without dry_run the same: nothing written, the same list.
	status, again := post(t, c, "", "text/csv", []byte(b.String()))
	require.Equal(t, 400, status)
	assert.Equal(t, r.Errors, again.Errors)
	assert.Zero(t, s.Count("alpha", "students"))
}
