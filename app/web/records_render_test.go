package web

import (
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/studentimport"
	"github.com/schoolsms/sms/app/core/students"
)

// recordPages is the data the school record pages get from their handlers, for
// TestPagesRender: every tab of the academic setup, students, admissions and the import.
func recordPages() map[string]any {
	teacher, capacity, name, next := int64(2), int64(40), "Tess <T>", "2026-01-05"
	sess := academics.Session{ID: 1, Name: "2025/2026", StartDate: "2025-09-01", EndDate: "2026-07-31", IsCurrent: true}
	old := academics.Session{ID: 2, Name: "2024/2025", StartDate: "2024-09-01", EndDate: "2025-07-31"}
	class := academics.Class{ID: 3, FormID: 4, FormName: "Form 1", FormLevel: 1, SessionID: 1, SessionName: sess.Name, Name: "1A",
		ClassTeacherID: &teacher, ClassTeacherName: &name, Capacity: &capacity, StudentCount: 12}
	term := academics.Term{ID: 5, SessionID: 1, SessionName: sess.Name, Name: "Term 1", StartDate: "2025-09-01",
		EndDate: "2025-12-12", NextTermBegins: &next, IsCurrent: true}
	opts := []option{{Value: "1", Label: "One", Group: "Form 1"}, {Value: "2", Label: "Two <b>", Group: "Form 2"}}
	acad := func(tab string) academicsData {
		return academicsData{Tab: tab, CanWrite: true, Current: &sess, Session: &sess, SessionValue: "1",
			Sessions: []academics.Session{sess, old}, Tabs: []acadTab{{Key: tab, Label: "Tab", Href: "/t/demo/academics/" + tab, Active: true}},
			Terms: []academics.Term{term}, Forms: []academics.Form{{ID: 4, Name: "Form 1", Level: 1, LevelBlock: "Junior"}},
			Classes: []academics.Class{class}, Subjects: []academics.Subject{{ID: 6, Code: "MATH", Name: "Mathematics", IsCore: true}},
			Assignments: []academics.Assignment{{ID: 7, TeacherID: 2, TeacherName: name, ClassID: 3, ClassName: "1A", SessionID: 1,
				SessionName: sess.Name, SubjectID: 6, SubjectCode: "MATH", SubjectName: "Mathematics"}},
			SessionOptions: opts, FormOptions: opts, StaffOptions: opts, ClassOptions: grouped(opts), SubjectOptions: opts}
	}
	dob, ended, sid := "2014-03-31", "2025-07-31", int64(9)
	cref := students.ClassRef{ID: 3, Name: "1A", Form: students.FormRef{ID: 4, Name: "Form 1", Level: 1}}
	st := students.StudentDetail{
		Student: students.Student{ID: 9, AdmissionNo: "ADM/2026/0001", FirstName: "Amara", MiddleName: "N", LastName: "Okafor <x>",
			Gender: "female", DateOfBirth: &dob, Nationality: "Kenyan", HomeLanguage: "Swahili", Address: "Box 1\nNairobi",
			MedicalNotes: "Asthma", Status: "active", AdmittedOn: "2025-09-01", CurrentClass: &cref},
		Guardians: []students.StudentGuardian{{ID: 1, Name: "Grace Okafor", Relationship: "Mother", Phone: "+254712345678",
			Email: "grace@example.org", IsPrimary: true}, {ID: 2, Name: "Paul"}},
		Enrollments: []students.Enrollment{
			{ID: 1, Class: cref, Session: students.SessionRef{ID: 1, Name: sess.Name, IsCurrent: true}, Status: "active", EnrolledOn: "2025-09-01"},
			{ID: 2, Class: cref, Session: students.SessionRef{ID: 2, Name: old.Name}, Status: "promoted", EnrolledOn: "2024-09-01", EndedOn: &ended}},
	}
	p := newPager("/t/demo/students", nil, 3, 25, 260)
	adm := students.Admission{ID: 8, FirstName: "Ben", LastName: "Otieno", Gender: "male", DateOfBirth: &dob,
		Form: students.FormRef{ID: 4, Name: "Form 1"}, GuardianName: "Mary", GuardianPhone: "+254700000001",
		GuardianEmail: "mary@example.org", Status: "accepted", AppliedOn: "2026-01-02", Notes: "From Hill Primary"}
	enrolled := adm
	enrolled.ID, enrolled.Status, enrolled.Student = 10, "enrolled", &sid
	applied := adm
	applied.ID, applied.Status = 11, "applied"
	formData := studentFormData{Student: &st, ClassOptions: grouped(opts), GenderOptions: genderOptions,
		StatusOptions: studentStatusOptions, Session: sess.Name}
	return map[string]any{
		"academics":        acad("classes"),
		"academic_term":    termEditData{Term: term},
		"academic_class":   classEditData{Class: class, FormOptions: opts, StaffOptions: opts},
		"students":         &studentListData{Rows: []students.Student{st.Student}, Pager: p, Search: "am", Class: "1", Form: "2", Status: "active", ClassOptions: grouped(opts), FormOptions: opts, StatusOptions: studentStatusOptions, ExportCSV: "/t/demo/api/core/students/export/?format=csv", ExportXLSX: "/t/demo/api/core/students/export/?format=xlsx", Filtered: true, CanWrite: true},
		"student":          studentData{Student: st, CanWrite: true},
		"student_new":      studentFormData{ClassOptions: grouped(opts), GenderOptions: genderOptions, StatusOptions: studentStatusOptions, Session: sess.Name, NextNo: "ADM/2026/0002"},
		"student_edit":     formData,
		"student_import":   importData{Columns: studentimport.Columns, Checked: true, FileName: "list.csv", Result: studentimport.Result{Errors: []studentimport.Problem{{Row: 2, Column: "gender", Message: "must be male <or> female"}}}},
		"admissions":       admissionListData{Rows: []students.Admission{adm, enrolled, applied}, Pager: newPager("/t/demo/admissions", nil, 1, 25, 3), CanWrite: true, Tabs: []statusTab{{Label: "All", Href: "/t/demo/admissions", Active: true}}},
		"admission_form":   admissionFormData{Admission: &enrolled, FormOptions: opts, GenderOptions: genderOptions},
		"admission_enroll": admissionEnrollData{Admission: adm, ClassOptions: grouped(opts), Session: sess.Name, NextNo: "ADM/2026/0003"},
	}
}

// recordPageVariants are further data for the same pages: the other academic tabs,
// empty lists, a clean import check.
func recordPageVariants() map[string][]any {
	acadTab := func(tab string) any {
		d := recordPages()["academics"].(academicsData)
		d.Tab = tab
		return d
	}
	return map[string][]any{
		"academics": {acadTab("sessions"), acadTab("terms"), acadTab("forms"), acadTab("subjects"), acadTab("assignments"),
			academicsData{Tab: "terms"}, academicsData{Tab: "classes", CanWrite: true}, academicsData{Tab: "sessions", CanWrite: true}},
		"students":       {&studentListData{Scoped: true}, &studentListData{CanWrite: true}},
		"student_new":    {studentFormData{GenderOptions: genderOptions}},
		"student_import": {importData{Columns: studentimport.Columns, Checked: true, FileName: "a.csv", File: "YQ==", Total: 2, Result: studentimport.Result{Created: 1, Updated: 1}}, importData{Done: true, Created: 3}},
		"admissions":     {admissionListData{}, admissionListData{Scoped: true}, admissionListData{Status: "accepted"}},
		"admission_form": {admissionFormData{}},
	}
}
