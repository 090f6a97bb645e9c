package exams

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api/handler"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/sheet"
	"github.com/schoolsms/sms/db"
)

// Broadsheet is a results table laid flat: a row per student, with each subject's
// percentage and grade, then the totals and positions. Cells are strings, numbers
// (int or float64) or nil for nothing.
type Broadsheet struct {
	Title   string   `json:"title"`
	Columns []string `json:"columns"`
	Rows    [][]any  `json:"rows"`
	// Subjects are the subject codes, for a page that shows a subject's two columns
	// as one.
	Subjects []string `json:"subjects"`
}

// BroadsheetOf lays a results table flat.
func BroadsheetOf(r Results) Broadsheet {
	scope := r.Form.Name
	if r.Class != nil {
		scope = r.Class.Name
	}
	b := Broadsheet{Title: fmt.Sprintf("%s — %s %s", scope, r.Term.Name, r.Term.Session), Rows: [][]any{}}
	b.Columns = []string{"position", "admission_no", "name", "class"}
	for _, s := range r.Subjects {
		b.Columns = append(b.Columns, s.Code, s.Code+" grade")
		b.Subjects = append(b.Subjects, s.Code)
	}
	b.Columns = append(b.Columns, "subjects", "total", "mean_percent", "mean_points", "mean_grade", "class_position", "form_position")
	for _, st := range r.Students {
		pos := st.FormPosition
		if r.Class != nil {
			pos = st.ClassPosition
		}
		row := []any{intCell(pos), st.AdmissionNo, st.Name, st.ClassName}
		bySubject := make(map[int64]SubjectResult, len(st.Subjects))
		for _, sr := range st.Subjects {
			bySubject[sr.SubjectID] = sr
		}
		for _, s := range r.Subjects {
			if sr, ok := bySubject[s.ID]; ok {
				row = append(row, sr.Percent, sr.Grade)
			} else {
				row = append(row, nil, nil)
			}
		}
		row = append(row, st.SubjectsTaken, st.Total, floatCell(st.MeanPercent), floatCell(st.MeanPoints), st.MeanGrade,
			intCell(st.ClassPosition), intCell(st.FormPosition))
		b.Rows = append(b.Rows, row)
	}
	return b
}

func intCell(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func floatCell(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// cellText is a cell as text: numbers as written in the JSON, nothing as "".
func cellText(c any) string {
	switch v := c.(type) {
	case nil:
		return ""
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(c)
}

// WriteCSV writes the broadsheet as CSV (formula-safe, see package sheet).
func (b Broadsheet) WriteCSV(w *bytes.Buffer) error {
	rows := make([][]string, len(b.Rows))
	for i, r := range b.Rows {
		rows[i] = make([]string, len(r))
		for j, c := range r {
			rows[i][j] = cellText(c)
		}
	}
	return sheet.WriteCSV(w, b.Columns, slices.Values(rows))
}

// WriteXLSX writes the broadsheet as a workbook: text cells are text, numbers numbers.
func (b Broadsheet) WriteXLSX(w *bytes.Buffer) error {
	x, err := sheet.NewXLSX("Broadsheet", len(b.Columns), 12)
	if err != nil {
		return err
	}
	if err := x.Row([]any{b.Title}); err != nil {
		return err
	}
	if err := x.Header(b.Columns); err != nil {
		return err
	}
	for _, r := range b.Rows {
		if err := x.Row(r); err != nil {
			return err
		}
	}
	_, err = x.WriteTo(w)
	return err
}

// Broadsheet is the results table of rq laid flat.
func (s Service) Broadsheet(ctx context.Context, v Viewer, rq ResultsQuery) (Broadsheet, error) {
	r, err := s.Results(ctx, v, rq)
	if err != nil {
		return Broadsheet{}, err
	}
	return BroadsheetOf(r), nil
}

// fileName makes a download name from a title: letters, digits, - and _.
func fileName(title, ext string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(title) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	name := strings.Trim(b.String(), "-")
	if name == "" {
		name = "results"
	}
	return name + "." + ext
}

// broadsheet answers /api/core/results/broadsheet/?term=&class=|form=&format=json|csv|xlsx.
func broadsheet(newS func(*db.Tenant) Service) fiber.Handler {
	return func(c *fiber.Ctx) error {
		rq, err := resultsQuery(c)
		format := c.Query("format", "json")
		if format != "json" && format != "csv" && format != "xlsx" {
			f := errs.Fields{"format": "must be json, csv or xlsx"}
			if e := errs.As(err); err != nil {
				for k, v := range e.Fields {
					f.Add(k, v)
				}
			}
			return f.Err()
		}
		if err != nil {
			return err
		}
		b, err := handler.Service(c, newS).Broadsheet(c.UserContext(), viewer(c), rq)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		switch format {
		case "json":
			return c.JSON(b)
		case "csv":
			err = b.WriteCSV(&buf)
			c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		case "xlsx":
			err = b.WriteXLSX(&buf)
			c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		}
		if err != nil {
			return errs.Wrap(err, "write broadsheet")
		}
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+fileName(b.Title, format)+`"`)
		return c.Send(buf.Bytes())
	}
}
