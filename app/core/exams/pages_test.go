package exams

import (
	"testing"

	"github.com/schoolsms/sms/app/web"
	"github.com/schoolsms/sms/app/web/pagetest"
)

// TestPagesRender renders every page of the module with the data its handlers give it,
// with and without rights and data.
func TestPagesRender(t *testing.T) {
	teacher := int64(3)
	pos1, pos2 := 1, 2
	mean, pts := 72.5, 10.0
	pick := picker{Term: 1, Class: 2, TermValue: "1", ClassValue: "2",
		Terms:   []web.Option{{Value: "1", Label: "Term 1 · 2026"}},
		Classes: web.Grouped([]web.Option{{Value: "2", Label: "4 East <E>", Group: "Form 4"}}),
		Forms:   []web.Option{{Value: "4", Label: "Form 4"}}}
	a := Assessment{ID: 7, TermID: 1, TermName: "Term 1", ClassID: 2, ClassName: "4 East", SubjectID: 5, SubjectName: "English <b>",
		TeacherID: &teacher, TeacherName: "Tess", Name: "CAT 1", Kind: "test", Date: "2026-02-10", MaxScore: 30, Weight: 30, Marked: 1,
		Status: StatusDraft}
	sheet := MarkSheet{Assessment: a, Rows: []SheetRow{{StudentID: 9, AdmissionNo: "A1", Name: "Zoë Ñúñez", Score: Score(25.5)},
		{StudentID: 10, AdmissionNo: "A2", Name: "Brian", Score: Absent}}}
	locked := sheet
	locked.Locked = true
	res := Results{Term: TermRef{ID: 1, Name: "Term 1", Session: "2026"}, Form: Ref{ID: 4, Name: "Form 4"}, Class: &Ref{ID: 2, Name: "4 East"},
		Scale: Ref{ID: 1, Name: "Standard"}, Absent: AbsentZero, Subjects: []SubjectRef{{ID: 5, Code: "ENG", Name: "English"}},
		Students: []StudentResult{{StudentID: 9, Name: "Zoë", Subjects: []SubjectResult{{SubjectID: 5, Code: "ENG", Percent: 72.5, Grade: "B+"}},
			SubjectsTaken: 1, Total: 72.5, MeanPercent: &mean, MeanPoints: &pts, MeanGrade: "B+", ClassPosition: &pos1, FormPosition: &pos2}},
		Summaries: []SubjectSummary{{SubjectID: 5, Code: "ENG", Name: "English", Students: 1, Mean: &mean, Highest: &mean, Lowest: &mean,
			Grades: []GradeCount{{Grade: "A", Count: 0}, {Grade: "B+", Count: 1}}, Teachers: []TeacherSummary{{TeacherID: &teacher, TeacherName: "Tess", Mean: &mean}}}}}
	rd := resultsData{Pick: pick, Results: &res, Sheet: BroadsheetOf(res), QueryString: "term=1&class=2"}
	rd.Cells = [][]string{{"1", "A1", "Zoë", "4 East", "72.5", "B+", "1", "72.5", "72.5", "10", "B+", "1", "2"}}
	card := ReportCard{School: CardSchool{Name: "Alpha", Motto: "Learn <well>"}, Student: CardStudent{ID: 9, Name: "Zoë Ñúñez", ClassID: 2, ClassName: "4 East"},
		Term: TermRef{ID: 1, Name: "Term 1"}, Status: StatusComments,
		Subjects: []CardSubject{{SubjectResult: SubjectResult{Code: "ENG", Name: "English", Percent: 72.5, Grade: "B+", ClassPosition: 1, ClassOf: 3,
			Marks: []AssessmentMark{{Name: "CAT 1", MaxScore: 30, Score: Score(20)}, {Name: "End", MaxScore: 100}}}, Teacher: "Tess"}},
		MeanPercent: &mean, MeanPoints: &pts, MeanGrade: "B+", ClassPosition: &pos1, ClassOf: 3,
		Attendance: &AttendanceSummary{Days: 60, Present: 58, Absent: 2, Rate: 96.7}, ClassTeacherComment: "Good <work>"}
	published := card
	published.Status = StatusPublished
	cc := ClassCards{Term: TermRef{ID: 1, Name: "Term 1"}, Class: Ref{ID: 2, Name: "4 East"}, Status: StatusComments,
		Cards: []CardLine{{StudentID: 9, Name: "Zoë", SubjectsTaken: 1, MeanPercent: &mean, MeanGrade: "B+", ClassPosition: &pos1}}}
	pub := cc
	pub.Status = StatusPublished
	draft := cc
	draft.Status = StatusDraft
	draft.Cards = nil
	pagetest.Cover(t, Module().Pages.Templates, map[string][]any{
		"exams": {homeData{Pick: pick, Groups: []subjectGroup{{Subject: "English", Teacher: "Tess", Assessments: []Assessment{a}}},
			CanAssess: true, Subjects: []web.Option{{Value: "5", Label: "English"}}, Kinds: Kinds, Status: StatusDraft},
			homeData{Pick: pick}, homeData{}},
		"exams_sheet":   {sheetData{Sheet: sheet, Rows: []sheetRow{{SheetRow: sheet.Rows[0], Value: "25.5"}, {SheetRow: sheet.Rows[1], Value: "12,5", Error: "write 12.5"}}, CanSave: true, MaxScore: "30"}, sheetData{Sheet: locked}},
		"exams_results": {rd, resultsData{Pick: pick}, resultsData{}},
		"exams_cards": {cardsData{Pick: pick, Cards: &cc, CanComment: true, CanManage: true, Missing: map[string]string{"subjects.KIS": "Kiswahili has none"}},
			cardsData{Pick: pick, Cards: &pub, CanComment: true, CanManage: true}, cardsData{Pick: pick, Cards: &draft, CanComment: true}, cardsData{}},
		"exams_card": {cardData{Card: card, CanComment: true, CanHead: true}, cardData{Card: published}, cardData{Card: card, CanComment: true}},
	})
}
