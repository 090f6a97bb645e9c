package exams

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/schoolsms/sms/app/errs"
)

// Report cards are drawn with the Go fonts (embedded as TrueType, subset into each
// file), so every name a school writes renders: Zoë Ñúñez, Łukasz, Nguyễn.
const font = "go"

// Page geometry, in millimetres (A4 portrait).
const (
	pageMargin = 12.0
	pageWidth  = 210.0 - 2*pageMargin
)

// writeCardsPDF draws cards, one per page, into one document.
func writeCardsPDF(cards []ReportCard) ([]byte, error) {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetMargins(pageMargin, pageMargin, pageMargin)
	p.SetAutoPageBreak(true, pageMargin)
	p.AddUTF8FontFromBytes(font, "", goregular.TTF)
	p.AddUTF8FontFromBytes(font, "B", gobold.TTF)
	p.AddUTF8FontFromBytes(font, "I", goitalic.TTF)
	p.SetTitle("Report cards", true)
	p.SetCreator("SMS", true)
	logo := ""
	if len(cards) > 0 && len(cards[0].logo) > 0 {
		logo = registerLogo(p, cards[0].logo)
	}
	if len(cards) == 0 {
		p.AddPage()
		p.SetFont(font, "", 11)
		p.CellFormat(0, 8, "No report cards.", "", 1, "L", false, 0, "")
	}
	for _, c := range cards {
		drawCard(p, c, logo)
	}
	if err := p.Error(); err != nil {
		return nil, errs.Wrap(err, "draw report cards")
	}
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		return nil, errs.Wrap(err, "write report cards")
	}
	return b.Bytes(), nil
}

// registerLogo adds the school's logo to the document; "" when it is no PNG or JPEG
// (the cards are then drawn without it rather than not at all).
func registerLogo(p *fpdf.Fpdf, img []byte) string {
	var typ string
	switch http.DetectContentType(img) {
	case "image/png":
		typ = "PNG"
	case "image/jpeg":
		typ = "JPG"
	default:
		return ""
	}
	info := p.RegisterImageOptionsReader("logo", fpdf.ImageOptions{ImageType: typ}, bytes.NewReader(img))
	if info == nil || p.Err() {
		p.ClearError()
		return ""
	}
	return "logo"
}

func drawCard(p *fpdf.Fpdf, c ReportCard, logo string) {
	p.AddPage()
	top := p.GetY()
	if logo != "" {
		p.ImageOptions(logo, pageMargin, top, 22, 0, false, fpdf.ImageOptions{}, 0, "")
	}
	p.SetFont(font, "B", 16)
	p.CellFormat(0, 8, fitText(p, c.School.Name, pageWidth-50), "", 1, "C", false, 0, "")
	if c.School.Motto != "" {
		p.SetFont(font, "I", 9.5)
		p.CellFormat(0, 5, fitText(p, c.School.Motto, pageWidth-50), "", 1, "C", false, 0, "")
	}
	p.SetFont(font, "B", 11.5)
	p.CellFormat(0, 7, "STUDENT REPORT CARD", "", 1, "C", false, 0, "")
	p.SetFont(font, "", 10)
	p.CellFormat(0, 5, c.Term.Name+" · "+c.Term.Session, "", 1, "C", false, 0, "")
	if !c.Published() {
		p.SetTextColor(180, 30, 30)
		p.SetFont(font, "B", 9)
		p.CellFormat(0, 5, "DRAFT — not published", "", 1, "C", false, 0, "")
		p.SetTextColor(0, 0, 0)
	}
	if y := top + 24; logo != "" && p.GetY() < y {
		p.SetY(y)
	}
	p.Ln(2)
	p.SetDrawColor(60, 60, 60)
	p.Line(pageMargin, p.GetY(), pageMargin+pageWidth, p.GetY())
	p.Ln(2)

	field := func(label, value string, w float64) {
		p.SetFont(font, "", 8.5)
		p.SetTextColor(90, 90, 90)
		lw := p.GetStringWidth(label) + 2
		p.CellFormat(lw, 6, label, "", 0, "L", false, 0, "")
		p.SetTextColor(0, 0, 0)
		p.SetFont(font, "B", 10)
		p.CellFormat(w-lw, 6, fitText(p, value, w-lw), "", 0, "L", false, 0, "")
	}
	third := pageWidth / 3
	field("Name", c.Student.Name, 2*third)
	field("Adm. no.", c.Student.AdmissionNo, third)
	p.Ln(6)
	field("Class", c.Student.ClassName, third)
	field("Form", c.Student.FormName, third)
	field("Class teacher", orDash(c.Student.ClassTeacher), third)
	p.Ln(6)
	field("Position in class", position(c.ClassPosition, c.ClassOf), third)
	field("Position in form", position(c.FormPosition, c.FormOf), third)
	field("Mean grade", orDash(c.MeanGrade), third)
	p.Ln(9)

	cols := []struct {
		title string
		w     float64
		align string
	}{{"Subject", 36, "L"}, {"Marks", 56, "L"}, {"%", 13, "R"}, {"Grade", 13, "C"}, {"Position", 16, "C"},
		{"Teacher", 26, "L"}, {"Remark", 26, "L"}}
	p.SetFont(font, "B", 8.5)
	p.SetFillColor(230, 233, 238)
	for _, col := range cols {
		p.CellFormat(col.w, 6.5, col.title, "1", 0, col.align, true, 0, "")
	}
	p.Ln(-1)
	for _, s := range c.Subjects {
		cells := []string{s.Name, marksText(s.Marks), fmt.Sprintf("%.1f", s.Percent), s.Grade,
			position(&s.ClassPosition, s.ClassOf), orDash(s.Teacher), s.Remark}
		for i, col := range cols {
			style := ""
			if i == 3 {
				style = "B"
			}
			p.SetFont(font, style, 8.5)
			p.CellFormat(col.w, 6, fitText(p, cells[i], col.w), "1", 0, col.align, false, 0, "")
		}
		p.Ln(-1)
	}
	if len(c.Subjects) == 0 {
		p.SetFont(font, "I", 9)
		p.CellFormat(pageWidth, 6, "No results this term.", "1", 1, "L", false, 0, "")
	}
	p.Ln(2)
	p.SetFont(font, "", 9.5)
	summary := fmt.Sprintf("Subjects: %d    Total: %s    Mean: %s    Mean points: %s    Mean grade: %s",
		c.SubjectsTaken, trimFloat(c.Total), percentOrDash(c.MeanPercent), floatOrDash(c.MeanPoints), orDash(c.MeanGrade))
	p.CellFormat(pageWidth, 7, fitText(p, summary, pageWidth), "TB", 1, "L", false, 0, "")

	if a := c.Attendance; a != nil {
		p.Ln(2)
		p.SetFont(font, "B", 9.5)
		p.CellFormat(30, 6, "Attendance", "", 0, "L", false, 0, "")
		p.SetFont(font, "", 9.5)
		p.CellFormat(0, 6, fmt.Sprintf("%d days: present %d, absent %d, late %d, excused %d (%.1f%% present)",
			a.Days, a.Present, a.Absent, a.Late, a.Excused, a.Rate), "", 1, "L", false, 0, "")
	}
	comment := func(title, text string) {
		p.Ln(2)
		p.SetFont(font, "B", 9.5)
		p.CellFormat(0, 6, title, "", 1, "L", false, 0, "")
		p.SetFont(font, "", 9.5)
		if strings.TrimSpace(text) == "" {
			text = "—"
		}
		p.MultiCell(0, 5, text, "B", "L", false)
	}
	comment("Class teacher's comment", c.ClassTeacherComment)
	comment("Head teacher's comment", c.HeadTeacherComment)
	p.Ln(3)
	p.SetFont(font, "", 9.5)
	p.CellFormat(0, 6, "Next term begins: "+orDash(c.dates.Date(c.NextTermBegins)), "", 1, "L", false, 0, "")
}

// fitText shrinks the current font (down to 6 pt) until text fits w, then cuts it.
func fitText(p *fpdf.Fpdf, text string, w float64) string {
	size, _ := p.GetFontSize()
	for size > 6 && p.GetStringWidth(text) > w-2 {
		size -= 0.5
		p.SetFontSize(size)
	}
	if p.GetStringWidth(text) <= w-2 {
		return text
	}
	r := []rune(text)
	for len(r) > 1 && p.GetStringWidth(string(r)+"…") > w-2 {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// marksText is a subject's marks as one line: "CAT 1 25/30 · Exam 61/100".
func marksText(ms []AssessmentMark) string {
	parts := make([]string, 0, len(ms))
	for _, m := range ms {
		v := "—"
		switch m.Score.Status {
		case MarkScored:
			v = m.Score.String() + "/" + trimFloat(m.MaxScore)
		case MarkAbsent:
			v = "absent"
		case MarkExempt:
			v = "exempt"
		}
		parts = append(parts, m.Name+" "+v)
	}
	return strings.Join(parts, " · ")
}

func position(p *int, of int) string {
	if p == nil || *p == 0 {
		return "—"
	}
	return fmt.Sprintf("%d of %d", *p, of)
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

func trimFloat(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", f), "0"), ".")
}

func percentOrDash(p *float64) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf("%.2f%%", *p)
}

func floatOrDash(p *float64) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf("%.2f", *p)
}

// ReportCardPDF is a student's card for a term as a PDF, in whatever state it is.
func (s Service) ReportCardPDF(ctx context.Context, v Viewer, studentID, termID int64) ([]byte, error) {
	c, err := s.ReportCard(ctx, v, studentID, termID)
	if err != nil {
		return nil, err
	}
	return writeCardsPDF([]ReportCard{c})
}

// ClassReportCardsPDF is a class's cards for a term as one PDF, a page per student.
func (s Service) ClassReportCardsPDF(ctx context.Context, v Viewer, termID, classID int64) ([]byte, error) {
	_, _, cards, err := s.classCards(ctx, v, termID, classID)
	if err != nil {
		return nil, err
	}
	return writeCardsPDF(cards)
}
