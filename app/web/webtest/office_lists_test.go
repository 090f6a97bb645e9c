package webtest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/db"
)

var rowRe = regexp.MustCompile(`<td data-label="Adm. no."><code>([^<]+)</code></td>`)

// admissionNos are the admission numbers of a students list page, in order.
func admissionNos(body string) []string {
	var out []string
	for _, m := range rowRe.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestStudentListSortsPagesAndShowsPhones: the students list orders by the column
// header clicked (the current one marked with aria-sort and an arrow; clicking it
// again turns the order round), keeps the order and the rows-per-page choice across
// pages and filters, shows the primary guardian's phone, and ignores an order it does
// not know.
func TestStudentListSortsPagesAndShowsPhones(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	y := s.seedYear(t, "demo")
	s.withSchool(t, "demo", func(ctx context.Context, tn *db.Tenant) {
		for i := range 30 {
			in := students.StudentInput{AdmissionNo: fmt.Sprintf("A%02d", i), FirstName: "Kid", LastName: fmt.Sprintf("Name%02d", 29-i),
				Gender: "female", Class: y.Class1A.ID}
			if i == 0 {
				in.Guardians = []students.GuardianRef{{GuardianInput: students.GuardianInput{Name: "Grace", Phone: "+254 712 345 678"}}}
			}
			_, err := students.New(tn).CreateStudent(ctx, in, auth.Meta{})
			require.NoError(t, err)
		}
	})
	base := s.url("demo.localhost", "")
	b, _ := s.signedIn(t, base, "admin@demo.localhost", adminPass)

	p := b.get(base + "/students")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, `<th scope="col" aria-sort="ascending"><a class="sort" href="/students?ordering=-last_name">Name<span class="sort-arrow" aria-hidden="true">▲</span></a></th>`)
	assert.Contains(t, p.Body, `<th scope="col" aria-sort="none"><a class="sort" href="/students?ordering=admission_no">Admission no.`)
	assert.Len(t, admissionNos(p.Body), 25)
	assert.Equal(t, "A29", admissionNos(p.Body)[0], "by last name: Name00 first")
	assert.Contains(t, p.Body, "Guardian phone")

	p = b.get(base + "/students?ordering=admission_no&page_size=50")
	nos := admissionNos(p.Body)
	require.Len(t, nos, 30, "50 a page")
	assert.Equal(t, "A00", nos[0])
	assert.Contains(t, p.Body, `<a href="tel:&#43;254712345678">`)
	assert.Contains(t, p.Body, `<th scope="col" aria-sort="ascending"><a class="sort" href="/students?ordering=-admission_no&amp;page_size=50">`)
	assert.Contains(t, p.Body, `<option value="50" selected>50</option>`)
	// The order is a field of the filter form (the Sort by select), so a filter keeps it.
	assert.Contains(t, p.Body, `<option value="admission_no" selected>`, "a filter keeps the order")

	p = b.get(base + "/students?ordering=-admission_no")
	assert.Equal(t, "A29", admissionNos(p.Body)[0])
	assert.Contains(t, p.Body, `aria-sort="descending"`)
	assert.Contains(t, p.Body, `href="/students?ordering=-admission_no&amp;page=2"`, "the next page keeps the order")
	p = b.get(base + "/students?ordering=-admission_no&page=2")
	assert.Equal(t, []string{"A04", "A03", "A02", "A01", "A00"}, admissionNos(p.Body))

	p = b.get(base + "/students?ordering=password&page_size=7")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Len(t, admissionNos(p.Body), 25, "an unknown size is the first one")
	assert.Equal(t, "A29", admissionNos(p.Body)[0], "an unknown order is the default")
}

// TestEnrollOffersTheFormAppliedForFirst: enrolling an applicant to Form 2 lists the
// classes of Form 2 first and asks before taking a class of another form.
func TestEnrollOffersTheFormAppliedForFirst(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	y := s.seedYear(t, "demo")
	var app students.Admission
	s.withSchool(t, "demo", func(ctx context.Context, tn *db.Tenant) {
		var err error
		sv := students.New(tn)
		app, err = sv.CreateAdmission(ctx, students.AdmissionInput{FirstName: "Ann", LastName: "Otieno", Gender: "female", Form: y.Form2.ID}, auth.Meta{})
		require.NoError(t, err)
		accepted := students.AdmissionAccepted
		app, err = sv.UpdateAdmission(ctx, app.ID, students.AdmissionPatch{Status: &accepted}, auth.Meta{})
		require.NoError(t, err)
	})
	base := s.url("demo.localhost", "")
	b, token := s.signedIn(t, base, "admin@demo.localhost", adminPass)
	enroll := base + "/admissions/" + id(app.ID) + "/enroll"

	// The applications list orders by its headers too: newest application first.
	p := b.get(base + "/admissions")
	assert.Contains(t, p.Body, `<th scope="col" aria-sort="descending"><a class="sort" href="/admissions?ordering=applied_on">Applied`)
	p = b.get(base + "/admissions?ordering=last_name")
	assert.Contains(t, p.Body, `<th scope="col" aria-sort="ascending"><a class="sort" href="/admissions?ordering=-last_name">Applicant`)

	p = b.get(enroll)
	require.Equal(t, http.StatusOK, p.Status, p.Body)
	i2, i1 := strings.Index(p.Body, `<optgroup label="Form 2">`), strings.Index(p.Body, `<optgroup label="Form 1">`)
	require.True(t, i2 > 0 && i1 > 0)
	assert.Less(t, i2, i1, "the classes of the form applied for come first")
	assert.Contains(t, p.Body, `<option value="`+id(y.Class2A.ID)+`" selected>`, "its only class is chosen")

	p = b.post(enroll, url.Values{"_csrf": {token}, "class": {id(y.Class1A.ID)}})
	assert.Equal(t, http.StatusBadRequest, p.Status)
	assert.Contains(t, p.Body, "1A is a class of Form 1, but Ann applied for Form 2")
	assert.Contains(t, p.Body, `name="other_form"`)
	assert.Equal(t, int64(0), s.countStudents(t, "demo"))

	p = b.post(enroll, url.Values{"_csrf": {token}, "class": {id(y.Class1A.ID)}, "other_form": {"1"}})
	require.Equal(t, http.StatusSeeOther, p.Status, p.Body)
	assert.Equal(t, int64(1), s.countStudents(t, "demo"))
}

// TestTeacherSeesNoDeadClassLinks: on the classes tab a teacher gets a link to the
// students of the class they lead, and none to the classes whose students they cannot
// see; an admin gets both.
func TestTeacherSeesNoDeadClassLinks(t *testing.T) {
	s := startServer(t)
	s.school(t, "demo", "Demo High School")
	y := s.seedYear(t, "demo")
	base := s.url("demo.localhost", "")
	tb, _ := s.signedIn(t, base, y.TeacherEmail, teacherPass)
	p := tb.get(base + "/academics/classes")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Body, `href="/students?class=`+id(y.Class1A.ID)+`"`)
	assert.NotContains(t, p.Body, `href="/students?class=`+id(y.Class2A.ID)+`"`)
	ab, _ := s.signedIn(t, base, "admin@demo.localhost", adminPass)
	p = ab.get(base + "/academics/classes")
	assert.Contains(t, p.Body, `href="/students?class=`+id(y.Class1A.ID)+`"`)
	assert.Contains(t, p.Body, `href="/students?class=`+id(y.Class2A.ID)+`"`)
}
