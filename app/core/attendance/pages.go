package attendance

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/web"
)

// pages are the attendance pages: the day overview (where a teacher lands on their own
// classes), a class's register for a date, its monthly tracking sheet, and the school
// calendar.
type pages struct{ *web.Kit }

func pageRoutes(r fiber.Router, k *web.Kit) {
	h := pages{k}
	read, mark, manage := h.Require(Read), h.Require(Mark), h.Require(Manage)
	r.Get("/attendance", read, h.overview)
	r.Get("/attendance/calendar", read, h.calendar)
	r.Post("/attendance/calendar/working-days", manage, h.workingDays)
	r.Post("/attendance/calendar/holidays", manage, h.holidayCreate)
	r.Get("/attendance/calendar/holidays/:id", manage, h.holidayEdit)
	r.Post("/attendance/calendar/holidays/:id", manage, h.holidayUpdate)
	r.Post("/attendance/calendar/holidays/:id/delete", manage, h.holidayDelete)
	r.Get("/attendance/classes/:id", read, h.register)
	r.Post("/attendance/classes/:id", mark, h.registerSave)
	r.Get("/attendance/classes/:id/sheet", read, h.sheet)
}

// statusLabels are the marks as a register shows them.
var statusLabels = map[string]string{Present: "Present", Absent: "Absent", Late: "Late", Excused: "Excused"}

func pageViewer(v *web.View) Viewer { return ViewerOf(v.User) }

// dateLabel writes a date for people: "Wednesday 4 March 2026".
func dateLabel(d string) string {
	t, err := time.Parse(school.DateLayout, d)
	if err != nil {
		return d
	}
	return t.Format("Monday 2 January 2006")
}

// overviewData is the day overview page.
type overviewData struct {
	Overview     Overview
	Date, Today  string
	DateLabel    string
	Absentees    *AbsenteeList
	CanMark      bool
	CanManage    bool
	Teacher      bool
	DateError    string
	CurrentMonth string
}

// overview is the school's day: which classes have marked, the counts, and (for those
// allowed) who is away with their guardians' phones. A teacher sees their classes.
func (h pages) overview(c *fiber.Ctx) error {
	v := h.View(c, "Attendance", "attendance")
	ctx, svc := c.UserContext(), New(web.Tenant(c))
	todayDate, err := school.TodayIn(ctx, svc.T.Read())
	if err != nil {
		return h.Fail(c, err)
	}
	d := overviewData{Today: todayDate, CanMark: auth.Allowed(v.User, Mark), CanManage: auth.Allowed(v.User, Manage),
		Teacher: pageViewer(v).Scoped(), CurrentMonth: todayDate[:7]}
	date := c.Query("date", todayDate)
	d.Overview, err = svc.DayOverview(ctx, pageViewer(v), date)
	if e := errs.As(err); err != nil && e.Fields["date"] != "" {
		d.DateError = web.Sentence(e.Fields["date"])
		date = todayDate
		d.Overview, err = svc.DayOverview(ctx, pageViewer(v), date)
	}
	if err != nil {
		return h.Fail(c, err)
	}
	d.Date, d.DateLabel = date, dateLabel(date)
	if auth.Allowed(v.User, Absentees) && d.Overview.SchoolDay {
		list, err := svc.Absentees(ctx, date)
		if err != nil {
			return h.Fail(c, err)
		}
		d.Absentees = &list
	}
	v.Data = d
	return h.Render(c, fiber.StatusOK, "attendance", v)
}

// registerData is a class's register page.
type registerData struct {
	Register  Register
	Rows      []registerRow
	Date      string
	DateLabel string
	Today     string
	Min       string // the first day of the term (the picker's lower bound)
	CanMark   bool
	Statuses  []statusOption
	Saved     bool
}

type registerRow struct {
	Entry
	Status string // the mark shown: present unless marked otherwise
	Marked bool
	Error  string
}

type statusOption struct{ Value, Label string }

func statusOptions() []statusOption {
	out := make([]statusOption, 0, len(Statuses))
	for _, s := range Statuses {
		out = append(out, statusOption{s, statusLabels[s]})
	}
	return out
}

// register shows a class's register for ?date= (today by default): everyone present
// unless marked otherwise, one control per student.
func (h pages) register(c *fiber.Ctx) error {
	id, err := web.PathID(c, "class")
	if err != nil {
		return h.Fail(c, err)
	}
	v := h.View(c, "Register", "attendance")
	return h.registerPage(c, v, id, c.Query("date"), nil, fiber.StatusOK)
}

func (h pages) registerPage(c *fiber.Ctx, v *web.View, id int64, date string, posted map[int64]EntryInput, status int) error {
	ctx, svc := c.UserContext(), New(web.Tenant(c))
	todayDate, err := school.TodayIn(ctx, svc.T.Read())
	if err != nil {
		return h.Fail(c, err)
	}
	if date == "" {
		date = todayDate
	}
	reg, err := svc.Register(ctx, pageViewer(v), id, date)
	if e := errs.As(err); err != nil && e.Fields["date"] != "" {
		v.Error = "The date " + e.Fields["date"] + "."
		date = todayDate
		reg, err = svc.Register(ctx, pageViewer(v), id, date)
	}
	if err != nil {
		return h.Fail(c, err)
	}
	v.Title = reg.Class.Name + " · Register"
	d := registerData{Register: reg, Date: date, DateLabel: dateLabel(date), Today: todayDate,
		CanMark: auth.Allowed(v.User, Mark), Statuses: statusOptions(), Saved: c.Query("done") == "register_saved"}
	if reg.Term != nil {
		d.Min = reg.Term.StartDate
	}
	for _, e := range reg.Entries {
		r := registerRow{Entry: e, Status: Present, Marked: e.Status != nil}
		if e.Status != nil {
			r.Status = *e.Status
		}
		if p, ok := posted[e.Student]; ok {
			r.Status, r.Note = p.Status, p.Note
		}
		r.Error = v.Fields[fmt.Sprintf("student-%d", e.Student)]
		d.Rows = append(d.Rows, r)
	}
	v.Data = d
	return h.Render(c, status, "attendance_register", v)
}

// registerSave saves the whole register posted: s-<student> is the mark, n-<student>
// the note.
func (h pages) registerSave(c *fiber.Ctx) error {
	id, err := web.PathID(c, "class")
	if err != nil {
		return h.Fail(c, err)
	}
	v := h.View(c, "Register", "attendance")
	date := c.FormValue("date")
	posted := map[int64]EntryInput{}
	var in RegisterInput
	args := c.Request().PostArgs()
	args.VisitAll(func(k, val []byte) {
		key := string(k)
		if !strings.HasPrefix(key, "s-") {
			return
		}
		sid, err := strconv.ParseInt(key[2:], 10, 64)
		if err != nil {
			return
		}
		e := EntryInput{Student: sid, Status: string(val), Note: string(args.Peek("n-" + key[2:]))}
		posted[sid] = e
		in.Entries = append(in.Entries, e)
	})
	sort.Slice(in.Entries, func(i, j int) bool { return in.Entries[i].Student < in.Entries[j].Student })
	reg, err := New(web.Tenant(c)).SaveRegister(c.UserContext(), pageViewer(v), id, date, in, auth.MetaFrom(c))
	if err != nil {
		status, ierr := web.FormError(v, err)
		if ierr != nil {
			return ierr
		}
		// field names count entries in the order posted; the page names students
		byStudent := map[string]string{}
		for k, msg := range v.Fields {
			var i int
			var f string
			if n, _ := fmt.Sscanf(k, "entries[%d].%s", &i, &f); n == 2 && i >= 0 && i < len(in.Entries) {
				byStudent[fmt.Sprintf("student-%d", in.Entries[i].Student)] = msg
			}
		}
		for k, msg := range byStudent {
			v.Fields[k] = msg
		}
		if e := errs.As(err); e.Fields["date"] != "" {
			v.Error = "This register cannot be saved: the date " + e.Fields["date"] + "."
		}
		return h.registerPage(c, v, id, date, posted, status)
	}
	q := url.Values{"date": {reg.Date}, "done": {"register_saved"}}
	return web.Redirect(c, fmt.Sprintf("%s/attendance/classes/%d?%s", v.Prefix, id, q.Encode()))
}

// sheetData is a class's tracking sheet page.
type sheetData struct {
	Sheet      Sheet
	MonthLabel string
	Prev, Next string
	DayLabels  []string
	Export     string // the API path of the sheet, for the CSV and xlsx links
}

// sheet is a class's month: students by school days, printable.
func (h pages) sheet(c *fiber.Ctx) error {
	id, err := web.PathID(c, "class")
	if err != nil {
		return h.Fail(c, err)
	}
	v := h.View(c, "Tracking sheet", "attendance")
	sh, err := New(web.Tenant(c)).TrackingSheet(c.UserContext(), pageViewer(v), id, c.Query("month"))
	if err != nil {
		return h.Fail(c, err)
	}
	m, _ := time.Parse("2006-01", sh.Month)
	d := sheetData{Sheet: sh, MonthLabel: m.Format("January 2006"), Prev: m.AddDate(0, -1, 0).Format("2006-01"),
		Next: m.AddDate(0, 1, 0).Format("2006-01"), Export: fmt.Sprintf("%s/api/core/classes/%d/tracking-sheet/?month=%s", v.Prefix, id, sh.Month)}
	for _, day := range sh.Days {
		t, _ := time.Parse(school.DateLayout, day)
		d.DayLabels = append(d.DayLabels, t.Format("Mon 2"))
	}
	v.Title = sh.Class.Name + " · " + d.MonthLabel
	v.Data = d
	return h.Render(c, fiber.StatusOK, "attendance_sheet", v)
}

// calendarData is the school calendar page: working days and holidays.
type calendarData struct {
	Days      []dayOption
	Working   string
	Holidays  []Holiday
	CanManage bool
	Terms     []web.OptionGroup // for the holiday form's term select
	Editing   *Holiday          // the holiday the form edits; nil: the form adds one
}

type dayOption struct {
	Value, Label string
	On           bool
}

func (h pages) calendar(c *fiber.Ctx) error {
	v := h.View(c, "School calendar", "attendance")
	return h.calendarPage(c, v, fiber.StatusOK, nil)
}

func (h pages) calendarPage(c *fiber.Ctx, v *web.View, status int, chosen []string) error {
	return h.calendarPageEditing(c, v, status, chosen, nil)
}

func (h pages) calendarPageEditing(c *fiber.Ctx, v *web.View, status int, chosen []string, editing *Holiday) error {
	ctx, svc := c.UserContext(), New(web.Tenant(c))
	wd, err := svc.WorkingDays(ctx)
	if err != nil {
		return h.Fail(c, err)
	}
	if chosen == nil {
		chosen = wd.Days
	}
	var w Weekdays
	for _, n := range wd.Days {
		if d, ok := parseWeekday(n); ok {
			w[d] = true
		}
	}
	d := calendarData{Working: w.String(), CanManage: auth.Allowed(v.User, Manage)}
	for i := 1; i <= 7; i++ {
		n := weekdayNames[i%7]
		on := false
		for _, x := range chosen {
			on = on || x == n
		}
		d.Days = append(d.Days, dayOption{Value: n, Label: strings.ToUpper(n[:1]) + n[1:], On: on})
	}
	d.Holidays, err = web.All(c, svc.ListHolidays, HolidayFilter{Order: HolidayOrdering.Default()})
	if err != nil {
		return h.Fail(c, err)
	}
	if d.CanManage {
		if d.Terms, err = academics.TermOptions(c); err != nil {
			return h.Fail(c, err)
		}
		d.Editing = editing
	}
	v.Data = d
	return h.Render(c, status, "attendance_calendar", v)
}

func (h pages) workingDays(c *fiber.Ctx) error {
	v := h.View(c, "School calendar", "attendance")
	days := []string{}
	c.Request().PostArgs().VisitAll(func(k, val []byte) {
		if string(k) == "day" {
			days = append(days, string(val))
		}
	})
	if _, err := New(web.Tenant(c)).SetWorkingDays(c.UserContext(), WorkingDays{Days: days}, auth.MetaFrom(c)); err != nil {
		status, ierr := web.FormError(v, err)
		if ierr != nil {
			return ierr
		}
		for k, msg := range v.Fields {
			if strings.HasPrefix(k, "working_days") {
				v.Fields["working_days"] = msg
			}
		}
		return h.calendarPage(c, v, status, days)
	}
	return web.Redirect(c, v.Prefix+"/attendance/calendar?done=working_days_saved")
}

var holidayFields = []string{"name", "start_date", "end_date", "term"}

// isoDate finds the stored dates in a service message, to write them as the school does.
var isoDate = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`)

// holidayFormError puts a refused holiday's problems next to the form's fields, in the
// page's words and with dates in the school's format. A term the school could not find
// for the first day (none chosen) is a problem of the first day.
func holidayFormError(v *web.View, err error) (int, error) {
	status, ierr := web.FormError(v, err)
	if ierr != nil {
		return 0, ierr
	}
	if msg := v.Fields["term"]; msg != "" && v.Form["term"] == "" {
		v.Fields["start_date"] = msg
		delete(v.Fields, "term")
	}
	words := strings.NewReplacer("start_date", "the first day", "end_date", "the last day")
	for k, msg := range v.Fields {
		v.Fields[k] = isoDate.ReplaceAllStringFunc(words.Replace(msg), func(d string) string { return v.Date(d) })
	}
	return status, nil
}

// holidayTerm reads the form's term: 0 for none chosen (the term of the first day).
func holidayTerm(v *web.View) int64 {
	id, err := strconv.ParseInt(v.Form["term"], 10, 64)
	if err != nil || id < 1 {
		return 0
	}
	return id
}

func (h pages) holidayCreate(c *fiber.Ctx) error {
	v := h.View(c, "School calendar", "attendance")
	v.Form = web.Form(c, holidayFields...)
	if v.Form["end_date"] == "" {
		v.Form["end_date"] = v.Form["start_date"]
	}
	if _, err := New(web.Tenant(c)).CreateHoliday(c.UserContext(), HolidayInput{Name: v.Form["name"], TermID: holidayTerm(v),
		StartDate: v.Form["start_date"], EndDate: v.Form["end_date"]}, auth.MetaFrom(c)); err != nil {
		status, ierr := holidayFormError(v, err)
		if ierr != nil {
			return ierr
		}
		return h.calendarPage(c, v, status, nil)
	}
	return web.Redirect(c, v.Prefix+"/attendance/calendar?done=holiday_created")
}

// pathHoliday is the holiday named in the path.
func pathHoliday(c *fiber.Ctx) (Holiday, error) {
	id, err := web.PathID(c, "holiday")
	if err != nil {
		return Holiday{}, err
	}
	return New(web.Tenant(c)).Holiday(c.UserContext(), id)
}

// holidayEdit shows the calendar with the holiday in the form, for correcting.
func (h pages) holidayEdit(c *fiber.Ctx) error {
	v := h.View(c, "School calendar", "attendance")
	hol, err := pathHoliday(c)
	if err != nil {
		return h.Fail(c, err)
	}
	v.Form = map[string]string{"name": hol.Name, "start_date": hol.StartDate, "end_date": hol.EndDate, "term": web.ID(hol.TermID)}
	return h.calendarPageEditing(c, v, fiber.StatusOK, nil, &hol)
}

// holidayUpdate saves the corrected holiday. Without a term chosen it keeps its term.
func (h pages) holidayUpdate(c *fiber.Ctx) error {
	v := h.View(c, "School calendar", "attendance")
	hol, err := pathHoliday(c)
	if err != nil {
		return h.Fail(c, err)
	}
	v.Form = web.Form(c, holidayFields...)
	if v.Form["end_date"] == "" {
		v.Form["end_date"] = v.Form["start_date"]
	}
	p := HolidayPatch{Name: ptr(v.Form["name"]), StartDate: ptr(v.Form["start_date"]), EndDate: ptr(v.Form["end_date"])}
	if term := holidayTerm(v); term != 0 {
		p.TermID = &term
	}
	if _, err := New(web.Tenant(c)).UpdateHoliday(c.UserContext(), hol.ID, p, auth.MetaFrom(c)); err != nil {
		if errs.CodeOf(err) == errs.NotFound && len(errs.As(err).Fields) == 0 {
			return h.Fail(c, err)
		}
		status, ierr := holidayFormError(v, err)
		if ierr != nil {
			return ierr
		}
		return h.calendarPageEditing(c, v, status, nil, &hol)
	}
	return web.Redirect(c, v.Prefix+"/attendance/calendar?done=holiday_saved")
}

func ptr(s string) *string { return &s }

func (h pages) holidayDelete(c *fiber.Ctx) error {
	id, err := web.PathID(c, "holiday")
	if err != nil {
		return h.Fail(c, err)
	}
	if err := New(web.Tenant(c)).DeleteHoliday(c.UserContext(), id, auth.MetaFrom(c)); err != nil {
		return h.Fail(c, err)
	}
	return web.Redirect(c, web.Prefix(c)+"/attendance/calendar?done=holiday_deleted")
}
