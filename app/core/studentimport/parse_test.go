package studentimport

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseCSVHeadersAliasesAndFormats(t *testing.T) {
	in := "\ufeffAdm No;First Name;SURNAME;Sex;DOB;Class;Parent;Relationship;Phone;E-mail\n" +
		"A/1;Ana;Banda;F;07/03/2012;Form 1A;Grace Banda;Mother;0712 345 678;Grace@Example.org\n" +
		";;;;;;;;;\n" +
		"A/2;Ben;Chola;male;2011-11-30;Form 1B;;;;\n"
	rows, problems, err := ParseCSV(strings.NewReader(in))
	require.NoError(t, err)
	require.Empty(t, problems)
	require.Len(t, rows, 2)
	assert.Equal(t, Row{Line: 2, AdmissionNo: "A/1", FirstName: "Ana", LastName: "Banda", Gender: "female",
		DateOfBirth: "2012-03-07", Class: "Form 1A", GuardianName: "Grace Banda", GuardianRelationship: "Mother",
		GuardianPhone: "0712 345 678", GuardianEmail: "grace@example.org"}, rows[0])
	assert.Equal(t, 4, rows[1].Line, "blank lines are skipped but keep the numbering")
	assert.Equal(t, "male", rows[1].Gender)
}

func TestParseCSVCommaAndQuotes(t *testing.T) {
	in := "first_name,last_name,gender,address_ignored\n"
	_, problems, err := ParseCSV(strings.NewReader(in))
	require.NoError(t, err)
	require.Len(t, problems, 1)
	assert.Equal(t, Problem{Row: 1, Column: "address_ignored", Message: problems[0].Message}, problems[0])

	rows, problems, err := ParseCSV(strings.NewReader("first_name,last_name,gender\n\"Mary, Jane\",O'Neil,F\n"))
	require.NoError(t, err)
	require.Empty(t, problems)
	assert.Equal(t, "Mary, Jane", rows[0].FirstName)
}

func TestParseCSVReportsEveryBadRow(t *testing.T) {
	in := "first_name,last_name,gender,dob,guardian_phone\n" +
		"Ana,Banda,F,2012-02-30,\n" +
		",Chola,X,31/12/2011,0712\n" +
		"Dan,Ek,M,tomorrow,\n"
	_, problems, err := ParseCSV(strings.NewReader(in))
	require.NoError(t, err)
	got := map[[2]any]bool{}
	for _, p := range problems {
		got[[2]any{p.Row, p.Column}] = true
	}
	for _, want := range [][2]any{{2, "date_of_birth"}, {3, "first_name"}, {3, "gender"}, {3, "guardian_name"}, {4, "date_of_birth"}} {
		assert.True(t, got[want], "expected a problem at row %v column %v; got %+v", want[0], want[1], problems)
	}
}

func TestParseCSVMissingColumnsAndEmpty(t *testing.T) {
	_, problems, _ := ParseCSV(strings.NewReader(""))
	require.Len(t, problems, 1)
	_, problems, _ = ParseCSV(strings.NewReader("first_name,first name,gender\n"))
	cols := map[string]bool{}
	for _, p := range problems {
		cols[p.Column] = true
	}
	assert.True(t, cols["first name"], "duplicate column reported: %+v", problems)
	assert.True(t, cols["last_name"], "missing required column reported: %+v", problems)
	_, problems, _ = ParseCSV(strings.NewReader("first_name,last_name,gender\n"))
	require.Len(t, problems, 1, "a header without rows")
}

func TestDateAndGender(t *testing.T) {
	for in, want := range map[string]string{"2012-01-05": "2012-01-05", "05/01/2012": "2012-01-05", "5/1/2012": "2012-01-05", "05-01-2012": "2012-01-05"} {
		got, err := Date(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got)
	}
	// A date after the school's today is refused when the rows are checked against the
	// school (TestImportDateOfBirthAfterTheSchoolsToday): parsing knows no school.
	for _, bad := range []string{"2012/01/05", "13/13/2012", "1850-01-01", "yesterday"} {
		_, err := Date(bad)
		assert.Error(t, err, bad)
	}
	for in, want := range map[string]string{"M": "male", "f": "female", "Girl": "female", "other": "other"} {
		got, ok := Gender(in)
		assert.True(t, ok)
		assert.Equal(t, want, got)
	}
	_, ok := Gender("x")
	assert.False(t, ok)
}

func TestParseCSVValueBeyondTheNamedColumns(t *testing.T) {
	_, problems, err := ParseCSV(strings.NewReader("first_name,last_name,gender,,\nAna,Banda,F,,\nBen,Chola,M,,notes\n"))
	require.NoError(t, err)
	require.Len(t, problems, 1, "%+v", problems)
	assert.Equal(t, 3, problems[0].Row)
	assert.Equal(t, "E", problems[0].Column)
	assert.Contains(t, problems[0].Message, "beyond the last named column (C)")
}
