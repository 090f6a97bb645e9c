package academics

import (
	"testing"

	"github.com/schoolsms/sms/app/web"
	"github.com/schoolsms/sms/app/web/pagetest"
)

// TestPagesRender renders every page of the academic setup with the data its handlers
// give it: every tab, with and without rights and data.
func TestPagesRender(t *testing.T) {
	teacher, capacity, name, next := int64(2), int64(40), "Tess <T>", "2026-01-05"
	sess := Session{ID: 1, Name: "2025/2026", StartDate: "2025-09-01", EndDate: "2026-07-31", IsCurrent: true}
	old := Session{ID: 2, Name: "2024/2025", StartDate: "2024-09-01", EndDate: "2025-07-31"}
	class := Class{ID: 3, FormID: 4, FormName: "Form 1", FormLevel: 1, SessionID: 1, SessionName: sess.Name, Name: "1A",
		ClassTeacherID: &teacher, ClassTeacherName: &name, Capacity: &capacity, StudentCount: 12}
	term := Term{ID: 5, SessionID: 1, SessionName: sess.Name, Name: "Term 1", StartDate: "2025-09-01",
		EndDate: "2025-12-12", NextTermBegins: &next, IsCurrent: true}
	opts := []web.Option{{Value: "1", Label: "One", Group: "Form 1"}, {Value: "2", Label: "Two <b>", Group: "Form 2"}}
	tab := func(tab string) academicsData {
		return academicsData{Tab: tab, CanWrite: true, Current: &sess, Session: &sess, SessionValue: "1",
			Sessions: []Session{sess, old}, Tabs: []acadTab{{Key: tab, Label: "Tab", Href: "/t/demo/academics/" + tab, Active: true}},
			Terms: []Term{term}, Forms: []Form{{ID: 4, Name: "Form 1", Level: 1, LevelBlock: "Junior"}},
			Classes: []Class{class}, Subjects: []Subject{{ID: 6, Code: "MATH", Name: "Mathematics", IsCore: true}},
			Assignments: []Assignment{{ID: 7, TeacherID: 2, TeacherName: name, ClassID: 3, ClassName: "1A", SessionID: 1,
				SessionName: sess.Name, SubjectID: 6, SubjectCode: "MATH", SubjectName: "Mathematics"}},
			SessionOptions: opts, FormOptions: opts, StaffOptions: opts, ClassOptions: web.Grouped(opts), SubjectOptions: opts}
	}
	pagetest.Cover(t, Module().Pages.Templates, map[string][]any{
		"academics": {tab("classes"), tab("sessions"), tab("terms"), tab("forms"), tab("subjects"), tab("assignments"),
			academicsData{Tab: "terms"}, academicsData{Tab: "classes", CanWrite: true}, academicsData{Tab: "sessions", CanWrite: true}},
		"academic_term":  {termEditData{Term: term}},
		"academic_class": {classEditData{Class: class, FormOptions: opts, StaffOptions: opts}},
	})
}
