package attendance

import (
	"testing"

	"github.com/schoolsms/sms/app/web"
	"github.com/schoolsms/sms/app/web/pagetest"
)

// TestPagesRender renders every attendance page with the data its handlers give it:
// open and closed days, marked and unmarked registers, with and without rights.
func TestPagesRender(t *testing.T) {
	class := ClassRef{ID: 3, Name: "Form 1A <b>", FormID: 1, FormName: "Form 1", SessionID: 1}
	absent, by, at := Absent, "Tess <T>", "2026-03-04T09:00:00.000Z"
	uid := int64(2)
	term := TermRef{ID: 1, Name: "Term 1", StartDate: "2026-01-05", EndDate: "2026-04-02"}
	entries := []Entry{
		{Student: 10, AdmissionNo: "A1", Name: "Achieng <O>", Status: &absent, Note: "Sick\nat home", MarkedBy: &uid, MarkedByName: &by, MarkedAt: &at},
		{Student: 11, AdmissionNo: "A2", Name: "Baraka"},
	}
	reg := Register{Class: class, Date: "2026-03-04", Term: &term, Open: true, Counts: Counts{Absent: 1, Unmarked: 1}, Entries: entries}
	rows := []registerRow{{Entry: entries[0], Status: Absent, Marked: true}, {Entry: entries[1], Status: Present, Error: "Bad <note>"}}
	closed := reg
	closed.Open, closed.ClosedReason = false, "is a Saturday; the school's working days are Monday to Friday"
	rate := 87.5
	p := Present
	sheet := Sheet{Class: class, Month: "2026-03", Days: []string{"2026-03-02", "2026-03-03"},
		Students: []SheetRow{{Student: StudentRef{ID: 10, AdmissionNo: "A1", Name: "Achieng <O>"}, Marks: []*string{&p, nil},
			Counts: Counts{Present: 1, Unmarked: 1}, Rate: &rate}},
		DayTotal: []DayTotal{{Date: "2026-03-02", Counts: Counts{Present: 1}}, {Date: "2026-03-03", Counts: Counts{Unmarked: 1}}}}
	session := "2026"
	ov := Overview{Date: "2026-03-04", SchoolDay: true, Session: &session, Unmarked: 1, Classes: []ClassDay{
		{Class: class, Students: 30, Marked: 30, State: "marked", Counts: Counts{Present: 28, Absent: 2}},
		{Class: class, Students: 30, State: "unmarked", Counts: Counts{Unmarked: 30}},
		{Class: class, Students: 30, Marked: 10, State: "partial"},
		{Class: class, State: "empty"}}}
	abs := AbsenteeList{Date: "2026-03-04", Count: 1, Results: []Absentee{{Student: StudentRef{ID: 10, Name: "Achieng <O>"},
		Class: class, Status: Absent, Note: "Sick", Guardians: []Contact{{Name: "Mama <A>", Relationship: "mother", Phone: "+254700000001"}}}}}
	days := []dayOption{{Value: "monday", Label: "Monday", On: true}, {Value: "sunday", Label: "Sunday"}}
	hol := []Holiday{{ID: 1, TermID: 1, TermName: "Term 1", Name: "Half <term>", StartDate: "2026-02-16", EndDate: "2026-02-20"}}
	pagetest.Cover(t, Module().Pages.Templates, map[string][]any{
		"attendance": {
			overviewData{Overview: ov, Date: "2026-03-04", Today: "2026-03-04", DateLabel: "Wednesday 4 March 2026", Absentees: &abs, CanMark: true, CanManage: true},
			overviewData{Overview: ov, Date: "2026-03-03", Today: "2026-03-04", Teacher: true, CanMark: true, DateError: "Bad <date>"},
			overviewData{Overview: Overview{Date: "2026-03-07", ClosedReason: "is a Saturday"}, Date: "2026-03-07", Today: "2026-03-07", Absentees: &AbsenteeList{}},
			overviewData{Overview: Overview{Date: "2026-03-04", SchoolDay: true}, Date: "2026-03-04", Today: "2026-03-04", Teacher: true},
		},
		"attendance_register": {
			registerData{Register: reg, Rows: rows, Date: "2026-03-04", DateLabel: "Wednesday", Today: "2026-03-04", Min: "2026-01-05", CanMark: true, Statuses: statusOptions(), Saved: true},
			registerData{Register: closed, Rows: rows, Date: "2026-03-07", Today: "2026-03-07", Statuses: statusOptions()},
			registerData{Register: Register{Class: class, Date: "2026-03-04"}, Date: "2026-03-04", Today: "2026-03-04", Statuses: statusOptions()},
		},
		"attendance_sheet": {
			sheetData{Sheet: sheet, MonthLabel: "March 2026", Prev: "2026-02", Next: "2026-04", DayLabels: []string{"Mon 2", "Tue 3"}, Export: "/t/demo/api/core/classes/3/tracking-sheet/?month=2026-03"},
			sheetData{Sheet: Sheet{Class: class, Month: "2026-08"}, MonthLabel: "August 2026"},
		},
		"attendance_calendar": {
			calendarData{Days: days, Working: "Monday", Holidays: hol, CanManage: true},
			calendarData{Days: days, Working: "Monday", Holidays: hol, CanManage: true, Editing: &hol[0],
				Terms: []web.OptionGroup{{Label: "2026", Options: []web.Option{{Value: "1", Label: "Term <1>"}}}}},
			calendarData{Days: days, Working: "Monday"},
		},
	})
}
