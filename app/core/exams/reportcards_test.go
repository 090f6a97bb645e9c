package exams_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/schoolsms/sms/app/core/exams"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
)

func workflow(term, class int64, status string, force bool) map[string]any {
	return map[string]any{"term": term, "class": class, "status": status, "force": force}
}

func TestReportCardWorkflow(t *testing.T) {
	r := newResultsSchool(t)
	cardPath := "/api/core/report-cards/" + id(r.amina) + "?term=" + id(r.term.ID)
	comments := "/api/core/report-cards/" + id(r.amina) + "/comments"

	card := r.ok("classteacher", "GET", cardPath, nil, 200)
	assert.Equal(t, "draft", card["status"])
	assert.Equal(t, "Alpha High School", card["school"].(map[string]any)["name"])
	assert.Equal(t, "2026-04-27", card["next_term_begins"])
	assert.Nil(t, card["attendance"], "no attendance source is wired")

	// only the class teacher (or an admin) moves the class to comments
	r.refused("ENG", "POST", "/api/core/report-cards/workflow", workflow(r.term.ID, r.east.ID, "comments", false), 403)
	moved := r.ok("classteacher", "POST", "/api/core/report-cards/workflow", workflow(r.term.ID, r.east.ID, "comments", false), 200)
	assert.EqualValues(t, 8, moved["filled"], "both comments of four students come from the comment bank")
	card = r.ok("admin", "GET", cardPath, nil, 200)
	assert.Equal(t, "Excellent effort; aim for the very top.", card["class_teacher_comment"], "Amina's mean grade is A-")

	r.ok("classteacher", "PUT", comments, map[string]any{"term": r.term.ID, "class_teacher_comment": "A steady term, Amina."}, 200)
	r.refused("classteacher", "PUT", comments, map[string]any{"term": r.term.ID, "head_teacher_comment": "Mine."}, 403)
	r.refused("ENG", "PUT", comments, map[string]any{"term": r.term.ID, "class_teacher_comment": "Mine."}, 403)
	r.refused("admin", "PUT", comments, map[string]any{"term": r.term.ID, "class_teacher_comment": strings.Repeat("x", 1001)}, 400)
	r.ok("admin", "PUT", comments, map[string]any{"term": r.term.ID, "head_teacher_comment": "Well done."}, 200)
	r.ok("ENG", "PUT", "/api/core/report-cards/"+id(r.amina)+"/remarks", map[string]any{"term": r.term.ID, "subject": r.eng.ID, "remark": "Reads widely."}, 200)
	r.refused("ENG", "PUT", "/api/core/report-cards/"+id(r.amina)+"/remarks", map[string]any{"term": r.term.ID, "subject": r.mat.ID, "remark": "Not mine."}, 403)

	// nothing is published yet: parents and the bot see nothing
	r.svc(func(ctx context.Context, s exams.Service) error {
		_, err := s.LatestPublishedResults(ctx, r.amina)
		assert.Equal(t, errs.NotFound, errs.CodeOf(err))
		_, err = s.PublishedReportCardPDF(ctx, r.amina, 0)
		assert.Equal(t, errs.NotFound, errs.CodeOf(err))
		return nil
	})

	// Kiswahili has no assessment in 4 East: publishing names what is missing
	f := r.refused("admin", "POST", "/api/core/report-cards/workflow", workflow(r.term.ID, r.east.ID, "published", false), 409)
	assert.Equal(t, []string{"subjects.KIS"}, keys(f))
	r.refused("classteacher", "POST", "/api/core/report-cards/workflow", workflow(r.term.ID, r.east.ID, "published", true), 403)
	pub := r.ok("admin", "POST", "/api/core/report-cards/workflow", workflow(r.term.ID, r.east.ID, "published", true), 200)
	assert.NotEmpty(t, pub["published_at"])

	card = r.ok("viewer", "GET", cardPath, nil, 200)
	assert.Equal(t, "published", card["status"])
	assert.Equal(t, "A steady term, Amina.", card["class_teacher_comment"])
	assert.Equal(t, "Well done.", card["head_teacher_comment"])
	for _, s := range card["subjects"].([]any) {
		if s.(map[string]any)["code"] == "ENG" {
			assert.Equal(t, "Reads widely.", s.(map[string]any)["remark"])
		}
	}
	r.refused("classteacher", "PUT", comments, map[string]any{"term": r.term.ID, "class_teacher_comment": "Late."}, 409)

	r.svc(func(ctx context.Context, s exams.Service) error {
		res, err := s.LatestPublishedResults(ctx, r.amina)
		require.NoError(t, err)
		assert.Equal(t, "Amina Otieno", res.StudentName)
		assert.Equal(t, "Term 1", res.Term.Name)
		assert.Equal(t, "A-", res.MeanGrade)
		assert.Equal(t, 2, pos(res.ClassPosition))
		assert.Len(t, res.Subjects, 2)
		b, err := s.PublishedReportCardPDF(ctx, r.amina, 0)
		require.NoError(t, err)
		assert.Contains(t, pdfText(t, b), "Amina Otieno")
		// 4 West is not published: Esther has nothing
		_, err = s.LatestPublishedResults(ctx, r.esther)
		assert.Equal(t, errs.NotFound, errs.CodeOf(err))
		return nil
	})

	// an admin unpublishes; the bot sees nothing again
	r.ok("admin", "POST", "/api/core/report-cards/workflow", workflow(r.term.ID, r.east.ID, "comments", false), 200)
	r.svc(func(ctx context.Context, s exams.Service) error {
		_, err := s.LatestPublishedResults(ctx, r.amina)
		assert.Equal(t, errs.NotFound, errs.CodeOf(err))
		return nil
	})
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// pdfText is the text of a PDF as poppler's pdftotext extracts it (-layout keeps a
// table row on one line).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext (poppler-utils) is needed to read the report cards back")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "card.pdf")
	require.NoError(t, os.WriteFile(in, pdf, 0o600))
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", in, "-").CombinedOutput()
	require.NoError(t, err, string(out))
	return string(out)
}

func TestReportCardPDF(t *testing.T) {
	w := newSchool(t)
	ids := w.students(w.east, "Zoë Ñúñez", "Łukasz Nguyễn", "Brian Kamau")
	eng := w.assessment(w.east, w.eng, "End of term", 100, 1)
	mat := w.assessment(w.east, w.mat, "End of term", 100, 1)
	kis := w.assessment(w.east, w.kis, "End of term", 100, 1)
	w.marks(eng, map[int64]exams.Mark{ids[0]: exams.Score(81), ids[1]: exams.Score(64), ids[2]: exams.Score(64)})
	w.marks(mat, map[int64]exams.Mark{ids[0]: exams.Score(47.5), ids[1]: exams.Score(90), ids[2]: exams.Score(12)})
	w.marks(kis, map[int64]exams.Mark{ids[0]: exams.Score(70), ids[1]: exams.Absent, ids[2]: exams.Exempt})

	_, hdr, b := w.as("classteacher").Do("GET", "/api/core/report-cards/"+id(ids[0])+"/pdf?term="+id(w.term.ID), "", nil)
	require.Equal(t, "application/pdf", hdr.Get("Content-Type"), string(b))
	text := pdfText(t, b)
	for _, want := range []string{"Alpha High School", "Zoë Ñúñez", "4 East", "Term 1", "DRAFT",
		"English", "81.0", "Mathematics", "47.5", "Kiswahili", "70.0", "Next term begins: 27/04/2026"} {
		assert.Contains(t, text, want)
	}
	// each subject row: name, %, grade and position on one line
	assert.Regexp(t, `English\s.*81\.0\s+A\s+1 of 3`, text)
	assert.Regexp(t, `Mathematics\s.*47\.5\s+C-\s+2 of 3`, text)
	assert.Regexp(t, `Kiswahili\s.*70\.0\s+B\+\s+1 of 2`, text)

	// a class: one page per student
	status, hdr, b := w.as("admin").Do("GET", "/api/core/report-cards/pdf?term="+id(w.term.ID)+"&class="+id(w.east.ID), "", nil)
	require.Equal(t, 200, status, string(b))
	require.Equal(t, "application/pdf", hdr.Get("Content-Type"))
	pages := strings.Split(strings.TrimRight(pdfText(t, b), "\f"), "\f")
	require.Len(t, pages, 3)
	assert.Contains(t, pages[0]+pages[1]+pages[2], "Łukasz Nguyễn")
	for _, p := range pages {
		assert.Equal(t, 1, strings.Count(p, "STUDENT REPORT CARD"))
	}
	// a teacher who neither teaches nor leads the class gets no card
	w.refused("other", "GET", "/api/core/report-cards/"+id(ids[0])+"/pdf?term="+id(w.term.ID), nil, 403)
}

func TestBroadsheetFormats(t *testing.T) {
	r := newResultsSchool(t)
	// a name that a spreadsheet would run as a formula
	evil := r.students(r.west, "=HYPERLINK(\"x\") Mwangi")[0]
	wm := r.assessment(r.west, r.mat, "Quiz", 10, 1)
	r.marks(wm, map[int64]exams.Mark{evil: exams.Score(5)})

	base := "/api/core/results/broadsheet?term=" + id(r.term.ID) + "&form=" + id(r.form.ID)
	js := r.ok("viewer", "GET", base, nil, 200)
	cols := js["columns"].([]any)
	assert.Equal(t, []any{"position", "admission_no", "name", "class", "ENG", "ENG grade", "MAT", "MAT grade",
		"subjects", "total", "mean_percent", "mean_points", "mean_grade", "class_position", "form_position"}, cols)
	assert.Len(t, js["rows"], 6, "five students and the one added; Kiswahili has no assessment, so no column")

	status, hdr, csv := r.as("viewer").Do("GET", base+"&format=csv", "", nil)
	require.Equal(t, 200, status, string(csv))
	assert.Contains(t, hdr.Get("Content-Type"), "text/csv")
	assert.Contains(t, hdr.Get("Content-Disposition"), "form-4")
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	require.Len(t, lines, 7)
	assert.Contains(t, string(csv), `"'=HYPERLINK`, "formula-safe")
	assert.Contains(t, lines[1], `"Dan Ouma"`)

	status, _, xl := r.as("viewer").Do("GET", base+"&format=xlsx", "", nil)
	require.Equal(t, 200, status)
	f, err := excelize.OpenReader(bytes.NewReader(xl))
	require.NoError(t, err)
	defer f.Close()
	rows, err := f.GetRows("Broadsheet")
	require.NoError(t, err)
	var found bool
	for i, row := range rows {
		if len(row) > 2 && row[2] == "Dan Ouma" {
			found = true
			typ, err := f.GetCellType("Broadsheet", "G"+id(int64(i+1))) // MAT percent
			require.NoError(t, err)
			assert.NotEqual(t, excelize.CellTypeSharedString, typ, "a percentage is a number")
			v, _ := f.GetCellValue("Broadsheet", "G"+id(int64(i+1)))
			assert.Equal(t, "78", v)
		}
		for j := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			formula, _ := f.GetCellFormula("Broadsheet", cell)
			assert.Empty(t, formula, cell)
		}
	}
	assert.True(t, found)
	r.refused("viewer", "GET", base+"&format=pdf", nil, 400)
}

// TestSchoolsAreIsolated: one school's people, ids and tokens reach nothing of another.
func TestSchoolsAreIsolated(t *testing.T) {
	r := newResultsSchool(t)
	beta := setUp(t, r.s, "beta")
	betaIDs := beta.students(beta.east, "Bella Beta")
	ba := beta.assessment(beta.east, beta.eng, "CAT 1", 30, 1)

	// alpha's admin token on beta's host is no one there
	alphaOnBeta := *r.as("admin")
	alphaOnBeta.Host = "beta.localhost"
	status, _ := alphaOnBeta.JSON("GET", "/api/core/results?class="+id(beta.east.ID), nil)
	assert.Equal(t, 401, status)

	// beta's sheet refuses alpha's students, even with the same ids
	f := beta.refused("admin", "PUT", "/api/core/assessments/"+id(ba.ID)+"/scores",
		map[string]any{"scores": []map[string]any{{"student": r.amina, "score": 3}, {"student": betaIDs[0], "score": 4}}}, 400)
	if r.amina != betaIDs[0] {
		assert.Contains(t, f, "scores[0]")
	}
	// beta sees its own results only
	res := beta.ok("admin", "GET", "/api/core/results?class="+id(beta.east.ID), nil, 200)
	require.Len(t, res["students"], 1)
	assert.Equal(t, "Bella Beta", res["students"].([]any)[0].(map[string]any)["name"])
	// alpha's published card is not beta's
	r.ok("admin", "POST", "/api/core/report-cards/workflow", workflow(r.term.ID, r.east.ID, "published", true), 200)
	beta.svc(func(ctx context.Context, s exams.Service) error {
		got, err := s.LatestPublishedResults(ctx, r.amina)
		if err == nil {
			assert.NotEqual(t, "Amina Otieno", got.StudentName)
		}
		return nil
	})
}

// TestReportCardSources: the attendance section and the logo show only when the
// appliance wires a source for them.
func TestReportCardSources(t *testing.T) {
	r := newResultsSchool(t)
	var logo bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	require.NoError(t, png.Encode(&logo, img))
	src := exams.Sources{
		Attendance: func(_ context.Context, _ *db.Tenant, student, term int64) (exams.AttendanceSummary, bool, error) {
			if student != r.amina || term != r.term.ID {
				return exams.AttendanceSummary{}, false, nil
			}
			return exams.AttendanceSummary{Days: 60, Present: 57, Absent: 2, Late: 1, Rate: 96.7}, true, nil
		},
		Logo: func(context.Context, *db.Tenant) ([]byte, error) { return logo.Bytes(), nil },
	}
	r.do(func(ctx context.Context, tn *db.Tenant) error {
		s := exams.NewWith(src)(tn)
		card, err := s.ReportCard(ctx, exams.Viewer{}, r.amina, r.term.ID)
		require.NoError(t, err)
		require.NotNil(t, card.Attendance)
		assert.Equal(t, 57, card.Attendance.Present)
		assert.True(t, card.School.HasLogo)
		b, err := s.ReportCardPDF(ctx, exams.Viewer{}, r.amina, r.term.ID)
		require.NoError(t, err)
		assert.Contains(t, pdfText(t, b), "60 days: present 57, absent 2, late 1")

		other, err := s.ReportCard(ctx, exams.Viewer{}, r.brian, r.term.ID)
		require.NoError(t, err)
		assert.Nil(t, other.Attendance, "no attendance recorded for Brian")

		plain, err := exams.New(tn).ReportCard(ctx, exams.Viewer{}, r.amina, r.term.ID)
		require.NoError(t, err)
		assert.Nil(t, plain.Attendance)
		assert.False(t, plain.School.HasLogo)
		return nil
	})
}
