package students

import (
	"testing"

	"github.com/schoolsms/sms/app/core/attendance"
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
	rate := 87.5
	marked := attendance.Summary{Term: attendance.TermRef{ID: 1, Name: "Term <1>", StartDate: "2026-01-05", EndDate: "2026-04-02"},
		SchoolDays: 45, DaysMarked: 40, Present: 33, Absent: 4, Late: 2, Excused: 1, Rate: &rate}
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
				ExportXLSX: "/t/demo/api/core/students/export/?format=xlsx", Filtered: true, CanWrite: true,
				Phones: map[int64]string{st.ID: "+254712345678"}, PageSize: 50, PageSizes: web.PageSizes,
				Sort:   web.SortColumns("/t/demo/students", nil, StudentOrdering.Default(), map[string]string{"Name": "last_name", "Admission no.": "admission_no"}),
				SortBy: web.SortChoices(StudentOrdering.Default(), StudentOrdering.Default(), web.SortField{Label: "Name", Field: "last_name", Asc: "A to Z", Desc: "Z to A"})},
			&studentListData{Scoped: true}, &studentListData{CanWrite: true}},
		"student": {studentData{Student: st, CanWrite: true}, studentData{Student: st, Attendance: &attendanceCard{Summary: &marked,
			Terms: web.Grouped(opts), Term: "1"}}, studentData{Student: st, Attendance: &attendanceCard{Summary: &attendance.Summary{
			Term: marked.Term}}}, studentData{Student: st, Attendance: &attendanceCard{Problem: "There is no current term; choose a term."}}},
		"student_new": {
			studentFormData{ClassOptions: web.Grouped(opts), GenderOptions: genderOptions, StatusOptions: studentStatusOptions,
				Session: "2025/2026", NextNo: "ADM/2026/0002"},
			studentFormData{GenderOptions: genderOptions}},
		"student_edit": {studentFormData{Student: &StudentDetail{Student: st.Student}}, studentFormData{Student: &st, ClassOptions: web.Grouped(opts), GenderOptions: genderOptions,
			StatusOptions: studentStatusOptions, Session: "2025/2026"}},
		"admissions": {
			admissionListData{Rows: []Admission{adm, enrolled, applied}, Pager: web.NewPager("/t/demo/admissions", nil, 1, 25, 3),
				CanWrite: true, Tabs: []statusTab{{Label: "All", Href: "/t/demo/admissions", Active: true}},
				Sort: web.SortColumns("/t/demo/admissions", nil, AdmissionOrdering.Default(), map[string]string{"Applicant": "last_name",
					"Applied": "applied_on", "Status": "status"})},
			admissionListData{}, admissionListData{Scoped: true}, admissionListData{Status: "accepted"}},
		"admission_form": {admissionFormData{Admission: &enrolled, FormOptions: opts, GenderOptions: genderOptions}, admissionFormData{}},
		"student_guardian": {guardianEditData{Student: st, Guardian: StudentGuardian{ID: 9, Name: "Mama <Amina>", IsPrimary: true},
			Others: []GuardianStudent{{StudentRef: StudentRef{ID: 3, Name: "Baraka"}}}}, guardianEditData{Student: st}},
		"promotions": {promotionData{}, promotionData{SessionOptions: opts, From: "1"},
			promotionData{SessionOptions: opts, From: "1", To: "2", Actions: promotionActions, ClassOptions: web.Grouped(opts),
				Problems: []string{"2A would have 50 students for 45 places"},
				Plan: &PromotionPlan{FromSession: SessionRef{Name: "2025/2026"}, ToSession: SessionRef{Name: "2026/2027"},
					Counts:   map[string]int{"promote": 1, "skip": 1},
					Students: []PromotionRow{{Student: StudentRef{ID: 1, Name: "Amina <b>"}}},
					Classes:  []PromotionClass{{Class: ClassRef{Name: "2A"}, Enrolled: 40, Incoming: 10, OverCapacity: true}}},
				Groups: []promotionGroup{{Class: "1A", Rows: []promotionRowView{
					{PromotionRow: PromotionRow{Student: StudentRef{ID: 1, Name: "Amina"}, Action: ActionPromote, Overridden: true}, ID: "1", ToValue: "2"},
					{PromotionRow: PromotionRow{Student: StudentRef{ID: 2, Name: "Baraka"}, Action: ActionSkip, Problem: "already enrolled"}, ID: "2"},
					{PromotionRow: PromotionRow{Student: StudentRef{ID: 3, Name: "Chep"}, Action: ActionGraduate, Problem: "no class"}, ID: "3"}}}}},
			promotionData{SessionOptions: opts, From: "1", To: "2", Plan: &PromotionPlan{}}},
		"admission_enroll": {admissionEnrollData{Admission: adm, ClassOptions: web.Grouped(opts), Session: "2025/2026", NextNo: "ADM/2026/0003"}},
	})
}
