package attendance

import (
	"bytes"
	"fmt"
	"iter"
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api/handler"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/sheet"
	"github.com/schoolsms/sms/app/tenancy"
)

// Routes registers the module's JSON endpoints on a school's routes: registers
// (/api/core/classes/:id/attendance/:date), tracking sheets, student summaries, the day
// overview and absentee list, holidays and the working-days setting.
func Routes(r fiber.Router) {
	read, mark := auth.Require(Read), auth.Require(Mark)
	manage, absentees := auth.Require(Manage), auth.Require(Absentees)

	r.Get("/api/core/classes/:id/attendance/:date", read, getRegister)
	r.Put("/api/core/classes/:id/attendance/:date", mark, putRegister)
	r.Get("/api/core/classes/:id/tracking-sheet", read, trackingSheet)
	r.Get("/api/core/students/:id/attendance", read, getStudentSummary)
	r.Get("/api/core/attendance/overview", read, dayOverview)
	r.Get("/api/core/attendance/absentees", absentees, absenteeList)
	r.Get("/api/core/attendance/school-days/:date", read, schoolDay)

	r.Get("/api/core/holidays", read, handler.List(New, holidayFilter, Service.ListHolidays))
	r.Post("/api/core/holidays", manage, handler.Create(New, Service.CreateHoliday))
	r.Get("/api/core/holidays/:id", read, handler.Get(New, Service.Holiday))
	r.Patch("/api/core/holidays/:id", manage, handler.Update(New, Service.UpdateHoliday))
	r.Delete("/api/core/holidays/:id", manage, handler.Remove(New, Service.DeleteHoliday))

	r.Get("/api/core/settings/working-days", read, getWorkingDays)
	r.Put("/api/core/settings/working-days", manage, putWorkingDays)
}

// viewer is whose eyes a request is for: a teacher reaches the classes they teach or lead.
func viewer(c *fiber.Ctx) Viewer { return ViewerOf(auth.PrincipalOf(c)) }

func holidayFilter(q *handler.Query) HolidayFilter {
	return HolidayFilter{TermID: q.ID("term"), SessionID: q.ID("session"), Search: q.String("search"),
		Order: q.Order(HolidayOrdering)}
}

func getRegister(c *fiber.Ctx) error {
	id, err := handler.ID(c, "id")
	if err != nil {
		return err
	}
	reg, err := handler.Service(c, New).Register(c.UserContext(), viewer(c), id, c.Params("date"))
	if err != nil {
		return err
	}
	return c.JSON(reg)
}

func putRegister(c *fiber.Ctx) error {
	id, err := handler.ID(c, "id")
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(c.Body())) == 0 {
		return errs.Field("entries", `is required: send {"entries": [{"student": id, "status": "present"}, ...]}`)
	}
	in, err := handler.Body[RegisterInput](c)
	if err != nil {
		return err
	}
	reg, err := handler.Service(c, New).SaveRegister(c.UserContext(), viewer(c), id, c.Params("date"), in, handler.Meta(c))
	if err != nil {
		return err
	}
	return c.JSON(reg)
}

func getStudentSummary(c *fiber.Ctx) error {
	id, err := handler.ID(c, "id")
	if err != nil {
		return err
	}
	q := handler.NewQuery(c)
	term := q.ID("term")
	if err := q.Err(); err != nil {
		return err
	}
	out, err := handler.Service(c, New).StudentSummaryFor(c.UserContext(), viewer(c), id, term)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func dayOverview(c *fiber.Ctx) error {
	out, err := handler.Service(c, New).DayOverview(c.UserContext(), viewer(c), c.Query("date"))
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func absenteeList(c *fiber.Ctx) error {
	out, err := handler.Service(c, New).Absentees(c.UserContext(), c.Query("date"))
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func schoolDay(c *fiber.Ctx) error {
	why, err := handler.Service(c, New).SchoolDay(c.UserContext(), c.Params("date"))
	if err != nil {
		return err
	}
	return c.JSON(SchoolDayAnswer{Date: c.Params("date"), SchoolDay: why == "", ClosedReason: why})
}

func getWorkingDays(c *fiber.Ctx) error {
	out, err := handler.Service(c, New).WorkingDays(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func putWorkingDays(c *fiber.Ctx) error {
	if len(bytes.TrimSpace(c.Body())) == 0 {
		return errs.Field("working_days", `is required: send {"working_days": ["monday", ...]}`)
	}
	in, err := handler.Body[WorkingDays](c)
	if err != nil {
		return err
	}
	out, err := handler.Service(c, New).SetWorkingDays(c.UserContext(), in, handler.Meta(c))
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// trackingSheet answers a class's month as JSON, CSV or xlsx (?format=).
func trackingSheet(c *fiber.Ctx) error {
	id, err := handler.ID(c, "id")
	if err != nil {
		return err
	}
	format := c.Query("format", "json")
	if format != "json" && format != "csv" && format != "xlsx" {
		return errs.Field("format", "must be json, csv or xlsx")
	}
	sh, err := handler.Service(c, New).TrackingSheet(c.UserContext(), viewer(c), id, c.Query("month"))
	if err != nil {
		return err
	}
	if format == "json" {
		return c.JSON(sh)
	}
	var buf bytes.Buffer
	ctype := "text/csv; charset=utf-8"
	if format == "xlsx" {
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		err = sheet.WriteXLSX(&buf, "Attendance", sh.Header(), 8, sh.Rows())
	} else {
		err = sheet.WriteCSV(&buf, sh.Header(), sh.Rows())
	}
	if err != nil {
		return errs.Wrap(err, "write tracking sheet")
	}
	name := fmt.Sprintf("attendance-%s-%s-%s.%s", tenancy.From(c).Info.Schema, fileSafe(sh.Class.Name), sh.Month, format)
	c.Set(fiber.HeaderContentType, ctype)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

// Header is the first line of an exported sheet: the student columns, one column per
// school day (its day of the month), and the totals.
func (sh Sheet) Header() []string {
	h := []string{"admission_no", "name"}
	for _, d := range sh.Days {
		h = append(h, d[8:])
	}
	return append(h, "present", "absent", "late", "excused", "unmarked", "rate_percent")
}

// Rows are the exported sheet's lines: one per student, then a line per status counting
// each day's marks.
func (sh Sheet) Rows() iter.Seq[[]string] {
	return func(yield func([]string) bool) {
		for _, r := range sh.Students {
			line := []string{r.Student.AdmissionNo, r.Student.Name}
			for _, m := range r.Marks {
				line = append(line, Cell(m))
			}
			rateText := ""
			if r.Rate != nil {
				rateText = strconv.FormatFloat(*r.Rate, 'f', 1, 64)
			}
			line = append(line, itoa(r.Present), itoa(r.Absent), itoa(r.Late), itoa(r.Excused), itoa(r.Unmarked), rateText)
			if !yield(line) {
				return
			}
		}
		for _, st := range slices.Concat(Statuses, []string{"unmarked"}) {
			line := []string{"", "total " + st}
			for _, d := range sh.DayTotal {
				line = append(line, itoa(d.of(st)))
			}
			line = append(line, "", "", "", "", "", "")
			if !yield(line) {
				return
			}
		}
	}
}

func (c Counts) of(status string) int64 {
	switch status {
	case Present:
		return c.Present
	case Absent:
		return c.Absent
	case Late:
		return c.Late
	case Excused:
		return c.Excused
	}
	return c.Unmarked
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// fileSafe keeps letters, digits and - of a name for a file name.
func fileSafe(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			out = append(out, r)
		case r == ' ' || r == '_':
			out = append(out, '-')
		}
	}
	if len(out) == 0 {
		return "class"
	}
	return string(out)
}
