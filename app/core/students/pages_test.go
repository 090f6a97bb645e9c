package students

import (
	"testing"

	"github.com/schoolsms/sms/app/web"
	"github.com/schoolsms/sms/app/web/pagetest"
)

// TestPagesRender renders every student and admission page with the data its handlers
// give it, with and without rights and data.
func TestPagesRender(t *testing.T) {
	opts := []web.Option{{Value: "1", Label: "One", Group: "Form 1"}, {Value: "2", Label: "Two <b>", Group: "Form 2"}}
	dob, ended, sid := "2014-03-31", "2025-07-31", int64(9)
	cref := ClassRef{ID: 3, Name: "1A", Form: FormRef{ID: 4, Name: "Form 1", Level: 1}}
	st := StudentDetail{
		Student: Student{ID: 9, AdmissionNo: "ADM/2026/0001", FirstName: "Amara", MiddleName: "N", LastName: "Okafor <x>",
			Gender: "female", DateOfBirth: &dob, Nationality: "Kenyan", HomeLanguage: "Swahili", Address: "Box 1\nNairobi",
			MedicalNotes: "Asthma", Status: "active", AdmittedOn: "2025-09-01", CurrentClass: &cref},
		Guardians: []StudentGuardian{{ID: 1, Name: "Grace Okafor", Relationship: "Mother", Phone: "+254712345678",
			Email: "grace@example.org", IsPrimary: true}, {ID: 2, Name: "Paul"}},
		Enrollments: []Enrollment{
			{ID: 1, Class: cref, Session: SessionRef{ID: 1, Name: "2025/2026", IsCurrent: true}, Status: "active", EnrolledOn: "2025-09-01"},
			{ID: 2, Class: cref, Session: SessionRef{ID: 2, Name: "2024/2025"}, Status: "promoted", EnrolledOn: "2024-09-01", EndedOn: &ended}},
	}
	adm := Admission{ID: 8, FirstName: "Ben", LastName: "Otieno", Gender: "male", DateOfBirth: &dob,
		Form: FormRef{ID: 4, Name: "Form 1"}, GuardianName: "Mary", GuardianPhone: "+254700000001",
		GuardianEmail: "mary@example.org", Status: "accepted", AppliedOn: "2026-01-02", Notes: "From Hill Primary"}
	enrolled := adm
	enrolled.ID, enrolled.Status, enrolled.Student = 10, "enrolled", &sid
	applied := adm
	applied.ID, applied.Status = 11, "applied"
	pagetest.Cover(t, Module().Pages.Templates, map[string][]any{
		"students": {
			&studentListData{Rows: []Student{st.Student}, Pager: web.NewPager("/t/demo/students", nil, 3, 25, 260), Search: "am",
				Class: "1", Form: "2", Status: "active", ClassOptions: web.Grouped(opts), FormOptions: opts,
				StatusOptions: studentStatusOptions, ExportCSV: "/t/demo/api/core/students/export/?format=csv",
				ExportXLSX: "/t/demo/api/core/students/export/?format=xlsx", Filtered: true, CanWrite: true},
			&studentListData{Scoped: true}, &studentListData{CanWrite: true}},
		"student": {studentData{Student: st, CanWrite: true}},
		"student_new": {
			studentFormData{ClassOptions: web.Grouped(opts), GenderOptions: genderOptions, StatusOptions: studentStatusOptions,
				Session: "2025/2026", NextNo: "ADM/2026/0002"},
			studentFormData{GenderOptions: genderOptions}},
		"student_edit": {studentFormData{Student: &st, ClassOptions: web.Grouped(opts), GenderOptions: genderOptions,
			StatusOptions: studentStatusOptions, Session: "2025/2026"}},
		"admissions": {
			admissionListData{Rows: []Admission{adm, enrolled, applied}, Pager: web.NewPager("/t/demo/admissions", nil, 1, 25, 3),
				CanWrite: true, Tabs: []statusTab{{Label: "All", Href: "/t/demo/admissions", Active: true}}},
			admissionListData{}, admissionListData{Scoped: true}, admissionListData{Status: "accepted"}},
		"admission_form":   {admissionFormData{Admission: &enrolled, FormOptions: opts, GenderOptions: genderOptions}, admissionFormData{}},
		"admission_enroll": {admissionEnrollData{Admission: adm, ClassOptions: web.Grouped(opts), Session: "2025/2026", NextNo: "ADM/2026/0003"}},
	})
}
